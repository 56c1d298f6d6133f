"""The engine driven through expressions of the language (parse -> check -> evaluate)."""

from __future__ import annotations

import numpy as np
import pytest

from app import mathlang
from app.calculus.finite_diff import expression_function, jacobian
from app.calculus.layouts import to_layout


def derivative(text, shapes, instance, wrt, **options):
    typed = mathlang.check(mathlang.parse(text), shapes)
    return jacobian(expression_function(typed), instance, wrt, **options)


def test_wx_jacobian_is_w_in_numerator_and_w_transposed_in_denominator():
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    d = derivative("W x", {"W": (3, 4), "x": (4, 1)}, {"W": w, "x": x}, "x")
    np.testing.assert_allclose(to_layout(d.value, (3, 1), [(4, 1)], "numerator"), w, rtol=1e-9)
    np.testing.assert_allclose(to_layout(d.value, (3, 1), [(4, 1)], "denominator"), w.T, rtol=1e-9)
    assert np.all(np.abs(d.value - w) <= d.error)


def test_dy_dw_of_wx_is_delta_ij_x_k_and_grouped():
    rng = np.random.default_rng(1)
    w, x = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    d = derivative("W x", {"W": (3, 4), "x": (4, 1)}, {"W": w, "x": x}, "W", min_grouped=0)
    np.testing.assert_allclose(d.value, np.einsum("ij,k->ijk", np.eye(3), x[:, 0]), atol=1e-9)
    assert d.groups == 4


def test_xw_with_a_row_vector():
    rng = np.random.default_rng(2)
    w, x = rng.normal(size=(3, 4)), rng.normal(size=(1, 3))
    d = derivative("x W", {"W": (3, 4), "x": (1, 3)}, {"W": w, "x": x}, "x")
    # Learned-Miller §2: dy/dx = W in the denominator arrangement.
    np.testing.assert_allclose(to_layout(d.value, (1, 4), [(1, 3)], "denominator"), w, rtol=1e-9)


def test_quadratic_form_and_inverse():
    rng = np.random.default_rng(3)
    a, x = rng.normal(size=(4, 4)), rng.normal(size=(4, 1))
    d = derivative("x^T A x", {"A": (4, 4), "x": (4, 1)}, {"A": a, "x": x}, "x")
    np.testing.assert_allclose(d.value, ((a + a.T) @ x)[:, 0], rtol=1e-9)
    b = a + 4 * np.eye(4)
    inv = np.linalg.inv(b)
    d = derivative("inv(A)", {"A": (4, 4)}, {"A": b}, "A")
    exact = -np.einsum("ij,kl->iljk", inv, inv)
    assert np.max(np.abs(d.value - exact)) <= 1e-8 * np.max(np.abs(exact))
    assert np.all(np.abs(d.value - exact) <= d.error)


def test_parr_howard_f_of_x_and_y_stacked():
    x, y = 1.3, 0.7
    d = derivative(
        "[3 x^2 y, 2 x + y^8]",
        {"x": (1, 1), "y": (1, 1)},
        {"x": [[x]], "y": [[y]]},
        ["x", "y"],
    )
    exact = np.array([[6 * x * y, 3 * x**2], [2.0, 8 * y**7]])
    np.testing.assert_allclose(d.value, exact, rtol=1e-9)


@pytest.mark.parametrize("z0", [1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, -1e-9, -1e-6])
def test_relu_neuron_close_to_its_kink_is_never_wrong(z0):
    """With the pre-activation 1e-12..1e-6 from 0, every entry is either set aside or
    within its error estimate of the exact gradient step(z) x (Parr & Howard §5)."""
    shapes = {"w": (3, 1), "x": (3, 1), "b": (1, 1)}
    typed = mathlang.check(mathlang.parse("relu(w^T x + b)"), shapes)
    f = expression_function(typed)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        w = rng.uniform(0.3, 2.0, (3, 1)) * rng.choice([-1.0, 1.0], (3, 1))
        x = rng.uniform(0.3, 2.0, (3, 1)) * rng.choice([-1.0, 1.0], (3, 1))
        b = np.array([[z0]]) - w.T @ x
        z = (w.T @ x + b).item()
        for wrt, slope in (("w", x[:, 0]), ("x", w[:, 0]), ("b", np.array(1.0))):
            d = jacobian(f, {"w": w, "x": x, "b": b}, wrt)
            exact = slope * float(z > 0)
            assert np.all((np.abs(d.value - exact) <= d.error) | d.set_aside)
            if abs(z0) >= 1e-6:
                assert not d.set_aside.any()
