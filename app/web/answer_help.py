"""The examples beside an answer box: how to write an answer, never the answer itself.

An example shows the notation (a transpose, a product, an element-wise function; for index
form the Kronecker delta and an entry of one of the exercise's own variables). Any example
that would be a right answer as written (the reference, or a test declared correct) is
left out, so the page never hands the learner the solution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.mathlang import MathError
from app.mathlang.declarations import parse_declaration

EXPRESSION_EXAMPLES = ("W^T", "2 x^T A", "diag(step(z))")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _answers(exercise: Any) -> set[str]:
    """The exercise's right answers as written (reference and correct tests)."""
    right = {_plain(str(exercise.reference))} if getattr(exercise, "reference", None) else set()
    for test in getattr(exercise, "tests", None) or []:
        verdict = test.get("verdict") if isinstance(test, dict) else test.verdict
        answer = test.get("answer") if isinstance(test, dict) else test.answer
        if verdict == "correct":
            right.add(_plain(str(answer)))
    return right


def _not_answers(exercise: Any, candidates: Iterable[str]) -> list[str]:
    right = _answers(exercise)
    return [c for c in candidates if _plain(c) not in right]


def _entry(exercise: Any, names: list[str]) -> list[str]:
    """Entries of the exercise's variables written with its index names (``W[i,j]``)."""
    out = []
    source = getattr(exercise, "data", exercise)  # a bank exercise keeps them in its data
    for name, spec in (getattr(source, "variables", None) or {}).items():
        try:
            decl = parse_declaration(name, str(spec))
        except MathError:  # a broken declaration is reported by the exercise's check
            continue
        vector = decl.cols == 1 or decl.rows == 1
        if vector and names:
            out.append(f"{name}[{names[-1]}]")
        elif len(names) >= 2:
            out.append(f"{name}[{names[0]},{names[-1]}]")
    return out


def index_examples(exercise: Any, names: list[str]) -> list[str]:
    """Pieces of an index-form answer: a delta of two indices, an entry of a variable."""
    deltas = [f"delta({names[0]},{names[-1]})", f"delta({names[0]},{names[1]})"]
    deltas = _not_answers(exercise, deltas if len(names) >= 2 else [])
    entries = _not_answers(exercise, _entry(exercise, names))
    return deltas[:1] + entries[:1]


def placeholder(exercise: Any, index_names: list[str] | None) -> str:
    """The answer box's placeholder: examples that fit the exercise's answer form."""
    if index_names:
        pieces = index_examples(exercise, index_names)
        shown = f", e.g. {' and '.join(pieces)}" if pieces else ""
        return f"a formula in {', '.join(index_names)}{shown}"
    examples = _not_answers(exercise, EXPRESSION_EXAMPLES)
    return "e.g. " + ", ".join(examples) if examples else ""
