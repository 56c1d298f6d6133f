"""Persistence: learners and their attempts (SQLAlchemy 2, Alembic migrations).

Only the web app and the CLI use this package. Routes call the keyword-only functions of
:mod:`app.store.attempts` inside ``Database.read()`` / ``Database.write()``; they never
build queries themselves. Migrations: :func:`app.store.migrate.upgrade`.
"""

# Every table in the metadata, so that foreign keys between modules resolve.
from app.store import courses, lti, versions  # noqa: F401
from app.store.attempts import (
    ExerciseProgress,
    ensure_learner,
    list_attempts,
    progress,
    record_attempt,
)
from app.store.database import Database, normalise_url
from app.store.solutions import SolutionView

__all__ = [
    "Database",
    "ExerciseProgress",
    "SolutionView",
    "ensure_learner",
    "list_attempts",
    "normalise_url",
    "progress",
    "record_attempt",
]
