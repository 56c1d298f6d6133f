"""The grade result of DESIGN §11, as a typed record the grader fills in step by step.

It stays a :class:`GradeResult` from the grader to the page or the API and becomes JSON
data (:meth:`GradeResult.to_dict`, the DESIGN §11 contract) only where it leaves: a
response, a stored attempt, a line of ``jtutor grade``, the pipe to a grading worker's
parent (read back with :meth:`GradeResult.from_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

from app.grading import messages
from app.mathlang import MathError
from app.mathlang.errors import ErrorKind

Verdict = Literal["correct", "incorrect", "invalid", "undecided"]
Diagnosis = Literal["wrong_shape", "transposed", "sign", "scaled", "entries"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
DIAGNOSES: tuple[Diagnosis, ...] = get_args(Diagnosis)


@dataclass
class GradeResult:
    seed: int
    expected_shape: list[int] = field(default_factory=list)
    verdict: Verdict = "undecided"
    diagnosis: Diagnosis | None = None
    error: dict[str, object] | None = None
    message: str = ""
    answer_shape: list[int] | None = None
    layout: str | None = None
    factor: float | None = None
    factor_text: str | None = None
    wrong_entries: list[list[int]] = field(default_factory=list)
    instances: int = 0
    description: str | None = None
    heatmap: list[list[float]] = field(default_factory=list)
    misconception: dict[str, Any] | None = None
    """``{"id", "message", "step"}`` when a buggy rule of the catalogue explains the answer."""

    def invalid(self, error: MathError) -> GradeResult:
        self.verdict = "invalid"
        self.error = error.to_dict()
        if error.kind not in ("syntax", "unknown_name", "shape", "limit"):
            self.error["kind"] = "shape" if error.kind == "domain" else "syntax"
        self.message = messages.invalid(error.message)
        return self

    def undecided(self, reason: str) -> GradeResult:
        self.verdict = "undecided"
        self.diagnosis = None
        self.message = messages.undecided(reason)
        return self

    @classmethod
    def problem_error(
        cls, message: str, seed: int | None, kind: ErrorKind = "syntax"
    ) -> GradeResult:
        """A problem that cannot be graded (bad declarations, function, batch line); the
        error keeps the kind of what went wrong (a function with a shape error: ``shape``)."""
        result = cls(seed=seed if seed is not None else 0)
        result.verdict = "invalid"
        result.error = {"kind": kind, "message": f"problem: {message}", "position": None}
        result.message = f"This problem cannot be graded: {message}"
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GradeResult:
        """A result read back from its DESIGN §11 data (a grading worker's answer); every
        field of the record is read by its name, so a field added here is carried too."""
        verdict = data.get("verdict")
        diagnosis = data.get("diagnosis")
        if verdict not in VERDICTS:
            raise ValueError(f"not a verdict: {verdict!r}")
        if diagnosis is not None and diagnosis not in DIAGNOSES:
            raise ValueError(f"not a diagnosis: {diagnosis!r}")
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["seed"] = int(data.get("seed") or 0)
        return cls(**values)

    @classmethod
    def refused(cls, message: str, seed: int | None = None) -> GradeResult:
        """An answer refused before grading (too long, the grader unavailable): invalid."""
        return cls(seed=seed or 0, verdict="invalid", message=message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "diagnosis": self.diagnosis,
            "error": self.error,
            "message": self.message,
            "expected_shape": list(self.expected_shape),
            "answer_shape": None if self.answer_shape is None else list(self.answer_shape),
            "layout": self.layout,
            "factor": self.factor,
            "wrong_entries": [list(p) for p in self.wrong_entries],
            "instances": self.instances,
            "seed": self.seed,
            "factor_text": self.factor_text,
            "description": self.description,
            "heatmap": self.heatmap,
            "misconception": None if self.misconception is None else dict(self.misconception),
        }
