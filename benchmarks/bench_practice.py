"""Items to mastery under /practice's choice against the fixed lesson order, with simulated
learners (``make bench``, or ``python -m benchmarks practice``).

Each synthetic learner knows every skill but one, and holds a misconception about that one:
whenever an exercise needs it, they make the mistake it causes (a transpose for ``layout``,
a missing activation derivative for ``activation_derivative``, ... as the grader would
diagnose it); a skill with no named mistake of its own gives an unexplained wrong answer
(``entries``), which the model blames on the exercise's main skill. Every item that needs
the skill fixes the misconception with probability ``FIX`` (the feedback explains it: a few
targeted items fix it). A learner who knows everything an item needs still slips with
probability ``SLIP`` (an unexplained wrong answer), and one who does not never guesses right
(a matrix is not guessed).

Both policies see the same learners (same seeds) and the same learner model
(``app.practice``); they differ only in the order of items. "Fixed order" walks the shipped
exercises in course order and starts again at the end; "practice" asks
``app.practice.choose``. Items to mastery counts answers until the model rates every skill
of the bank mastered (the point where a learner is done); items to fix counts answers until
the misconception is really gone (the simulation knows). A learner not done after ``CAP``
items counts as ``CAP``. The simulation runs in minutes of simulated time, so no review
falls due: it measures learning, not spacing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from app.bank.curriculum import LESSONS
from app.bank.loader import load_bank
from app.practice import Evidence, Item, SkillState, choose, observe, replay
from app.practice.tracing import DEFAULT

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"
FIX = 0.35
SLIP = 0.05
CAP = 400
LEARNERS_PER_SKILL = 25
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

MISTAKES: dict[str, tuple[str, str | None]] = {
    "layout": ("transposed", None),
    "shapes": ("wrong_shape", None),
    "scaling": ("scaled", None),
    "chain_rule": ("entries", "missing_inner_derivative"),
    "activation_derivative": ("entries", "missing_activation_derivative"),
    "quadratic_forms": ("entries", "assumed_symmetric"),
    "elementwise": ("entries", "diagonal_as_vector"),
}
"""How the grader names the mistake a misconception about each skill causes; the others
give ``entries`` with no misconception."""


def shipped_items() -> list[Item]:
    order = {lesson.slug: i for i, lesson in enumerate(LESSONS)}
    bank = load_bank(EXERCISES)
    return [
        Item(e.id, tuple(e.skills), order[e.lesson] * 10_000 + n)
        for n, e in enumerate(bank.exercises)
    ]


@dataclass
class Outcome:
    to_mastery: int
    to_fix: int


def simulate(items: list[Item], skill: str, seed: int, policy: str) -> Outcome:
    """One learner with a misconception about ``skill`` under ``policy``: "fixed" (course
    order), "skip" (course order, passing over exercises whose skills are all mastered) or
    "practice" (``app.practice.choose``)."""
    rng = np.random.default_rng([seed, len(skill)])
    skills = {s for item in items for s in item.skills}
    states: dict[str, SkillState] = replay([])
    holds = True
    fixed_at = CAP
    practised: dict[str, int] = {}
    last: str | None = None
    ordered = sorted(items, key=lambda i: i.order)
    cursor = 0
    for step in range(CAP):
        now = T0 + timedelta(minutes=step)
        if policy == "fixed":
            item = ordered[step % len(ordered)]
        elif policy == "skip":
            item = _next_unmastered(ordered, states, cursor)
            cursor = ordered.index(item) + 1
        else:
            choice = choose(
                states=states,
                items=items,
                now=now,
                seed=step,
                practised=practised,
                last_exercise=last,
            )
            assert choice is not None
            item = next(i for i in items if i.exercise_id == choice.exercise_id)
        needs = holds and skill in item.skills
        if needs:
            diagnosis, misconception = MISTAKES.get(skill, ("entries", None))
            evidence = Evidence(item.skills, "incorrect", now, diagnosis, misconception)
            if rng.random() < FIX:
                holds = False
                fixed_at = step + 1
        elif rng.random() < SLIP:
            evidence = Evidence(item.skills, "incorrect", now, "entries")
        else:
            evidence = Evidence(item.skills, "correct", now)
        states.update(observe(states, evidence))
        practised[item.exercise_id] = practised.get(item.exercise_id, 0) + 1
        last = item.exercise_id
        if not holds and all(states[s].mastery >= DEFAULT.mastered for s in skills):
            return Outcome(step + 1, fixed_at)
    return Outcome(CAP, fixed_at)


def _next_unmastered(ordered: list[Item], states: dict[str, SkillState], cursor: int) -> Item:
    """The next item in course order (from ``cursor``, wrapping) with a skill not mastered."""
    for k in range(len(ordered)):
        item = ordered[(cursor + k) % len(ordered)]
        if any(states[s].mastery < DEFAULT.mastered for s in item.skills):
            return item
    return ordered[cursor % len(ordered)]


POLICIES = ("fixed", "skip", "practice")


def compare(
    items: list[Item], learners: int = LEARNERS_PER_SKILL
) -> dict[str, dict[str, list[Outcome]]]:
    """skill -> policy -> outcomes, for ``learners`` learners per misconception skill."""
    skills = sorted({s for item in items for s in item.skills})
    return {
        skill: {
            policy: [simulate(items, skill, seed, policy) for seed in range(learners)]
            for policy in POLICIES
        }
        for skill in skills
    }


def _median(values: list[int]) -> float:
    return float(statistics.median(values))


def main() -> int:
    items = shipped_items()
    results = compare(items)
    print(
        f"{len(items)} shipped exercises; {LEARNERS_PER_SKILL} learners per misconception; "
        f"fix probability {FIX} per item needing the skill, slip {SLIP}, cap {CAP} items"
    )
    print("median items until every skill is mastered (items until the misconception is fixed)")
    print(f"{'misconception about':<24}" + "".join(f"{p:>16}" for p in POLICIES))
    totals: dict[str, list[int]] = {p: [] for p in POLICIES}
    capped = dict.fromkeys(POLICIES, 0)
    for skill, by_policy in results.items():
        line = f"{skill:<24}"
        for policy in POLICIES:
            outcomes = by_policy[policy]
            done = [o.to_mastery for o in outcomes]
            totals[policy] += done
            capped[policy] += sum(1 for n in done if n >= CAP)
            fix = _median([o.to_fix for o in outcomes])
            line += f"{_median(done):>9.0f} ({fix:>3.0f})"
        print(line)
    print(
        f"{'all learners, median':<24}" + "".join(f"{_median(totals[p]):>16.0f}" for p in POLICIES)
    )
    print(
        f"{'all learners, mean':<24}"
        + "".join(f"{statistics.mean(totals[p]):>16.1f}" for p in POLICIES)
    )
    print(f"{'not done within cap':<24}" + "".join(f"{capped[p]:>16}" for p in POLICIES))
    ratio = statistics.mean(totals["fixed"]) / statistics.mean(totals["practice"])
    skip = statistics.mean(totals["skip"]) / statistics.mean(totals["practice"])
    print(
        f"practice needs {ratio:.2f}x fewer items than the fixed order, "
        f"{skip:.2f}x fewer than skipping"
    )
    return 0
