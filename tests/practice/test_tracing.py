from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.practice.tracing import DEFAULT, TracingParameters, p_correct, update


def test_worked_example() -> None:
    # p = 0.3, slip = guess = 0.1, learn = 0.15 (the documented defaults)
    right = 0.3 * 0.9 / (0.3 * 0.9 + 0.7 * 0.1)
    wrong = 0.3 * 0.1 / (0.3 * 0.1 + 0.7 * 0.9)
    assert update(0.3, True) == pytest.approx(right + (1 - right) * 0.15)
    assert update(0.3, False) == pytest.approx(wrong + (1 - wrong) * 0.15)


@given(st.floats(0.0, 1.0))
def test_a_right_answer_raises_mastery_and_a_wrong_one_does_not_beat_it(p: float) -> None:
    up, down = update(p, True), update(p, False)
    assert 0.0 <= down <= up <= 1.0
    assert up >= p


def test_a_wrong_answer_lowers_a_skill_above_the_learning_floor() -> None:
    assert update(DEFAULT.prior, False) < DEFAULT.prior
    assert update(0.9, False) < 0.9


def test_a_few_right_answers_reach_mastery_from_the_prior() -> None:
    p = DEFAULT.prior
    steps = 0
    while p < DEFAULT.mastered:
        p = update(p, True)
        steps += 1
    assert 2 <= steps <= 4


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError):
        TracingParameters(slip=0.0)
    with pytest.raises(ValueError):
        TracingParameters(guess=0.6, slip=0.5)
    assert p_correct(1.0) == pytest.approx(0.9)
