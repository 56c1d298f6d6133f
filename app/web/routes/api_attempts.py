"""``GET /api/v1/attempts``: the calling learner's own attempts, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query

from app.store import list_attempts
from app.store.models import Attempt
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


@router.get("/attempts", summary="Your own attempts, newest first")
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
        return {"attempts": [attempt_json(a) for a in rows]}
