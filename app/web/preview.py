"""How the tutor read a piece of math: LaTeX and shape, or the error with a caret.

The reading itself is :mod:`app.mathlang.reading`; learners' previews and
``POST /api/v1/parse`` run it in a preview worker process (``GradingPool.read``). Text goes
only through the language's own grammar (``mathlang.parse``); nothing is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.mathlang import MathError, parse_declaration
from app.mathlang.declarations import parse_shape
from app.mathlang.reading import read


def _shape(value: Any) -> tuple[int, int]:
    if isinstance(value, str):
        rows, cols = parse_shape(value)
        if isinstance(rows, int) and isinstance(cols, int):
            return rows, cols
        raise MathError("shape", f"the shape {value!r} has no concrete sizes")
    rows, cols = (int(n) for n in value)
    return rows, cols


def shapes_from_declarations(variables: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """``{"W": "3x4"}`` (the API's spelling) or ``{"W": [3, 4]}`` -> ``{"W": (3, 4)}``."""
    out: dict[str, tuple[int, int]] = {}
    for name, spec in variables.items():
        if isinstance(spec, str):
            out[name] = parse_declaration(str(name), spec).shape()
        else:
            out[name] = _shape(spec)
    return out


def read_math(
    text: str,
    shapes: Mapping[str, tuple[int, int]],
    *,
    indices: Mapping[str, int] | None = None,
    expected: tuple[int, int] | None = None,
    max_chars: int = 2_000,
) -> dict[str, Any]:
    """The DESIGN §11 parse result, plus ``caret`` on errors (:func:`app.mathlang.reading.read`,
    in this process: for text that is not the public's, e.g. an instructor's reference)."""
    return read(text, shapes, indices=indices, expected=expected, max_chars=max_chars)
