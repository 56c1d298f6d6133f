"""Every exercise a learner can open: the file bank and the exercises stored in the database.

The two sources answer through one :class:`Catalogue`. File exercises come first: an id in
the file bank always means the file. The file bank is read on first use, so the app starts
quickly and its reading pages still work while a file is broken (the lesson pages say why
instead of the site going down). Database exercises are parsed once per ``(id, version)``:
a lookup costs one small query, and an edit saved by another process is seen at once. A
stored exercise that no longer loads (the format changed) is left out and logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from app.bank import Bank, BankError, Exercise, default_bank, load_bank, load_exercise_text
from app.bank.loader import EXERCISES_DIR
from app.store import Database
from app.store.authored import authored_versions, get_authored, list_authored
from app.web.errors import NotFound

log = logging.getLogger("jtutor.web")


class ExerciseBank(Protocol):
    """What the catalogue reads from a bank of exercise files (``app.bank.Bank``)."""

    @property
    def exercises(self) -> Sequence[Exercise]: ...

    def get(self, exercise_id: str) -> Exercise | None: ...

    def by_lesson(self, slug: str) -> Sequence[Exercise]: ...


def source_of(exercise_id: str) -> str:
    return f"database:{exercise_id}"


def file_bank_loader(home: Path, extra: Sequence[Path]) -> Callable[[], ExerciseBank]:
    """The shipped ``exercises/`` under ``home`` plus the extra folders, as a loader."""

    def load() -> ExerciseBank:
        shipped = (home / "exercises").resolve()
        folders = [shipped, *(Path(d).resolve() for d in extra)]
        folders = [folder for folder in folders if folder.is_dir()]
        if folders == [EXERCISES_DIR.resolve()]:
            return default_bank()  # the same bank the rest of the process uses
        bank: Bank = load_bank(*folders)
        return bank

    return load


class AuthoredExercises:
    """The database exercises of one app, parsed once per version."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._parsed: dict[tuple[str, int], Exercise | None] = {}
        self._lock = threading.Lock()

    def _parse(self, exercise_id: str, version: int, yaml_text: str) -> Exercise | None:
        key = (exercise_id, version)
        with self._lock:
            if key in self._parsed:
                return self._parsed[key]
        try:
            exercise: Exercise | None = load_exercise_text(yaml_text, source_of(exercise_id))
        except BankError as exc:
            log.error("stored exercise %s does not load: %s", exercise_id, exc)
            exercise = None
        with self._lock:
            stale = [k for k in self._parsed if k[0] == exercise_id and k != key]
            for old in stale:
                del self._parsed[old]
            self._parsed[key] = exercise
        return exercise

    def get(self, exercise_id: str) -> Exercise | None:
        with self.database.read() as session:
            row = get_authored(session, exercise_id=exercise_id)
            if row is None:
                return None
            version, text = row.version, row.yaml_text
        return self._parse(exercise_id, version, text)

    def all(self) -> list[Exercise]:
        with self.database.read() as session:
            versions = authored_versions(session)
            missing = {k for k, v in versions.items() if (k, v) not in self._parsed}
            texts = {
                row.id: (row.version, row.yaml_text)
                for row in (list_authored(session) if missing else [])
            }
        out = []
        for exercise_id, version in sorted(versions.items()):
            if (exercise_id, version) in self._parsed:
                exercise = self._parsed[(exercise_id, version)]
            elif exercise_id in texts:
                exercise = self._parse(exercise_id, *texts[exercise_id])
            else:
                exercise = None
            if exercise is not None:
                out.append(exercise)
        return out


class Catalogue:
    """The file bank and the database exercises behind one interface."""

    def __init__(self, load_files: Callable[[], ExerciseBank], authored: AuthoredExercises) -> None:
        self._load_files = load_files
        self._files: ExerciseBank | None = None
        self._lock = threading.Lock()
        self.authored = authored
        self.bank_error: str | None = None

    @property
    def files(self) -> ExerciseBank | None:
        """The file bank, or None (with ``bank_error`` saying why) when it cannot load."""
        with self._lock:
            if self._files is None and self.bank_error is None:
                try:
                    self._files = self._load_files()
                except Exception as exc:  # a broken bank must not take the lessons down
                    log.exception("the exercise bank failed to load")
                    self.bank_error = f"the exercise bank failed to load: {exc}"
            return self._files

    def file_exercises(self, lesson: str | None = None) -> list[Exercise]:
        files = self.files
        if files is None:
            return []
        return list(files.exercises if lesson is None else files.by_lesson(lesson))

    def file_exercise(self, exercise_id: str) -> Exercise | None:
        files = self.files
        return files.get(exercise_id) if files is not None else None

    def exercises(self, lesson: str | None = None) -> list[Exercise]:
        """File exercises (of ``lesson``, or all), then the database's that no file shadows."""
        files = self.file_exercises(lesson)
        taken = {e.id for e in self.file_exercises()}
        stored = [
            e
            for e in self.authored.all()
            if e.id not in taken and (lesson is None or e.lesson == lesson)
        ]
        return files + stored

    def find(self, exercise_id: str) -> Exercise | None:
        return self.file_exercise(exercise_id) or self.authored.get(exercise_id)

    def exercise(self, exercise_id: str) -> Exercise:
        found = self.find(exercise_id)
        if found is None:
            raise NotFound(f"There is no exercise {exercise_id!r}.")
        return found
