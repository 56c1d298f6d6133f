"""The grade result of DESIGN §11, as a mutable record the grader fills in step by step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.grading import messages
from app.mathlang import MathError
from app.mathlang.errors import ErrorKind


@dataclass
class GradeResult:
    seed: int
    expected_shape: list[int] = field(default_factory=list)
    verdict: str = "undecided"
    diagnosis: str | None = None
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
        }
