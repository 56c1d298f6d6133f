"""Small text helpers for the pages: shapes as ``3×4``, values as LaTeX matrices, and the
plain-words explanation of each verdict and diagnosis (DESIGN §5)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

VERDICTS = {
    "correct": "Correct",
    "incorrect": "Not quite",
    "invalid": "We could not read that answer",
    "undecided": "Undecided",
}


def shape_text(shape: Any) -> str:
    if not isinstance(shape, Sequence) or isinstance(shape, str) or not shape:
        return "?"
    return "×".join(str(int(n)) for n in shape)


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "?"
    return f"{value:.4g}".replace("e", r"\mathrm{e}")


def matrix_latex(value: Any) -> str:
    """LaTeX for a number, a vector or a matrix of numbers (nested lists, column vectors
    as lists of one-element rows)."""
    if isinstance(value, int | float):
        return _number(value)
    if not isinstance(value, Sequence) or not value:
        return "?"
    rows = [r if isinstance(r, Sequence) else [r] for r in value]
    body = r" \\ ".join(" & ".join(_number(v) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def verdict_text(verdict: str | None) -> str:
    return VERDICTS.get(verdict or "", "Graded")


def diagnosis_text(result: dict[str, Any], layout: str | None = None) -> str:
    """The diagnosis in plain words; the grader's own ``message`` is shown beside it."""
    diagnosis = result.get("diagnosis")
    expected = shape_text(result.get("expected_shape"))
    given = shape_text(result.get("answer_shape"))
    if diagnosis == "wrong_shape":
        return (
            f"Your answer is {given} but the derivative is {expected}. The axis rule: the "
            "axes of dY/dX are the axes of Y followed by the axes of X."
        )
    if diagnosis == "transposed":
        other = "denominator" if layout != "denominator" else "numerator"
        if layout == "denominator":
            rule = "denominator layout: rows follow the inputs"
        else:
            rule = "numerator layout: rows follow the outputs yᵢ"
        return f"You gave the {other}-layout derivative (the transpose). This exercise uses {rule}."
    if diagnosis == "sign":
        return "Every entry has the wrong sign: check a minus that was dropped or added."
    if diagnosis == "scaled":
        factor = result.get("factor")
        if isinstance(factor, int | float) and math.isfinite(factor):
            return f"The pattern is right but every entry is off by a factor of {factor:.3g}."
        return "The pattern is right but every entry is off by a constant factor."
    if diagnosis == "entries":
        wrong = result.get("wrong_entries") or []
        return (
            f"Some entries are wrong ({len(wrong)} shown in the map below); the others agree "
            "with the derivative."
        )
    return ""
