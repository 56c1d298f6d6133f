"""The reference derivative: the engine with both kink tests."""

from __future__ import annotations

import numpy as np

from app.calculus.finite_diff import jacobian
from app.calculus.reference import reference_derivative


def _site(values):
    return values["x"][..., 0:1, :] - 0.3


def _gentle_kink(values):
    """A large smooth term plus a kink whose slopes differ by 2e-4 at x[0] = 0.3."""
    x = values["x"]
    return 50.0 * np.sin(x).sum(axis=(-2, -1), keepdims=True) + 1e-4 * np.abs(_site(values))


def test_a_kink_with_nearly_equal_slopes_is_set_aside_by_the_structural_test():
    instance = {"x": np.array([[0.3 + 1e-8], [0.9]])}
    numeric = jacobian(_gentle_kink, instance, "x")
    assert not numeric.set_aside[0]  # the 5-point test alone cannot see it
    ref = reference_derivative(_gentle_kink, [_site], instance, ["x"])
    assert ref.values.shape == (1, 2) and ref.finite
    assert ref.set_aside.tolist() == [[True, False]]
    np.testing.assert_allclose(ref.values[0, 1], 50.0 * np.cos(0.9), rtol=1e-9)


def test_without_sites_the_reference_is_the_engine_flattened():
    instance = {"A": np.array([[0.5, -1.2], [0.7, 1.6]]), "b": np.array([[0.4], [-0.8]])}

    def f(values):
        return values["A"] @ values["b"]

    ref = reference_derivative(f, [], instance, ["A", "b"])
    engine = jacobian(f, instance, ["A", "b"])
    assert ref.values.shape == (2, 6)
    np.testing.assert_array_equal(ref.values, engine.value.reshape(2, 6))
    assert not ref.set_aside.any()
