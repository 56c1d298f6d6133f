"""How a piece of text is read: its LaTeX and shape, or the error with a caret.

This is the live preview under an answer box and ``POST /api/v1/parse`` (DESIGN §11's
parse result). It is pure language work (parse, check shapes, print LaTeX; nothing is
evaluated), so it can run anywhere: the web app runs it in a worker process, where a
2,000-character text's tens of milliseconds of parsing do not hold up the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.mathlang.errors import MathError
from app.mathlang.latex import to_latex
from app.mathlang.limits import MAX_TEXT_LENGTH
from app.mathlang.parser import parse
from app.mathlang.shapes import check


def read(
    text: str,
    shapes: Mapping[str, tuple[int, int]],
    *,
    indices: Mapping[str, int] | None = None,
    expected: tuple[int, int] | None = None,
    max_chars: int = MAX_TEXT_LENGTH,
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
