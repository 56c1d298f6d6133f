"""The held-out corpus (``problems.jsonl``, written by ``make_corpus.py``) through
``jtutor grade --batch``: no correct answer rejected, no wrong answer accepted, at least
90% of the mistakes named as expected, every hostile answer refused as invalid."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).with_name("problems.jsonl")


def test_corpus_through_batch_grading(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    assert len(rows) >= 150
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({**row["problem"], "seed": 7}) + "\n" for row in rows))
    run = subprocess.run(
        [sys.executable, "-m", "app", "grade", "--batch", str(batch), "--timeout", "10"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(results) == len(rows)
    rejected, accepted, named, mistakes = [], [], 0, 0
    for row, result in zip(rows, results, strict=True):
        expect, group = row["expect"], row["group"]
        answer = row["problem"]["answer"]
        if group == "correct" and result["verdict"] != "correct":
            rejected.append((answer, result["verdict"], result["message"]))
        if group in ("mistake", "hostile") and result["verdict"] == "correct":
            accepted.append(answer)
        if group == "mistake":
            mistakes += 1
            named += result["diagnosis"] == expect["diagnosis"]
        if group == "hostile":
            assert result["verdict"] == "invalid", (answer, result)
    assert not rejected, rejected
    assert not accepted, accepted
    assert named >= 0.9 * mistakes, f"{named} of {mistakes} mistakes named as expected"
