"""The instances a grading draws: the calculus sampler, driven by the grader's runner."""

from __future__ import annotations

import numpy as np
import pytest

from app.grading import Problem, grade
from app.grading.measure import Instances, answer_function
from app.grading.setup import ProblemSetup
from app.mathlang import check, parse

NEURON = Problem(
    variables={"w": "4", "x": "4", "b": "scalar"}, function="relu(w^T x + b)", wrt=["w"]
)


def runner_for(problem: Problem, seed: int) -> Instances:
    setup = ProblemSetup(problem)
    answer = answer_function(check(parse("x^T"), setup.shapes))
    return Instances(setup, answer, seed, None)


@pytest.mark.parametrize("seed", range(10))
def test_the_neuron_is_seen_inactive_twice_and_active_once_away_from_the_kink(seed: int) -> None:
    instances = runner_for(NEURON, seed).draw(3)
    z = [(inst["w"].T @ inst["x"] + inst["b"]).item() for inst in instances]
    assert sum(v < 0 for v in z) >= 2 and sum(v > 0 for v in z) >= 1
    assert min(abs(v) for v in z) > 1e-3


@pytest.mark.parametrize("seed", range(6))
def test_later_draws_keep_alternating_sides(seed: int) -> None:
    runner = runner_for(NEURON, seed)
    first = runner.draw(3)
    later = [runner.draw(1)[0] for _ in range(2)]
    sides = [(inst["w"].T @ inst["x"] + inst["b"]).item() > 0 for inst in first + later]
    assert sides == [False, True, False, True, False]


def test_pinned_problems_use_the_pinned_values() -> None:
    pinned = Problem(
        variables={"w": "2", "x": "2"},
        function="relu(w^T x)",
        wrt=["w"],
        values={"w": [[0.5], [-0.25]], "x": [[1.5], [2.0]]},
    )
    (instance,) = runner_for(pinned, 0).draw(3)
    np.testing.assert_array_equal(instance["w"], [[0.5], [-0.25]])


def test_an_answer_right_only_where_the_unit_is_active_is_incorrect() -> None:
    result = grade(NEURON, "x^T", seed=3)
    assert result["verdict"] == "incorrect"
    assert grade(NEURON, "step(w^T x + b) x^T", seed=3)["verdict"] == "correct"
