"""How the tutor read a piece of math: LaTeX and shape, or the error with a caret.

This powers the live preview under the answer box and ``POST /api/v1/parse``. Text goes
only through the language's own grammar (``mathlang.parse``); nothing is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.mathlang import MathError, check, parse, parse_declaration, to_latex
from app.mathlang.declarations import parse_shape


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
    """The DESIGN §11 parse result, plus ``caret`` (text and a ``^`` line) on errors.

    ``expected`` (the answer's shape, when known) sizes a context-sized answer such as a
    bare ``0``, ``I`` or ``ones``, as the grader does."""
    if len(text) > max_chars:
        error = MathError("limit", f"the text is {len(text)} characters; the limit is {max_chars}")
        return {"ok": False, "error": error.to_dict(), "caret": ""}
    try:
        tree = parse(text)
        if indices:
            typed = check(tree, dict(shapes), indices=dict(indices))
        else:
            typed = check(tree, dict(shapes), expected=expected)
        latex = to_latex(tree)
    except MathError as error:
        return {"ok": False, "error": error.to_dict(), "caret": error.caret(text)}
    return {"ok": True, "shape": [int(n) for n in typed.shape], "latex": latex}
