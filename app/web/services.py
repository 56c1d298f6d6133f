"""What the web app needs from the rest of the tutor: the exercise bank and the grader.

Both are created on first use, so the app starts quickly and its reading pages still work
while the bank is broken (a broken exercise file is reported on the lesson pages instead
of taking the site down); tests can hand in their own. Grading runs in the grader's
killable worker processes with the configured time and memory limits (DESIGN §10).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from app.bank import Bank, default_bank, load_bank
from app.bank.loader import EXERCISES_DIR
from app.grading import Problem
from app.settings import Settings
from app.web.errors import BadInput, NotFound, Unavailable

log = logging.getLogger("jtutor.web")


class Grader(Protocol):
    def grade(self, problem: Any, answer: str, seed: int | None = None) -> dict[str, Any]: ...


class Services:
    def __init__(
        self, settings: Settings, *, bank: Any | None = None, grader: Grader | None = None
    ) -> None:
        self.settings = settings
        self._bank = bank
        self._grader = grader
        self._lock = threading.Lock()
        self.bank_error: str | None = None

    @property
    def bank(self) -> Bank | Any | None:
        """The exercise bank, or None (with ``bank_error`` saying why) when it cannot load.

        The shipped bank is ``exercises/`` under the app's home folder (``JTUTOR_HOME``, so
        an installed package finds it too), plus any ``JTUTOR_EXERCISE_DIRS``."""
        with self._lock:
            if self._bank is None and self.bank_error is None:
                try:
                    self._bank = self._load_bank()
                except Exception as exc:  # a broken bank must not take the lessons down
                    log.exception("the exercise bank failed to load")
                    self.bank_error = f"the exercise bank failed to load: {exc}"
            return self._bank

    def _load_bank(self) -> Bank:
        shipped = (self.settings.home / "exercises").resolve()
        folders = [shipped, *(Path(d).resolve() for d in self.settings.exercise_dirs)]
        folders = [folder for folder in folders if folder.is_dir()]
        if folders == [EXERCISES_DIR.resolve()]:
            return default_bank()  # the same bank the rest of the process uses
        return load_bank(*folders)

    def exercises(self, lesson: str | None = None) -> list[Any]:
        bank = self.bank
        if bank is None:
            return []
        if lesson is not None:
            return list(bank.by_lesson(lesson))
        return list(bank.exercises)

    def exercise(self, exercise_id: str) -> Any:
        bank = self.bank
        found = bank.get(exercise_id) if bank is not None else None
        if found is None:
            raise NotFound(f"There is no exercise {exercise_id!r}.")
        return found

    @property
    def grader(self) -> Grader:
        with self._lock:
            if self._grader is None:
                from app.grading.worker import default_pool

                # The pool reads its size and limits from the same JTUTOR_GRADING_* variables
                # that Settings documents; settings given in code are handed on the same way.
                for name, value in (
                    ("JTUTOR_GRADING_TIMEOUT", self.settings.grading_timeout),
                    ("JTUTOR_GRADING_WORKERS", self.settings.grading_workers),
                    ("JTUTOR_GRADING_MEMORY_MB", self.settings.grading_memory_mb),
                ):
                    os.environ.setdefault(name, str(value))
                self._grader = default_pool()
            return self._grader

    def grade(self, problem: Any, answer: str, seed: int | None = None) -> dict[str, Any]:
        """The DESIGN §11 grade result; too-long answers are refused before grading."""
        limit = self.settings.max_answer_chars
        if len(answer) > limit:
            raise BadInput(
                f"the answer is {len(answer)} characters long; the limit is {limit}",
                field="answer",
            )
        try:
            result = self.grader.grade(problem, answer, seed=seed)
        except (ValueError, TypeError) as exc:
            raise BadInput(str(exc)) from exc
        except Exception as exc:
            log.exception("grading failed")
            raise Unavailable("The grader could not finish; please try again.") from exc
        plain: dict[str, Any] = to_plain(dict(result))
        return plain


def problem_from_dict(data: dict[str, Any]) -> Problem:
    """A grading problem from a batch line or an API body; bad fields become 422."""
    try:
        return Problem.from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:  # ProblemError is a ValueError
        field = getattr(exc, "field", None)
        message = getattr(exc, "message", None) or str(exc)
        raise BadInput(message, field=field) from exc


def to_plain(value: Any) -> Any:
    """JSON-ready data: numpy arrays and scalars, tuples and sets become lists and numbers;
    non-finite floats become None (JSON has no NaN)."""
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
