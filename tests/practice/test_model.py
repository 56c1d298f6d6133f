"""The learner model: which skills an attempt is evidence about, and review scheduling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.practice.model import Evidence, observe, replay
from app.practice.tracing import DEFAULT

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WX = ("layout", "shapes")


def test_a_right_answer_is_evidence_for_every_skill_of_the_exercise() -> None:
    states = replay([Evidence(WX, "correct", T0)])
    assert states["layout"].mastery > DEFAULT.prior
    assert states["shapes"].mastery > DEFAULT.prior
    assert states["chain_rule"].mastery == DEFAULT.prior
    assert states["layout"].attempts == states["shapes"].attempts == 1


def test_a_diagnosed_mistake_weighs_only_on_the_skill_it_reveals() -> None:
    states = replay([Evidence(WX, "incorrect", T0, diagnosis="transposed")] * 3)
    assert states["layout"].mastery < DEFAULT.prior
    assert states["layout"].attempts == 3
    assert states["layout"].mistakes == {"transposed": 3}
    assert states["shapes"].mastery == DEFAULT.prior  # untouched: not evidence about shapes
    assert states["shapes"].attempts == 0


def test_a_mistake_may_reveal_a_skill_the_exercise_does_not_list() -> None:
    states = replay([Evidence(("elementwise",), "incorrect", T0, diagnosis="wrong_shape")])
    assert states["shapes"].attempts == 1
    assert states["elementwise"].attempts == 0


def test_a_misconception_decides_the_skill() -> None:
    neuron = ("activation_derivative", "chain_rule")
    evidence = Evidence(neuron, "incorrect", T0, "entries", "missing_inner_derivative")
    states = replay([evidence])
    assert states["chain_rule"].mistakes == {"missing_inner_derivative": 1}
    assert states["activation_derivative"].attempts == 0


def test_invalid_and_undecided_answers_are_no_evidence() -> None:
    for verdict in ("invalid", "undecided"):
        assert observe(replay([]), Evidence(WX, verdict, T0)) == {}


def test_mastery_schedules_a_review_and_a_lapse_brings_it_forward() -> None:
    history = [Evidence(WX, "correct", T0 + timedelta(minutes=i)) for i in range(4)]
    states = replay(history)
    layout = states["layout"]
    assert layout.mastered()
    assert layout.card is not None and layout.due is not None
    assert layout.due > T0 + timedelta(days=1)
    assert layout.mistakes == {}
    later = layout.due + timedelta(days=1)
    lapsed = observe(states, Evidence(WX, "incorrect", later, diagnosis="transposed"))["layout"]
    good = observe(states, Evidence(WX, "correct", later))["layout"]
    assert lapsed.due is not None and good.due is not None
    assert lapsed.due < good.due
    assert lapsed.mastery < layout.mastery


def test_replay_is_the_fold_of_observe() -> None:
    history = [
        Evidence(WX, "incorrect", T0, diagnosis="transposed"),
        Evidence(WX, "correct", T0 + timedelta(minutes=1)),
        Evidence(("chain_rule", "layout"), "incorrect", T0 + timedelta(minutes=2), "sign"),
    ]
    states = replay([])
    for evidence in history:
        states.update(observe(states, evidence))
    assert states == replay(history)
