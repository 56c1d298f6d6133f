"""``jtutor grade --json`` and ``--batch``: verdicts, diagnoses, result contract (DESIGN §5, §11).

The cases are issue 3's acceptance items, written independently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.contracts.conftest import Completed, jtutor, jtutor_many, var_flags
from tests.contracts.grade_cases import (
    HOSTILE_ANSWERS,
    PROBLEMS,
    WX,
    Problem,
    assert_expected,
    assert_grade_result,
)

# The default limit of 2 s is meant for a quiet server; the test machine is shared and busy.
GRADING_LIMIT = 30

MALFORMED = [
    '{"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x", "answ',
    "[1, 2, 3]",
    '{"variables": {"W": "3x4", "x": "4"}, "function": "W x"}',
    '{"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x", "layout": "sideways",'
    ' "answer": "W"}',
    '{"variables": "W", "function": 3, "wrt": ["x"], "layout": "numerator", "answer": null}',
]


class Batch:
    """The batch file as lines, each with what its result must be."""

    def __init__(self, planted: Path) -> None:
        self.lines: list[str] = []
        self.expect: list[tuple[str, Any]] = []
        malformed = iter(MALFORMED)
        for n, problem in enumerate(PROBLEMS):
            bad = next(malformed, None) if n % 9 == 4 else None
            if bad is not None:  # malformed lines spread through the file: the order is kept
                self.lines.append(bad)
                self.expect.append(("malformed", None))
            self.lines.append(json.dumps(problem.line()))
            self.expect.append(("problem", problem))
        for text in HOSTILE_ANSWERS:
            answer = text.replace("{FILE}", str(planted))
            line = {"variables": WX, "function": "W x", "wrt": "x", "layout": "numerator"}
            self.lines.append(json.dumps({**line, "answer": answer}))
            self.expect.append(("hostile", answer))
        for rest in malformed:
            self.lines.append(rest)
            self.expect.append(("malformed", None))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile") / "PWNED"


@pytest.fixture(scope="module")
def batch(planted: Path) -> Batch:
    return Batch(planted)


@pytest.fixture(scope="module")
def batch_run(batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> Completed:
    path = tmp_path_factory.mktemp("batch") / "problems.jsonl"
    path.write_text("\n".join(batch.lines) + "\n", encoding="utf-8")
    return jtutor(["grade", "--batch", str(path), "--timeout", str(GRADING_LIMIT)], timeout=300)


@pytest.fixture(scope="module")
def batch_results(batch_run: Completed) -> list[Any]:
    return [json.loads(line) for line in batch_run.stdout.splitlines() if line.strip()]


def test_one_result_line_per_input_line(batch: Batch, batch_run: Completed) -> None:
    assert len(batch.lines) >= 40
    lines = [line for line in batch_run.stdout.splitlines() if line.strip()]
    assert len(lines) == len(batch.lines), batch_run.stderr[-2000:]


def test_every_result_line_has_the_whole_contract(batch_results: list[Any]) -> None:
    assert batch_results
    for result in batch_results:
        assert_grade_result(result)


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_batch_verdicts_in_order(problem: Problem, batch: Batch, batch_results: list[Any]) -> None:
    at = next(i for i, (kind, p) in enumerate(batch.expect) if kind == "problem" and p is problem)
    assert at < len(batch_results), "the batch gave fewer result lines than input lines"
    assert_expected(problem, batch_results[at])


def test_malformed_lines_are_invalid_in_place(batch: Batch, batch_results: list[Any]) -> None:
    places = [i for i, (kind, _) in enumerate(batch.expect) if kind == "malformed"]
    assert len(places) == len(MALFORMED)
    for i in places:
        assert i < len(batch_results)
        assert batch_results[i]["verdict"] == "invalid", (batch.lines[i], batch_results[i])


def test_hostile_answers_are_refused_and_run_nothing(
    batch: Batch, batch_results: list[Any], planted: Path
) -> None:
    places = [(i, a) for i, (kind, a) in enumerate(batch.expect) if kind == "hostile"]
    for i, answer in places:
        assert i < len(batch_results)
        verdict = batch_results[i]["verdict"]
        if "__" in answer or "lambda" in answer or answer.startswith("---"):
            assert verdict == "invalid", (answer[:50], batch_results[i])
        else:
            assert verdict in ("invalid", "incorrect"), (answer[:50], batch_results[i])
    assert not planted.exists()


def _single(problem: Problem) -> list[str]:
    args = ["grade", *var_flags(problem.variables), "--function", problem.function]
    args += ["--wrt", problem.wrt, "--layout", problem.layout]
    if problem.indices:
        args += ["--indices", ",".join(problem.indices)]
    for name, value in (problem.values or {}).items():
        args += ["--value", f"{name}={json.dumps(value)}"]
    return [*args, "--answer", problem.answer, "--json", "--timeout", str(GRADING_LIMIT)]


# The flags route, for a sample that uses every flag (the batch covers the rest).
SINGLE = {"wx-WT-den", "wx-2W", "wx-xT", "dydw-nodelta", "pinned"}


def test_single_problem_flags_give_the_same_verdicts() -> None:
    chosen = [p for p in PROBLEMS if p.name in SINGLE]
    assert len(chosen) == len(SINGLE)
    for problem, done in zip(chosen, jtutor_many([_single(p) for p in chosen]), strict=True):
        result = done.json()
        assert_grade_result(result)
        assert isinstance(result, dict)
        assert_expected(problem, result)
        if problem.name == "wx-xT":
            assert (result["expected_shape"], result["answer_shape"]) == ([3, 4], [1, 4])


def test_wrong_entries_are_real_entries_and_only_wrong_ones(
    batch: Batch, batch_results: list[Any]
) -> None:
    """For ``entries``, the listed entries index the expected shape; for dy/dW = x[k] without
    the delta, exactly the entries with i != j are wrong (DESIGN §5)."""
    checked = 0
    for at, (kind, problem) in enumerate(batch.expect):
        if kind != "problem" or problem.diagnosis != "entries" or at >= len(batch_results):
            continue
        result = batch_results[at]
        entries, shape = result["wrong_entries"], result["expected_shape"]
        assert entries, (problem.name, result)
        for entry in entries:
            assert len(entry) == len(shape), (problem.name, entry)
            assert all(0 <= e <= n for e, n in zip(entry, shape, strict=True)), (
                problem.name,
                entry,
            )
        if problem.name == "dydw-nodelta":
            assert all(entry[0] != entry[1] for entry in entries), entries
        checked += 1
    assert checked >= 2


def test_messages_explain_the_diagnosis(batch: Batch, batch_results: list[Any]) -> None:
    """DESIGN §5: wrong_shape gives the expected shape and the axis rule; scaled reports the factor
    ("off by a factor of 2"), and a factor put down to a size names a variable of the problem."""
    for at, (kind, problem) in enumerate(batch.expect):
        if kind != "problem" or at >= len(batch_results):
            continue
        result = batch_results[at]
        message = result["message"]
        if result["diagnosis"] == "wrong_shape":
            rows, cols = result["expected_shape"][:2]
            assert re.search(rf"{rows}\s*[x×]\s*{cols}", message), (problem.name, message)
            assert "axes" in message, (problem.name, message)
        if result["diagnosis"] == "scaled":
            assert "factor" in message, (problem.name, message)
            if problem.name == "wx-2W":
                assert "factor of 2" in message, message
            for name in re.findall(r"(?:rows|columns|entries) of (\w+)", message):
                used = re.findall(r"[A-Za-z]\w*", problem.function + " " + problem.answer)
                assert name in used, (problem.name, problem.function, message)
