"""The grade result of DESIGN §11 and what a problem's result must be, shared by the CLI and
HTTP contract tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One batch line and what its result must be; ``verdict`` may list alternatives with
    ``|`` where the contract allows either (``correct|undecided``: never rejected)."""

    name: str
    variables: dict[str, str]
    function: str
    wrt: str
    answer: str
    verdict: str
    diagnosis: str | None = None
    layout: str = "numerator"
    indices: list[str] | None = None
    values: dict[str, Any] | None = None
    factor: float | None = None
    matched_layout: str | None = None
    error_kind: str | None = None
    error_position: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "variables": self.variables,
            "function": self.function,
            "wrt": self.wrt,
            "layout": self.layout,
            "answer": self.answer,
        }
        if self.indices is not None:
            body["indices"] = self.indices
        if self.values is not None:
            body["values"] = self.values
        return body


GRADE_KEYS = {
    "verdict",
    "diagnosis",
    "error",
    "message",
    "expected_shape",
    "answer_shape",
    "layout",
    "factor",
    "wrong_entries",
    "instances",
    "seed",
}
VERDICTS = {"correct", "incorrect", "invalid", "undecided"}
DIAGNOSES = {None, "wrong_shape", "transposed", "sign", "scaled", "entries"}
KINDS = {"syntax", "unknown_name", "shape", "limit"}


def assert_grade_result(result: object) -> None:
    """Every key of the DESIGN §11 grade result, with its type."""
    assert isinstance(result, dict), result
    missing = GRADE_KEYS - set(result)
    assert not missing, (missing, result)
    assert result["verdict"] in VERDICTS
    assert result["diagnosis"] in DIAGNOSES
    error = result["error"]
    if error is not None:
        assert isinstance(error, dict) and error["kind"] in KINDS
        assert isinstance(error["message"], str)
        assert error["position"] is None or type(error["position"]) is int
    assert isinstance(result["message"], str) and result["message"]
    assert isinstance(result["expected_shape"], list)
    assert all(type(n) is int for n in result["expected_shape"])
    shape = result["answer_shape"]
    assert shape is None or (isinstance(shape, list) and all(type(n) is int for n in shape))
    assert result["layout"] in (None, "numerator", "denominator")
    assert result["factor"] is None or type(result["factor"]) in (int, float)
    entries = result["wrong_entries"]
    assert isinstance(entries, list)
    assert all(isinstance(e, list) and all(type(n) is int for n in e) for e in entries)
    assert type(result["instances"]) is int and result["instances"] >= 0
    assert type(result["seed"]) is int


def assert_expected(problem: Problem, result: dict[str, Any]) -> None:
    seen = (problem.name, problem.answer, result["verdict"], result["diagnosis"], result["message"])
    assert result["verdict"] in problem.verdict.split("|"), seen
    if problem.diagnosis is not None:
        assert result["diagnosis"] == problem.diagnosis, seen
    if result["verdict"] == "correct":
        assert result["diagnosis"] is None and result["error"] is None
        # K >= 3 random instances (DESIGN §5), or the one pinned instance when every value is given
        least = 1 if problem.values else 3
        assert result["instances"] >= least, (problem.name, result["instances"])
    if problem.verdict == "invalid":
        assert result["error"] is not None, (problem.name, result)
        if problem.error_kind:
            assert result["error"]["kind"] == problem.error_kind, (problem.name, result["error"])
        if problem.error_position is not None:
            position = result["error"]["position"]
            assert position == problem.error_position, (problem.name, result["error"])
    if problem.factor is not None:
        assert result["factor"] is not None
        error = abs(result["factor"] - problem.factor)
        assert error <= 1e-6 * abs(problem.factor), (problem.name, result["factor"])
    if problem.matched_layout is not None:
        assert result["layout"] == problem.matched_layout, (problem.name, result["layout"])
