"""Wording shared by the shape checker and the evaluator: how an expression and a shape are
named in an error message, and the "did you mean" suggestion for an unknown name.

Messages follow DESIGN §3: they name the operation as the learner wrote it (printed back
from the tree) and the shapes involved, e.g. "W x: W is 3x4 and x is 3x1; the inner
sizes 4 and 3 differ".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from app.mathlang.ast import Node
from app.mathlang.errors import MathError

_MAX_TEXT = 40


def node_text(node: Node, *, limit: int = _MAX_TEXT) -> str:
    """The node printed back in the language, shortened with an ellipsis when long."""
    from app.mathlang.ast import Name, Number
    from app.mathlang.printer import to_text

    try:
        text = to_text(node)
    except (NotImplementedError, ValueError):  # trees the printer cannot spell
        if isinstance(node, Name):
            text = node.name
        elif isinstance(node, Number):
            text = node.text or repr(node.value)
        else:
            text = "the expression"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shape_text(shape: Sequence[int | None]) -> str:
    """``(3, 4)`` -> ``3x4``; an unknown size (``I`` before its size is known) is ``?``."""
    return "x".join("?" if d is None else str(d) for d in shape)


def _split_into(name: str, declared: Iterable[str]) -> list[str] | None:
    """The shortest split of ``name`` into declared names (``wx`` -> ``w``, ``x``), if any.

    Learners often omit the space of a product (``Wx``); dynamic programming over the
    prefixes finds the reading with the fewest factors.
    """
    names = {d for d in declared if d}
    best: list[list[str] | None] = [None] * (len(name) + 1)
    best[0] = []
    for end in range(1, len(name) + 1):
        for start in range(end):
            prefix = best[start]
            piece = name[start:end]
            if prefix is not None and piece in names:
                candidate = [*prefix, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    found = best[len(name)]
    return found if found is not None and len(found) > 1 else None


def _or_list(items: Sequence[str]) -> str:
    quoted = [f"'{item}'" for item in items]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def unknown_name_error(
    name: str,
    declared: Iterable[str],
    position: int | None,
    *,
    what: str = "name",
    also: Iterable[str] = (),
) -> MathError:
    """``MathError("unknown_name", "unknown name 'wx'; did you mean 'w x' or 'W'?")``.

    Suggestions: the split of ``name`` into declared names when it is a product of
    them, then declared names (and the names in ``also``, such as the built-in
    functions: ``sine`` -> ``sin``) that are close in spelling, ignoring case.
    """
    pool = sorted(set(declared))
    suggestions: list[str] = []
    split = _split_into(name, pool)
    if split is not None:
        suggestions.append(" ".join(split))
    lowered: dict[str, list[str]] = {}
    for candidate in sorted({*pool, *also}):
        lowered.setdefault(candidate.lower(), []).append(candidate)
    parts = set(split or ())
    for close in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6):
        for candidate in lowered[close]:
            if len(name) == 1 and candidate not in pool:
                continue  # one letter is a variable: 'N' is not a misspelt 'ln'

            if candidate not in suggestions and candidate != name and candidate not in parts:
                suggestions.append(candidate)
    message = f"unknown {what} '{name}'"
    if suggestions:
        message += f"; did you mean {_or_list(suggestions[:3])}?"
    elif pool and what == "name":
        message += f"; the names here are {', '.join(pool[:8])}"
    return MathError("unknown_name", message, position)
