"""Practice for the web app: the bank as practice items, a learner's skills, the next item.

The choice itself is ``app.practice.policy`` (pure); this module feeds it what the tutor
knows (the catalogue's exercises, the learner's stored states and attempts) and records
the evidence of every answer, whichever route it came through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.bank.curriculum import LESSONS
from app.practice import SKILLS, Choice, Item, Skill, SkillState, choose, variant_seed
from app.practice.model import fresh
from app.practice.policy import is_due
from app.practice.tracing import DEFAULT
from app.store import Database, progress
from app.store.models import Attempt
from app.store.practice import (
    last_exercise,
    learn_from_attempt,
    needs_rebuild,
    rebuild,
    skill_states,
)
from app.web.catalogue import Catalogue

_LESSON_ORDER = {lesson.slug: i for i, lesson in enumerate(LESSONS)}


def items(catalogue: Catalogue) -> list[Item]:
    """Every exercise of the catalogue, in course order (lesson, then file order)."""
    out = []
    for position, exercise in enumerate(catalogue.exercises()):
        order = _LESSON_ORDER.get(exercise.lesson, len(LESSONS)) * 10_000 + position
        out.append(Item(exercise.id, tuple(exercise.skills), order))
    return out


def skills_of(catalogue: Catalogue) -> Any:
    def lookup(exercise_id: str) -> tuple[str, ...]:
        exercise = catalogue.find(exercise_id)
        return tuple(exercise.skills) if exercise is not None else ()

    return lookup


def record_evidence(
    session: Session, *, catalogue: Catalogue, learner_id: str, attempt: Attempt
) -> None:
    """Update the learner model with a stored attempt (same transaction as the attempt)."""
    exercise = catalogue.find(attempt.exercise_id)
    if exercise is None:
        return
    if needs_rebuild(session, learner_id=learner_id):
        rebuild(session, learner_id=learner_id, skills_of=skills_of(catalogue))
        return  # the replay included this attempt
    learn_from_attempt(
        session, learner_id=learner_id, attempt=attempt, skills=tuple(exercise.skills)
    )


def refresh(database: Database, *, catalogue: Catalogue, learner_id: str) -> None:
    """Rebuild the states of a learner whose attempts predate them (a write only then)."""
    with database.read() as session:
        stale = needs_rebuild(session, learner_id=learner_id)
    if stale:
        with database.write() as session:
            rebuild(session, learner_id=learner_id, skills_of=skills_of(catalogue))


def states(session: Session, *, learner_id: str) -> dict[str, SkillState]:
    """Every catalogue skill's state for the learner (the prior for those never shown)."""
    stored = skill_states(session, learner_id=learner_id)
    return {skill.id: stored.get(skill.id) or fresh(skill.id) for skill in SKILLS}


def next_item(
    session: Session, *, catalogue: Catalogue, learner_id: str, now: datetime | None = None
) -> Choice | None:
    now = now or datetime.now(UTC)
    learner_states = states(session, learner_id=learner_id)
    practised = {k: v.attempts for k, v in progress(session, learner_id=learner_id).items()}
    step = sum(practised.values())
    return choose(
        states=learner_states,
        items=items(catalogue),
        now=now,
        seed=variant_seed(learner_id, step),
        practised=practised,
        last_exercise=last_exercise(session, learner_id=learner_id),
    )


@dataclass(frozen=True)
class SkillRow:
    """One skill as the practice page and the API show it."""

    skill: Skill
    state: SkillState
    due_now: bool

    @property
    def percent(self) -> int:
        return round(100 * self.state.mastery)

    @property
    def mastered(self) -> bool:
        return self.state.mastered()


def skill_rows(learner_states: dict[str, SkillState], now: datetime) -> list[SkillRow]:
    return [
        SkillRow(skill, learner_states[skill.id], is_due(learner_states[skill.id], now, DEFAULT))
        for skill in SKILLS
    ]


def skills_json(learner_states: dict[str, SkillState]) -> dict[str, dict[str, Any]]:
    """``{skill: {"mastery", "attempts", "due"}}`` (DESIGN §11 "Practice")."""
    out: dict[str, dict[str, Any]] = {}
    for skill in SKILLS:
        state = learner_states[skill.id]
        due = state.due
        out[skill.id] = {
            "mastery": round(min(max(state.mastery, 0.0), 1.0), 4),
            "attempts": state.attempts,
            "due": None if due is None else due.isoformat(),
        }
    return out
