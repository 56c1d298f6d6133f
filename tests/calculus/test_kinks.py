"""The 5-point kink test, alone and inside the finite-difference engine."""

from __future__ import annotations

import numpy as np
import pytest

from app.calculus import kinks
from app.calculus.finite_diff import jacobian

T = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])


def relu(x):
    return np.maximum(x, 0.0)


@pytest.mark.parametrize("where", [-0.9, -0.3, 0.0, 0.2, 0.7])
def test_a_stencil_across_a_kink_is_flagged(where):
    values = np.abs(T - where) * 1e-5 + 3.0
    assert kinks.straddles_kink(values, np.array(1e-16 * 3.0))


@pytest.mark.parametrize("curvature", [0.0, 1e-6, 1e-3])
def test_smooth_and_noisy_stencils_are_not_flagged(curvature):
    rng = np.random.default_rng(0)
    values = 2.0 + 1e-5 * T + curvature * 1e-10 * T**2 + 1e-16 * rng.normal(size=5)
    assert not kinks.straddles_kink(values, np.array(8 * 2.2e-16 * 2.0))
    assert kinks.kink_indicator(values) < 1e-3 * 2e-5


def test_non_finite_stencils_are_flagged():
    values = np.array([np.nan, 1.0, 1.0, 1.0, 1.0])
    assert kinks.straddles_kink(values, np.array(0.0))


@pytest.mark.parametrize("fn", [relu, np.abs])
def test_entries_at_the_kink_are_set_aside_and_others_exact(fn):
    x = np.array([[0.0], [0.8], [-1.3]])
    d = jacobian(lambda v: fn(v["x"]), {"x": x}, "x")
    assert d.set_aside[0, 0]
    assert not d.set_aside[1, 1] and not d.set_aside[2, 2]
    slope = (np.sign(x[:, 0]) if fn is np.abs else (x[:, 0] > 0)).astype(float)
    np.testing.assert_allclose(np.diag(d.value)[1:], slope[1:], rtol=1e-10)


@pytest.mark.parametrize("fn", [relu, np.abs])
@pytest.mark.parametrize("offset", [3e-7, -3e-7, 1e-8])
def test_near_the_kink_a_finer_step_gives_the_one_sided_derivative(fn, offset):
    """Within the first step of the kink, the engine retries with finer steps: the
    derivative it finds is the exact one on the side where the input lies."""
    x = np.array([[offset], [1.1]])
    d = jacobian(lambda v: fn(v["x"]), {"x": x}, "x")
    expected = np.sign(offset) if fn is np.abs else float(offset > 0)
    assert not d.set_aside[0, 0]
    assert d.value[0, 0] == pytest.approx(expected, abs=1e-9)
    assert d.value[0, 0] - d.error[0, 0] <= expected <= d.value[0, 0] + d.error[0, 0] + 1e-12


def test_relu_neuron_at_a_dead_kink_sets_aside_its_whole_gradient():
    w, x = np.array([[0.5], [-0.25]]), np.array([[1.0], [2.0]])  # w^T x = 0

    def neuron(v):
        return relu(np.swapaxes(v["w"], -1, -2) @ v["x"])

    d = jacobian(neuron, {"w": w, "x": x}, "w")
    assert d.set_aside.all()
    d = jacobian(neuron, {"w": w, "x": x + np.array([[0.5], [0.0]])}, "w")
    assert not d.set_aside.any()
    np.testing.assert_allclose(d.value, [1.5, 2.0], rtol=1e-9)


def _neuron_site(values):
    return np.swapaxes(values["w"], -1, -2) @ values["x"] + values["b"]


W = np.array([[0.7], [-1.3], [0.4], [1.6]])
X = np.array([[1.1], [0.35], [-0.8], [0.55]])


def test_the_structural_test_sets_aside_inputs_near_a_site_at_zero_only():
    near = {"w": W, "x": X, "b": np.array([[1e-9 - (W.T @ X).item()]])}
    far = {"w": W, "x": X, "b": np.array([[0.5 - (W.T @ X).item()]])}
    assert kinks.structural_set_aside([_neuron_site], near, ["w"]).all()
    assert not kinks.structural_set_aside([_neuron_site], far, ["w"]).any()
    assert kinks.structural_set_aside([], near, ["w"]).shape == (4,)


def test_the_structural_test_flags_only_the_entries_that_move_a_site():
    x = np.array([[0.8], [1e-9], [-1.3]])
    flags = kinks.structural_set_aside([lambda v: v["x"]], {"x": x}, ["x"])
    assert flags.tolist() == [False, True, False]
    stacked = kinks.structural_set_aside(
        [lambda v: v["x"]], {"y": np.array([[0.5]]), "x": x}, ["y", "x"]
    )
    assert stacked.tolist() == [False, False, True, False]
