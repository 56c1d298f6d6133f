"""Worked solutions opened by learners, kept beside their attempts.

Opening the worked solution of a variant is part of a learner's record (the instructor's
dashboard shows it next to the attempts): a learner who read the solution and then
answered correctly has not solved the exercise the same way as one who did not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.store.attempts import ensure_learner
from app.store.models import Attempt, Base, utcnow


class SolutionView(Base):
    __tablename__ = "solution_views"
    __table_args__ = (Index("ix_solution_views_exercise", "exercise_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("learners.id", ondelete="CASCADE"), nullable=False
    )
    exercise_id: Mapped[str] = mapped_column(String(200), nullable=False)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    diverged_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


def record_solution_view(
    session: Session, *, learner_id: str, exercise_id: str, seed: int, diverged_step: int | None
) -> SolutionView:
    ensure_learner(session, learner_id=learner_id)
    view = SolutionView(
        learner_id=learner_id, exercise_id=exercise_id, seed=seed, diverged_step=diverged_step
    )
    session.add(view)
    session.flush()
    return view


def last_wrong(session: Session, *, learner_id: str, exercise_id: str, seed: int) -> Attempt | None:
    """The learner's latest incorrect answer to this variant (None if there is none)."""
    query = (
        select(Attempt)
        .where(
            Attempt.learner_id == learner_id,
            Attempt.exercise_id == exercise_id,
            Attempt.seed == seed,
            Attempt.verdict == "incorrect",
        )
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def solution_views(session: Session, *, exercise_id: str | None = None) -> dict[str, int]:
    """How many times each exercise's worked solution was opened."""
    query = select(SolutionView.exercise_id, func.count()).group_by(SolutionView.exercise_id)
    if exercise_id is not None:
        query = query.where(SolutionView.exercise_id == exercise_id)
    return {str(e): int(n) for e, n in session.execute(query)}


def learner_views(
    session: Session, *, learner_id: str, exercise_id: str | None = None, limit: int = 200
) -> list[SolutionView]:
    """The learner's own openings of worked solutions, newest first."""
    query = select(SolutionView).where(SolutionView.learner_id == learner_id)
    if exercise_id is not None:
        query = query.where(SolutionView.exercise_id == exercise_id)
    return list(session.scalars(query.order_by(SolutionView.id.desc()).limit(limit)))


def recent_views(session: Session, *, exercise_id: str, limit: int = 20) -> list[SolutionView]:
    """An exercise's latest openings of its worked solution (any learner), newest first."""
    query = select(SolutionView).where(SolutionView.exercise_id == exercise_id)
    return list(session.scalars(query.order_by(SolutionView.id.desc()).limit(limit)))


@dataclass(frozen=True)
class MisconceptionCount:
    id: str
    count: int
    example: str


def common_misconceptions(
    session: Session, *, exercise_id: str, limit: int = 2000
) -> list[MisconceptionCount]:
    """The misconceptions named in an exercise's recent attempts, most common first, each
    with one answer that got it."""
    query = (
        select(Attempt.answer, Attempt.result)
        .where(Attempt.exercise_id == exercise_id, Attempt.verdict == "incorrect")
        .order_by(Attempt.id.desc())
        .limit(limit)
    )
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for answer, result in session.execute(query):
        named: Any = (result or {}).get("misconception")
        if isinstance(named, dict) and isinstance(named.get("id"), str):
            counts[named["id"]] += 1
            examples.setdefault(named["id"], str(answer))
    return [MisconceptionCount(k, n, examples[k]) for k, n in counts.most_common()]
