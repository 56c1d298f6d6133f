"""Data for JSON: what the grader and the bank hand back, made plain (lists, numbers, text)."""

from __future__ import annotations

import math
from typing import Any

from app.grading import Problem
from app.grading.result import GradeResult
from app.web.errors import BadInput


def problem_from_dict(data: dict[str, Any]) -> Problem:
    """A grading problem from a batch line or an API body; bad fields become 422."""
    try:
        return Problem.from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:  # ProblemError is a ValueError
        field = getattr(exc, "field", None)
        message = getattr(exc, "message", None) or str(exc)
        raise BadInput(message, field=field) from exc


_PLAIN = (str, int, bool, type(None))


def to_plain(value: Any) -> Any:
    """JSON-ready data: numpy arrays and scalars, tuples and sets become lists and numbers;
    non-finite floats become None (JSON has no NaN).

    The common plain types are tested first by their exact type: a grade result is mostly
    text, numbers and lists, and is made plain on every graded answer."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is list:
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v) for v in value]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return to_plain(tolist())
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def result_json(result: GradeResult) -> dict[str, Any]:
    """A grade result as the JSON of DESIGN §11 (the form it is sent and stored in)."""
    data: dict[str, Any] = to_plain(result.to_dict())
    return data
