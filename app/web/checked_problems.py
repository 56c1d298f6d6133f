"""Problems of the public grading API, read and checked once and then kept.

``POST /api/v1/grade`` carries its whole problem in every request, and the learners of one
exercise send the same problem again and again with another answer or seed. Reading it
(``Problem.from_dict``: declarations, wrt, pinned values) and checking it against the
public limits (``app.web.problem_limits``) is the same work every time, about a tenth of a
millisecond of the web process; a problem that passed is kept under its content, so the
next grading of it skips straight to admission.

The key is the problem's content exactly as sent (JSON text, the order of the variables
included: it decides how instances are drawn), so a problem that differs in anything is
read and checked afresh; problems refused with 422 are not kept. The store is bounded:
at most ``capacity`` problems, the least recently used leaving first, and only those
whose key is at most :data:`MAX_KEY_CHARS` long. Building a key costs time in proportion
to the problem's size, so callers do it on the event loop only for small bodies
(``app.web.routes.api_grade``) and otherwise call :meth:`CheckedProblems.check` in a thread.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.grading import Problem
from app.settings import Settings
from app.web.plain import problem_from_dict
from app.web.problem_limits import check_public_problem, is_heavy

MAX_PROBLEMS = 512
MAX_KEY_CHARS = 16_384
"""Longest key kept (a problem with many pinned values is checked again each time)."""


@dataclass(frozen=True)
class CheckedProblem:
    """A problem within the public limits: itself, its plain data (what a grading worker
    reads) and whether it is heavy (``app.web.problem_limits.is_heavy``)."""

    problem: Problem
    data: dict[str, Any]
    heavy: bool


def problem_key(fields: Mapping[str, Any]) -> str:
    """The problem's content as sent, as compact JSON text (equal only for equal problems)."""
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


class CheckedProblems:
    """The kept problems of one app (its settings fix the limits they were checked by);
    safe to use from the loop and from threads."""

    def __init__(self, settings: Settings, *, capacity: int = MAX_PROBLEMS) -> None:
        self.settings = settings
        self.capacity = capacity
        self.checks = 0
        """Problems read and checked so far (those not found kept)."""
        self._kept: OrderedDict[str, CheckedProblem] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def kept(self, fields: Mapping[str, Any]) -> CheckedProblem | None:
        """The problem of these fields if it was checked before (cheap for small fields)."""
        return self._find(problem_key(fields))

    def check(self, fields: Mapping[str, Any]) -> CheckedProblem:
        """The problem of these fields, read and checked unless kept; :class:`BadInput`
        (422) for a bad problem or one over the public limits. Blocking: run it in a
        thread unless the fields are small."""
        key = problem_key(fields)
        found = self._find(key)
        if found is not None:
            return found
        problem = problem_from_dict(dict(fields))
        check_public_problem(problem, self.settings)
        checked = CheckedProblem(problem, problem.to_dict(), is_heavy(problem))
        with self._lock:
            self.checks += 1
            if len(key) <= MAX_KEY_CHARS:
                self._kept[key] = checked
                while len(self._kept) > self.capacity:
                    self._kept.popitem(last=False)
        return checked

    def _find(self, key: str) -> CheckedProblem | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found
