"""``GET /api/v1/attempts``: the calling learner's own attempts, newest first, and the
worked solutions they opened (opening one is part of the record of their attempts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query

from app.store import list_attempts
from app.store.models import Attempt
from app.store.solutions import SolutionView, learner_views
from app.web.deps import LearnerDep, TutorDep

router = APIRouter(prefix="/api/v1", tags=["attempts"])

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000
"""Paging stays far inside the databases' 64-bit integers: a larger offset is refused (422)
instead of overflowing in the query."""


def _utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "exercise_id": attempt.exercise_id,
        "answer": attempt.answer,
        "seed": attempt.seed,
        "verdict": attempt.verdict,
        "diagnosis": attempt.diagnosis,
        "counted": attempt.counted,
        "created_at": _utc(attempt.created_at).isoformat(),
        "result": attempt.result,
    }


def solution_view_json(view: SolutionView) -> dict[str, Any]:
    return {
        "exercise_id": view.exercise_id,
        "seed": view.seed,
        "diverged_step": view.diverged_step,
        "created_at": _utc(view.created_at).isoformat(),
    }


@router.get(
    "/attempts", summary="Your own attempts, newest first, and the worked solutions you opened"
)
def attempts(
    tutor: TutorDep,
    learner: LearnerDep,
    exercise_id: str | None = None,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    with tutor.database.read() as session:
        rows = list_attempts(
            session, learner_id=learner, exercise_id=exercise_id, limit=limit, offset=offset
        )
        # Openings are few: listed whole with the first page, not paged with the attempts.
        views = (
            learner_views(session, learner_id=learner, exercise_id=exercise_id, limit=MAX_LIMIT)
            if offset == 0
            else []
        )
        return {
            "attempts": [attempt_json(a) for a in rows],
            "solution_views": [solution_view_json(v) for v in views],
        }
