"""What to practise next: the weakest skill that is due, and an exercise that drills it.

A skill is due while it is being learnt (mastery below the threshold) and again when its
review date comes (``app.practice.review``). Among the due skills the weakest is chosen;
ties (a new learner knows nothing yet) go to the skill the course teaches first, so
practice starts where the lessons start. The exercise for it is one that isolates the skill
as far as possible: it lists the skill, its other skills are already mastered (so a wrong
answer can only be blamed on the target), the skill is its main one, and it has been
practised least; never the same exercise twice in a row when another would do. Each item
gets a fresh seed, so an exercise comes back with other sizes and values: practice has no
end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.practice import tracing
from app.practice.model import SkillState, fresh
from app.practice.skills import BY_ID, MISTAKE_PHRASES, SKILL_IDS
from app.practice.tracing import TracingParameters

MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Item:
    """An exercise as practice sees it: its id, its skills (main one first), its place in
    the course."""

    exercise_id: str
    skills: tuple[str, ...]
    order: int


@dataclass(frozen=True)
class Choice:
    exercise_id: str
    seed: int
    skill: str
    reason: str


def variant_seed(learner_id: str, step: int) -> int:
    """The seed of the learner's ``step``-th practice item: stable until they answer (a
    reload shows the same variant), different for the next one."""
    digest = hashlib.sha256(f"{learner_id}:{step}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (MAX_SEED + 1)


def is_due(state: SkillState, now: datetime, params: TracingParameters) -> bool:
    if not state.mastered(params):
        return True
    due = state.due
    return due is not None and due <= now


def choose(
    *,
    states: Mapping[str, SkillState],
    items: Sequence[Item],
    now: datetime,
    seed: int,
    practised: Mapping[str, int] | None = None,
    last_exercise: str | None = None,
    params: TracingParameters = tracing.DEFAULT,
) -> Choice | None:
    """The next item, or None when no exercise lists a skill (an empty bank)."""
    practised = practised or {}
    first_seen: dict[str, int] = {}
    for item in sorted(items, key=lambda i: i.order):
        for skill in item.skills:
            first_seen.setdefault(skill, item.order)
    if not first_seen:
        return None
    state = {skill: states.get(skill) or fresh(skill, params) for skill in first_seen}
    due = [skill for skill in first_seen if is_due(state[skill], now, params)]
    if due:
        target = min(
            due,
            key=lambda s: (
                state[s].mastery,
                -sum(state[s].mistakes.values()),
                first_seen[s],
                _catalogue_order(s),
            ),
        )
    else:
        target = min(first_seen, key=lambda s: (state[s].due or now, first_seen[s]))
    candidates = [item for item in items if target in item.skills]

    def fit(item: Item) -> tuple[bool, int, int, int, int, str]:
        others = [s for s in item.skills if s != target]
        weak = sum(1 for s in others if not state[s].mastered(params))
        return (
            item.exercise_id == last_exercise and len(candidates) > 1,
            weak,
            item.skills.index(target),
            practised.get(item.exercise_id, 0),
            item.order,
            item.exercise_id,
        )

    best = min(candidates, key=fit)
    return Choice(best.exercise_id, seed, target, reason(state[target], now, bool(due), params))


def _catalogue_order(skill: str) -> int:
    return SKILL_IDS.index(skill) if skill in SKILL_IDS else len(SKILL_IDS)


def count_words(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{_NUMBERS.get(n, str(n))} times")


_NUMBERS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def reason(
    state: SkillState,
    now: datetime,
    any_due: bool = True,
    params: TracingParameters = tracing.DEFAULT,
) -> str:
    """Why this skill comes next, in a sentence for the learner."""
    skill = BY_ID.get(state.skill)
    title = skill.title if skill else state.skill
    drill = skill.drill if skill else state.skill
    if not any_due:
        when = state.due.date().isoformat() if state.due else "soon"
        return (
            f"Every skill you have practised is mastered; {title.lower()} is the next review "
            f"due ({when})."
        )
    if state.mastered(params):
        return f"Time to review {title.lower()}: you mastered it, and it is due before it fades."
    if state.mistakes:
        kind, times = max(state.mistakes.items(), key=lambda kv: (kv[1], kv[0]))
        phrase = MISTAKE_PHRASES.get(kind, "You made a mistake")
        return f"{phrase} {count_words(times)}: a few {drill} drills."
    if state.attempts == 0:
        return f"Next in the course: {title.lower()}. {skill.description if skill else ''}".strip()
    percent = round(100 * state.mastery)
    target = round(100 * params.mastered)
    return f"{title} is at {percent} % mastery: more practice until it reaches {target} %."
