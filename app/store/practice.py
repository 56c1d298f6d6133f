"""The learner model's states, kept next to the attempts they are derived from.

Each counted attempt updates the states of the skills it is evidence about, in the same
transaction that stores the attempt (``learn_from_attempt``), so the states always agree
with the attempts. They are a cache of a fold over the attempts (``app.practice.replay``):
a learner whose attempts predate the table gets their states rebuilt from them on first
read (``rebuild``). Concurrent answers of one learner are serialised by locking the
learner's row (PostgreSQL ``FOR UPDATE``; SQLite has one writer anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.practice import Evidence, SkillState, observe, replay
from app.store.attempts import ensure_learner
from app.store.models import Attempt, Base, Learner, utcnow


class SkillRow(Base):
    __tablename__ = "skill_states"

    learner_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True)
    mastery: Mapped[float] = mapped_column(Float, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mistakes: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


SkillsOf = Callable[[str], tuple[str, ...]]
"""The skills of an exercise id (empty for an exercise no longer in the bank)."""


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _state(row: SkillRow) -> SkillState:
    return SkillState(
        skill=row.skill,
        mastery=float(row.mastery),
        attempts=int(row.attempts),
        mistakes={str(k): int(v) for k, v in (row.mistakes or {}).items()},
        card=dict(row.card) if row.card else None,
        last_seen=_utc(row.last_seen),
    )


def skill_states(session: Session, *, learner_id: str) -> dict[str, SkillState]:
    """The stored states of the skills the learner has shown (others are at the prior)."""
    rows = session.scalars(select(SkillRow).where(SkillRow.learner_id == learner_id))
    return {row.skill: _state(row) for row in rows}


def _save(session: Session, *, learner_id: str, states: dict[str, SkillState]) -> None:
    existing = {
        row.skill: row
        for row in session.scalars(
            select(SkillRow).where(
                SkillRow.learner_id == learner_id, SkillRow.skill.in_(list(states))
            )
        )
    }
    for skill, state in states.items():
        row = existing.get(skill) or SkillRow(learner_id=learner_id, skill=skill)
        row.mastery = state.mastery
        row.attempts = state.attempts
        row.mistakes = dict(state.mistakes)
        row.card = state.card
        row.due = state.due
        row.last_seen = state.last_seen
        row.updated_at = utcnow()
        if skill not in existing:
            session.add(row)
    session.flush()


def evidence_of(attempt: Attempt, skills: tuple[str, ...]) -> Evidence:
    result = attempt.result if isinstance(attempt.result, dict) else {}
    misconception = result.get("misconception")
    return Evidence(
        skills=skills,
        verdict=attempt.verdict,
        at=_utc(attempt.created_at) or utcnow(),
        diagnosis=attempt.diagnosis,
        misconception=str(misconception["id"])
        if isinstance(misconception, dict) and misconception.get("id")
        else None,
    )


def _lock_learner(session: Session, *, learner_id: str) -> None:
    ensure_learner(session, learner_id=learner_id)
    session.execute(select(Learner.id).where(Learner.id == learner_id).with_for_update())


def learn_from_attempt(
    session: Session, *, learner_id: str, attempt: Attempt, skills: tuple[str, ...]
) -> dict[str, SkillState]:
    """Update the learner's states with one stored attempt; returns the states it changed."""
    if not attempt.counted or not skills:
        return {}
    _lock_learner(session, learner_id=learner_id)
    states = skill_states(session, learner_id=learner_id)
    changed = observe(states, evidence_of(attempt, skills))
    _save(session, learner_id=learner_id, states=changed)
    return changed


def rebuild(session: Session, *, learner_id: str, skills_of: SkillsOf) -> dict[str, SkillState]:
    """Replay every counted attempt of the learner and store the states it gives."""
    _lock_learner(session, learner_id=learner_id)
    attempts = session.scalars(
        select(Attempt)
        .where(Attempt.learner_id == learner_id, Attempt.counted.is_(True))
        .order_by(Attempt.created_at, Attempt.id)
    )
    history = [evidence_of(a, skills_of(a.exercise_id)) for a in attempts]
    states = {
        skill: state
        for skill, state in replay(e for e in history if e.skills).items()
        if state.attempts
    }
    _save(session, learner_id=learner_id, states=states)
    return states


def needs_rebuild(session: Session, *, learner_id: str) -> bool:
    """True when the learner has counted attempts but no stored state (older attempts)."""
    has_state = session.scalar(
        select(SkillRow.skill).where(SkillRow.learner_id == learner_id).limit(1)
    )
    if has_state is not None:
        return False
    has_attempt = session.scalar(
        select(Attempt.id)
        .where(Attempt.learner_id == learner_id, Attempt.counted.is_(True))
        .limit(1)
    )
    return has_attempt is not None


def last_exercise(session: Session, *, learner_id: str) -> str | None:
    """The exercise of the learner's latest counted attempt."""
    query = (
        select(Attempt.exercise_id)
        .where(Attempt.learner_id == learner_id, Attempt.counted.is_(True))
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        .limit(1)
    )
    value = session.scalar(query)
    return None if value is None else str(value)


def mastery_grid(session: Session, *, limit: int = 200) -> dict[str, dict[str, SkillState]]:
    """learner -> skill -> state for the most recently active learners (instructors only)."""
    recent = (
        select(SkillRow.learner_id)
        .group_by(SkillRow.learner_id)
        .order_by(func.max(SkillRow.updated_at).desc())
        .limit(limit)
    )
    learners = [str(v) for v in session.scalars(recent)]
    grid: dict[str, dict[str, SkillState]] = {learner: {} for learner in learners}
    if learners:
        rows = session.scalars(select(SkillRow).where(SkillRow.learner_id.in_(learners)))
        for row in rows:
            grid[row.learner_id][row.skill] = _state(row)
    return grid
