"""The learner model: one state per skill, updated from every counted attempt.

An attempt is evidence about skills, but not about all of them alike. A right answer shows
every skill the exercise lists. A wrong answer shows only the skill its mistake reveals
(``app.practice.skills.revealed_skill``): a learner who gives ``W^T`` for ``y = Wx`` in
numerator layout has shown a layout slip, not that they cannot read a shape. Invalid and
undecided answers are not evidence (they cost no attempt, DESIGN §5).

The states are a fold over the attempts (:func:`replay`); the store keeps the result next
to the attempts so a page does not replay a learner's history on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.practice import review, tracing
from app.practice.skills import SKILL_IDS, mistake_kind, revealed_skill
from app.practice.tracing import TracingParameters


@dataclass(frozen=True)
class SkillState:
    skill: str
    mastery: float
    attempts: int = 0
    """Counted attempts that were evidence about this skill."""
    mistakes: dict[str, int] = field(default_factory=dict)
    """Mistakes that revealed this skill since it was last mastered, by kind."""
    card: dict[str, Any] | None = None
    """The FSRS card, once the skill has been mastered."""
    last_seen: datetime | None = None

    @property
    def due(self) -> datetime | None:
        """When the skill should be reviewed; None while it is still being learnt."""
        return None if self.card is None else review.due(self.card)

    def mastered(self, params: TracingParameters = tracing.DEFAULT) -> bool:
        return self.mastery >= params.mastered


@dataclass(frozen=True)
class Evidence:
    """What the model needs of one graded attempt."""

    skills: tuple[str, ...]
    verdict: str
    at: datetime
    diagnosis: str | None = None
    misconception: str | None = None


def fresh(skill: str, params: TracingParameters = tracing.DEFAULT) -> SkillState:
    return SkillState(skill=skill, mastery=params.prior)


def initial(params: TracingParameters = tracing.DEFAULT) -> dict[str, SkillState]:
    return {skill: fresh(skill, params) for skill in SKILL_IDS}


def observations(evidence: Evidence) -> dict[str, bool]:
    """Which skills the attempt is evidence about, and whether each was shown right."""
    if evidence.verdict == "correct":
        return {skill: True for skill in evidence.skills}
    if evidence.verdict != "incorrect":
        return {}
    skill = revealed_skill(evidence.diagnosis, evidence.misconception, evidence.skills)
    return {} if skill is None else {skill: False}


def observe(
    states: dict[str, SkillState],
    evidence: Evidence,
    params: TracingParameters = tracing.DEFAULT,
) -> dict[str, SkillState]:
    """The states of the skills this attempt changed (the others are unchanged)."""
    changed: dict[str, SkillState] = {}
    kind = mistake_kind(evidence.diagnosis, evidence.misconception)
    for skill, right in observations(evidence).items():
        before = states.get(skill) or fresh(skill, params)
        mastery = tracing.update(before.mastery, right, params)
        mistakes = dict(before.mistakes)
        if not right and kind is not None:
            mistakes[kind] = mistakes.get(kind, 0) + 1
        card = before.card
        if card is not None:
            card = review.review(card, right, evidence.at)
        elif mastery >= params.mastered:
            card = review.first_card(evidence.at)
        if right and mastery >= params.mastered:
            mistakes = {}
        changed[skill] = replace(
            before,
            mastery=mastery,
            attempts=before.attempts + 1,
            mistakes=mistakes,
            card=card,
            last_seen=evidence.at,
        )
    return changed


def replay(
    history: Iterable[Evidence], params: TracingParameters = tracing.DEFAULT
) -> dict[str, SkillState]:
    """Every skill's state after the attempts of ``history``, oldest first."""
    states = initial(params)
    for evidence in history:
        states.update(observe(states, evidence, params))
    return states
