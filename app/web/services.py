"""What the web app needs from the rest of the tutor: the exercise bank and the grader.

Both are looked up lazily, on first use, so the app starts (and its pages that need
neither still work) while the bank or the grader is missing or broken; tests can hand in
their own. Grading runs in the grader's worker processes with the configured time limit.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from typing import Any, Protocol

from app.settings import Settings
from app.web.errors import BadInput, NotFound, Unavailable

log = logging.getLogger("jtutor.web")


class Grader(Protocol):
    def grade(self, problem: Any, answer: str, seed: int | None = None) -> dict[str, Any]: ...


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None
        raise


class Services:
    def __init__(
        self, settings: Settings, *, bank: Any | None = None, grader: Grader | None = None
    ) -> None:
        self.settings = settings
        self._bank = bank
        self._grader = grader
        self.bank_error: str | None = None

    @property
    def bank(self) -> Any | None:
        """The exercise bank, or None (with ``bank_error`` saying why) when it cannot load.

        The shipped bank is ``exercises/`` under the app's home folder (``JTUTOR_HOME``, so
        an installed package finds it too), plus any ``JTUTOR_EXERCISE_DIRS``."""
        if self._bank is None and self.bank_error is None:
            module = _optional("app.bank")
            if module is None or not hasattr(module, "load_bank"):
                self.bank_error = "the exercise bank is not installed"
                return None
            try:
                self._bank = self._load_bank(module)
            except Exception as exc:  # a broken bank must not take the lessons down
                log.exception("the exercise bank failed to load")
                self.bank_error = f"the exercise bank failed to load: {exc}"
        return self._bank

    def _load_bank(self, module: Any) -> Any:
        shipped = (self.settings.home / "exercises").resolve()
        folders = [shipped, *(Path(d).resolve() for d in self.settings.exercise_dirs)]
        folders = [folder for folder in folders if folder.is_dir()]
        default_dir = getattr(importlib.import_module("app.bank.loader"), "EXERCISES_DIR", None)
        if default_dir is not None and folders == [Path(default_dir).resolve()]:
            return module.default_bank()  # shared with the rest of the process
        return module.load_bank(*folders)

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
        if self._grader is None:
            worker = _optional("app.grading.worker")
            pool = getattr(worker, "default_pool", None)
            if pool is None:
                raise Unavailable("Grading is not available on this server yet.")
            # The pool reads its size and limits from the same JTUTOR_GRADING_* variables
            # that Settings documents; settings given in code are handed on the same way.
            for name, value in (
                ("JTUTOR_GRADING_TIMEOUT", self.settings.grading_timeout),
                ("JTUTOR_GRADING_WORKERS", self.settings.grading_workers),
                ("JTUTOR_GRADING_MEMORY_MB", self.settings.grading_memory_mb),
            ):
                os.environ.setdefault(name, str(value))
            self._grader = pool()
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
        except (BadInput, Unavailable):
            raise
        except (ValueError, TypeError) as exc:
            raise BadInput(str(exc)) from exc
        except Exception as exc:
            log.exception("grading failed")
            raise Unavailable("The grader could not finish; please try again.") from exc
        plain: dict[str, Any] = to_plain(dict(result))
        return plain


def problem_from_dict(data: dict[str, Any]) -> Any:
    """A grading problem from a batch line or an API body; bad fields become 422."""
    grading = _optional("app.grading")
    problem_class = getattr(grading, "Problem", None)
    if problem_class is None:
        raise Unavailable("Grading is not available on this server yet.")
    try:
        return problem_class.from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        field = getattr(exc, "field", None)
        message = getattr(exc, "message", None) or str(exc)
        raise BadInput(message, field=field) from exc
    except Exception as exc:
        message = getattr(exc, "message", None)
        if message is None:
            raise
        raise BadInput(str(message)) from exc


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
