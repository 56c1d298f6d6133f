"""``jtutor grade``: flags, JSON output, batches and exit codes (DESIGN §11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FLAGS = ["--var", "W=3x4", "--var", "x=4", "--function", "W x", "--wrt", "x"]


def jtutor(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_json_result_for_a_transposed_answer() -> None:
    run = jtutor("grade", *FLAGS, "--answer", "W^T", "--json", "--seed", "4")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert (result["verdict"], result["diagnosis"]) == ("incorrect", "transposed")
    assert result["seed"] == 4 and result["expected_shape"] == [3, 4]


def test_readable_text_and_layout_flag() -> None:
    run = jtutor("grade", *FLAGS, "--layout", "denominator", "--answer", "W^T")
    assert run.returncode == 0
    assert run.stdout.startswith("correct")
    bad = jtutor("grade", *FLAGS, "--answer", "W +")
    assert bad.returncode == 0 and bad.stdout.startswith("invalid") and "^" in bad.stdout


def test_indices_and_values_flags() -> None:
    run = jtutor(
        "grade",
        "--var",
        "W=2x3",
        "--var",
        "x=3",
        "--function",
        "W x",
        "--wrt",
        "W",
        "--indices",
        "i,j,k",
        "--answer",
        "delta(i,j) * x[k]",
        "--json",
    )
    assert json.loads(run.stdout)["verdict"] == "correct"
    pinned = jtutor(
        "grade",
        "--var",
        "x=scalar",
        "--var",
        "y=scalar",
        "--function",
        "[3 x^2 y, 2 x + y^8]",
        "--wrt",
        "x,y",
        "--value",
        "x=1.5",
        "--value",
        "y=-0.5",
        "--answer",
        "[[-4.5, 6.75], [2, -0.0625]]",
        "--json",
    )
    result = json.loads(pinned.stdout)
    assert result["verdict"] == "correct" and result["instances"] == 1


def test_bad_flags_exit_2() -> None:
    assert jtutor("grade", *FLAGS).returncode == 2  # no --answer
    assert (
        jtutor(
            "grade", "--var", "W=3x", "--function", "W", "--wrt", "W", "--answer", "W"
        ).returncode
        == 2
    )
    assert jtutor("grade", *FLAGS[:-2], "--wrt", "z", "--answer", "W").returncode == 2
    assert jtutor("grade", *FLAGS, "--value", "x=[1,", "--answer", "W").returncode == 2
    assert jtutor("grade", "--batch", "/nonexistent/file.jsonl").returncode == 2


def test_batch_keeps_order_and_survives_bad_lines(tmp_path: Path) -> None:
    base = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}
    lines = [json.dumps({**base, "answer": a, "id": n}) for n, a in enumerate(("W", "W^T", "-W"))]
    lines.insert(1, "{not json")
    lines.append(json.dumps({"variables": {"x": "4"}, "function": "x", "answer": "x"}))
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n")
    run = jtutor("grade", "--batch", str(path))
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["verdict"] for r in results] == [
        "correct",
        "invalid",
        "incorrect",
        "incorrect",
        "invalid",
    ]
    assert results[2]["diagnosis"] == "transposed" and results[3]["diagnosis"] == "sign"
    assert "line 2" in results[1]["error"]["message"]
    assert [r.get("id") for r in results] == [0, None, 1, 2, None]
    assert "wrt" in results[4]["error"]["message"]


def test_long_batch_prints_progress(tmp_path: Path) -> None:
    base = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x", "answer": "W"}
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(json.dumps(base) for _ in range(30)) + "\n")
    run = jtutor("grade", "--batch", str(path))
    assert len(run.stdout.splitlines()) == 30
    assert "graded 30/30" in run.stderr


def test_misconception_in_json_batch_and_text(tmp_path: Path) -> None:
    quad = ["--var", "x=4", "--var", "A=4x4", "--function", "x^T A x", "--wrt", "x"]
    run = jtutor("grade", *quad, "--answer", "2 x^T A", "--json", "--seed", "5")
    named = json.loads(run.stdout)["misconception"]
    assert named["id"] == "assumed_symmetric" and isinstance(named["step"], int)
    right = jtutor("grade", *quad, "--answer", "x^T (A + A^T)", "--json", "--seed", "5")
    assert json.loads(right.stdout)["misconception"] is None
    text = jtutor("grade", *quad, "--answer", "2 x^T A", "--seed", "5")
    assert "misconception: assumed_symmetric" in text.stdout
    batch = tmp_path / "b.jsonl"
    line = {"variables": {"w": "3", "x": "3", "b": "scalar"}, "function": "relu(w^T x + b)"}
    batch.write_text(json.dumps({**line, "wrt": "w", "answer": "x^T"}) + "\n")
    out = jtutor("grade", "--batch", str(batch))
    assert json.loads(out.stdout.splitlines()[0])["misconception"]["id"] == (
        "missing_activation_derivative"
    )
