"""Small display helpers for the pages: shapes as ``3×4`` and values as LaTeX matrices.

What a learner reads about a verdict or a diagnosis is in :mod:`app.grading.messages`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


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
