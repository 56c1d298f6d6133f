"""Reading and writing learners and attempts: the only place that builds queries.

Every function is keyword-only and takes the session it works in, so a route decides the
transaction (``Database.write()`` commits before the response is sent) and never writes
SQL itself. A learner sees only their own attempts: every read takes ``learner_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.store.models import Attempt, Learner

COUNTED_VERDICTS = frozenset({"correct", "incorrect"})


def ensure_learner(session: Session, *, learner_id: str) -> Learner:
    """The learner with this id, created on first use (cookies are issued without a row)."""
    learner = session.get(Learner, learner_id)
    if learner is None:
        learner = Learner(id=learner_id)
        session.add(learner)
        session.flush()
    return learner


def _storable(value: Any) -> Any:
    """PostgreSQL text and JSON cannot hold NUL (U+0000): each becomes U+FFFD, in the
    answer and anywhere in the result (a caret line may quote the answer)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def record_attempt(
    session: Session,
    *,
    learner_id: str,
    exercise_id: str,
    answer: str,
    seed: int | None,
    result: dict[str, Any],
    version: tuple[int, str] | None = None,
) -> Attempt:
    """Store one graded answer; ``counted`` is false unless the verdict decided something.

    ``version`` is the exercise's (version number, content hash) it was graded against, so a
    later edit of the exercise does not rewrite what this attempt was an answer to.
    """
    ensure_learner(session, learner_id=learner_id)
    verdict = str(result.get("verdict", "invalid"))
    diagnosis = result.get("diagnosis")
    attempt = Attempt(
        learner_id=learner_id,
        exercise_id=exercise_id,
        answer=_storable(answer),
        seed=seed,
        verdict=verdict,
        diagnosis=str(diagnosis) if diagnosis is not None else None,
        counted=verdict in COUNTED_VERDICTS,
        result=_storable(result),
        exercise_version=version[0] if version else None,
        content_hash=version[1] if version else None,
    )
    session.add(attempt)
    session.flush()
    return attempt


def list_attempts(
    session: Session,
    *,
    learner_id: str,
    exercise_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Attempt]:
    """The learner's own attempts, newest first."""
    query = select(Attempt).where(Attempt.learner_id == learner_id)
    if exercise_id is not None:
        query = query.where(Attempt.exercise_id == exercise_id)
    query = query.order_by(Attempt.created_at.desc(), Attempt.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


@dataclass(frozen=True)
class ExerciseProgress:
    """``attempts`` counts every counted answer; ``solved_on`` is the number of the first
    correct one (1 for a first-try success), so answers given after it do not change it."""

    attempts: int
    solved: bool
    solved_on: int | None = None


def _progress_queries() -> tuple[Select[str, int], Select[str, int]]:
    """(counted attempts per exercise, number of the first correct one per exercise) of the
    learner bound as ``learner_id``: built once, as building them cost more than running them."""
    mine = (Attempt.learner_id == bindparam("learner_id"), Attempt.counted.is_(True))
    counts = (
        select(Attempt.exercise_id, func.count(Attempt.id))
        .where(*mine)
        .group_by(Attempt.exercise_id)
    )
    first_correct = (
        select(Attempt.exercise_id, func.min(Attempt.id).label("first_id"))
        .where(*mine, Attempt.verdict == "correct")
        .group_by(Attempt.exercise_id)
        .subquery()
    )
    solved_on = (
        select(Attempt.exercise_id, func.count(Attempt.id))
        .join(
            first_correct,
            (Attempt.exercise_id == first_correct.c.exercise_id)
            & (Attempt.id <= first_correct.c.first_id),
        )
        .where(*mine)
        .group_by(Attempt.exercise_id)
    )
    return counts, solved_on


_COUNTS, _SOLVED_ON = _progress_queries()


def progress(session: Session, *, learner_id: str) -> dict[str, ExerciseProgress]:
    """Per exercise the learner touched: counted attempts, and on which one it was solved."""
    mine = {"learner_id": learner_id}
    solved_on = {exercise_id: int(n) for exercise_id, n in session.execute(_SOLVED_ON, mine)}
    return {
        exercise_id: ExerciseProgress(
            attempts=int(count),
            solved=exercise_id in solved_on,
            solved_on=solved_on.get(exercise_id),
        )
        for exercise_id, count in session.execute(_COUNTS, mine)
    }
