"""Instances and the structural kink test of the grader."""

from __future__ import annotations

import numpy as np
import pytest

from app import mathlang
from app.grading import numerics
from app.grading.problem import Problem


def sampler_for(problem: Problem) -> numerics.Sampler:
    tree = mathlang.parse(problem.function)
    return numerics.make_sampler(tree, problem.declarations(), problem.shapes(), problem.pinned())


NEURON = Problem(
    variables={"w": "4", "x": "4", "b": "scalar"}, function="relu(w^T x + b)", wrt=["w"]
)


@pytest.mark.parametrize("seed", range(20))
def test_neuron_instances_cover_both_sides_away_from_the_kink(seed: int) -> None:
    sampler = sampler_for(NEURON)
    instances = sampler.sample(3, np.random.default_rng(seed))
    z = [float(sampler.site_values(inst)[0].item()) for inst in instances]
    assert any(v > 0 for v in z) and any(v <= 0 for v in z)
    assert min(abs(v) for v in z) > 1e-3


def test_values_avoid_integers_zero_and_one() -> None:
    problem = Problem(variables={"W": "6x7", "x": "7"}, function="W x", wrt=["x"])
    instance = sampler_for(problem).draw(np.random.default_rng(1))
    values = np.abs(instance["W"])
    assert np.all(values >= 0.3) and np.all(np.abs(values - 1.0) >= 0.05)
    assert np.all(np.abs(values - np.round(values)) > 1e-9)


def test_domains_hold() -> None:
    problem = Problem(
        variables={"S": "4x4:spd", "A": "4x4:invertible", "p": "5:positive"},
        function="trace(S A) + sum(p)",
        wrt=["A"],
    )
    sampler = sampler_for(problem)
    for seed in range(10):
        inst = sampler.draw(np.random.default_rng(seed))
        s, a = inst["S"], inst["A"]
        assert np.allclose(s, s.T) and np.linalg.eigvalsh(s).min() > 0
        assert not np.allclose(a, a.T) and np.linalg.cond(a) < 100
        assert np.all(inst["p"] > 0)


def test_structural_kink_test_sets_aside_near_zero_only() -> None:
    tree = mathlang.parse("relu(w^T x + b)")
    shapes = NEURON.shapes()
    site = numerics.make_sampler(tree, NEURON.declarations(), shapes, {}).sites
    w = np.array([[0.7], [-1.3], [0.4], [1.6]])
    x = np.array([[1.1], [0.35], [-0.8], [0.55]])
    near = {"w": w, "x": x, "b": np.array([[1e-9 - (w.T @ x).item()]])}
    far = {"w": w, "x": x, "b": np.array([[0.5 - (w.T @ x).item()]])}
    assert numerics.structural_set_aside(site, near, ["w"]).all()
    assert not numerics.structural_set_aside(site, far, ["w"]).any()
