"""Derivations of caller-given text run in a grading worker, under its limits."""

from collections.abc import Iterator

import pytest

from app.grading.worker import GradingPool


@pytest.fixture(scope="module")
def pool() -> Iterator[GradingPool]:
    with GradingPool(size=1, timeout=20.0) as made:
        yield made


def test_a_derivation_comes_back_as_json(pool: GradingPool) -> None:
    outcome = pool.derive("W x", {"W": "3x4", "x": "4"}, "x")
    derivation = outcome["derivation"]
    assert derivation["result"]["expression"].replace(" ", "") == "W"
    assert len(derivation["steps"]) >= 3
    assert all(step["verified"] for step in derivation["steps"])


def test_errors_keep_their_kind_and_position(pool: GradingPool) -> None:
    outcome = pool.derive("W x )", {"W": "3x4", "x": "4"}, "x")
    assert outcome["error"]["kind"] == "syntax"
    assert outcome["error"]["position"] == 4
    outcome = pool.derive("x x", {"x": "4"}, "x")
    assert outcome["error"]["kind"] == "shape"


def test_a_derivation_past_the_time_limit_is_killed() -> None:
    with GradingPool(size=1, timeout=0.001) as hasty:
        first = hasty.pids()
        outcome = hasty.derive("relu(W x) .* tanh(W x)", {"W": "12x12", "x": "12"}, "W")
        assert outcome["error"]["kind"] == "limit"
        assert hasty.restarts == 1
        assert hasty.pids() != first
