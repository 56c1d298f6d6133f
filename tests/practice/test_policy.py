"""The choice of the next item: the weakest due skill, an exercise that isolates it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.practice.model import Evidence, replay
from app.practice.policy import Item, choose, count_words, variant_seed

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ITEMS = [
    Item("partials-1", ("partials", "shapes"), 0),
    Item("wx", ("layout", "shapes"), 10),
    Item("xw", ("layout", "shapes"), 11),
    Item("chain", ("chain_rule", "layout"), 20),
    Item("neuron", ("activation_derivative", "chain_rule"), 30),
]


def test_a_new_learner_starts_where_the_course_starts() -> None:
    choice = choose(states=replay([]), items=ITEMS, now=T0, seed=4)
    assert choice is not None
    assert (choice.exercise_id, choice.skill, choice.seed) == ("partials-1", "partials", 4)
    assert "partial derivatives" in choice.reason


def test_three_transposes_bring_layout_drills_with_the_reason() -> None:
    states = replay([Evidence(("layout", "shapes"), "incorrect", T0, "transposed")] * 3)
    choice = choose(states=states, items=ITEMS, now=T0, seed=1, last_exercise="wx")
    assert choice is not None
    assert choice.skill == "layout"
    assert choice.exercise_id == "xw"  # not the same exercise twice in a row
    assert choice.reason == "You gave the transpose three times: a few layout drills."


def test_the_drill_isolates_the_skill() -> None:
    # chain_rule weak, layout mastered: "chain" (other skill mastered) beats "neuron"
    history = [Evidence(("layout",), "correct", T0)] * 4
    history += [Evidence(("chain_rule",), "incorrect", T0, "entries")] * 2
    history += [Evidence(("partials", "shapes", "activation_derivative"), "correct", T0)] * 4
    states = replay(history)
    choice = choose(states=states, items=ITEMS, now=T0, seed=1)
    assert choice is not None
    assert (choice.skill, choice.exercise_id) == ("chain_rule", "chain")


def test_mastered_skills_come_back_when_due() -> None:
    every = {skill for item in ITEMS for skill in item.skills}
    history = [Evidence(tuple(every), "correct", T0 + timedelta(minutes=i)) for i in range(5)]
    states = replay(history)
    assert all(states[s].mastered() for s in every)
    soon = choose(states=states, items=ITEMS, now=T0 + timedelta(hours=1), seed=1)
    assert soon is not None and "next review due" in soon.reason
    first_due = min(states[s].due for s in every if states[s].due is not None)
    later = choose(states=states, items=ITEMS, now=first_due + timedelta(hours=1), seed=1)
    assert later is not None and later.reason.startswith("Time to review")


def test_no_items_no_choice() -> None:
    assert choose(states=replay([]), items=[], now=T0, seed=1) is None


def test_seeds_are_stable_per_step_and_differ_between_steps() -> None:
    assert variant_seed("a", 3) == variant_seed("a", 3)
    seeds = {variant_seed("a", step) for step in range(50)}
    assert len(seeds) == 50
    assert all(0 <= s < 2**31 for s in seeds)
    assert [count_words(n) for n in (1, 2, 3, 12)] == ["once", "twice", "three times", "12 times"]
