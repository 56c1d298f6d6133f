"""The suite's draws are repeatable unless a random hunt is asked for (never in CI)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.grading import Problem, grade
from tests.randomness import IN_CI, RANDOM_SCALE

pytestmark = pytest.mark.skipif(bool(RANDOM_SCALE), reason="a random hunt was asked for")

PROBLEM = Problem(variables={"W": "3x4", "x": "4"}, function="W x", wrt=["x"])


def test_hypothesis_is_derandomized_without_an_example_database() -> None:
    assert settings.default.derandomize is True
    assert settings.default.database is None


def test_ci_never_hunts_at_random() -> None:
    if IN_CI:
        assert RANDOM_SCALE == 0


def test_a_grading_without_a_seed_draws_from_the_tests_seed(
    request: pytest.FixtureRequest,
) -> None:
    expected = random.Random(request.node.nodeid)
    first, second = grade(PROBLEM, "W"), grade(PROBLEM, "W")
    assert first["seed"] == expected.randrange(2**31)
    assert second["seed"] == expected.randrange(2**31)


DRAWN: list[int] = []


@given(st.integers(0, 10**9))
def _draw(value: int) -> None:
    DRAWN.append(value)


def test_hypothesis_draws_the_same_examples_on_every_run() -> None:
    DRAWN.clear()
    _draw()
    once = list(DRAWN)
    DRAWN.clear()
    _draw()
    assert once == DRAWN and len(once) > 1
