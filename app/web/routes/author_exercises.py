"""Exercises authored in the browser, shown to learners exactly like file exercises.

The learner routes ask ``app.state.services`` for exercises. :func:`install` wraps that
object so its ``exercise(id)`` and ``exercises(lesson)`` also answer from the database
(file exercises first: an id in the file bank always means the file). It is installed at
application start (this router's lifespan) and, in case a server was started without a
lifespan, again by every instructor route. Parsed exercises are kept per ``(id, version)``:
a lookup costs one small query, and an edit saved by another process is seen at once.
A stored exercise that no longer loads (the format changed) is left out and logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request

from app.bank import BankError, Exercise, load_exercise_text
from app.store import Database
from app.store.authored import authored_versions, get_authored, list_authored
from app.web.errors import NotFound

log = logging.getLogger("jtutor.author")


def source_of(exercise_id: str) -> str:
    return f"database:{exercise_id}"


class AuthoredCatalogue:
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


class LearnerServices:
    """The app's services, with database exercises added to the bank's."""

    def __init__(self, inner: Any, catalogue: AuthoredCatalogue) -> None:
        self.inner = inner
        self.catalogue = catalogue

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def file_exercises(self) -> list[Any]:
        return list(self.inner.exercises())

    def file_exercise(self, exercise_id: str) -> Any | None:
        bank = self.inner.bank
        return bank.get(exercise_id) if bank is not None else None

    def exercises(self, lesson: str | None = None) -> list[Any]:
        files = list(self.inner.exercises(lesson))
        taken = {e.id for e in files} | {e.id for e in self.inner.exercises()}
        authored = [
            e
            for e in self.catalogue.all()
            if e.id not in taken and (lesson is None or e.lesson == lesson)
        ]
        return files + authored

    def exercise(self, exercise_id: str) -> Any:
        try:
            return self.inner.exercise(exercise_id)
        except NotFound:
            found = self.catalogue.get(exercise_id)
            if found is None:
                raise
            return found


def install(app: FastAPI) -> LearnerServices:
    services = app.state.services
    if not isinstance(services, LearnerServices):
        services = LearnerServices(services, AuthoredCatalogue(app.state.database))
        app.state.services = services
    return services


def services_of(request: Request) -> LearnerServices:
    return install(request.app)


async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    install(app)
    yield
