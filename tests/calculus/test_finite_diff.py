"""Finite differences against analytic derivatives (plain numpy batched functions)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calculus.finite_diff import jacobian
from tests.randomness import scaled


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_accurate(derivative, exact, rel=1e-7):
    """Close to the exact tensor, and the error estimate bounds the true error."""
    assert derivative.value.shape == exact.shape
    err = np.abs(derivative.value - exact)
    scale = np.max(np.abs(exact))
    assert err.max() <= rel * scale, err.max() / scale
    assert np.all(err <= derivative.error + 1e-300)
    assert not derivative.set_aside.any()


def test_wx_with_respect_to_w_is_the_sparse_three_axis_tensor():
    g = rng(1)
    w, x = g.normal(size=(3, 4)), g.normal(size=(4, 1))
    d = jacobian(lambda v: v["W"] @ v["x"], {"W": w, "x": x}, "W", min_grouped=0)
    exact = np.einsum("ij,k->ijk", np.eye(3), x[:, 0])  # delta(i,j) x_k (Learned-Miller §3)
    assert_accurate(d, exact)
    assert d.groups == 4  # the entries of a column of W are perturbed together
    small = jacobian(lambda v: v["W"] @ v["x"], {"W": w, "x": x}, "W")
    assert small.groups == 12  # by default too few entries to be worth probing
    np.testing.assert_allclose(small.value, d.value, rtol=1e-9, atol=1e-12)


def test_wx_with_respect_to_x_is_w_and_xw_with_respect_to_x_is_w_numerator():
    g = rng(2)
    w = g.normal(size=(3, 4))
    d = jacobian(lambda v: v["W"] @ v["x"], {"W": w, "x": g.normal(size=(4, 1))}, "x")
    assert_accurate(d, w)
    row = g.normal(size=(1, 3))
    d = jacobian(lambda v: v["x"] @ v["W"], {"W": w, "x": row}, "x")
    assert_accurate(d, w.T)  # canonical D[j, i] = dy_j/dx_i = W_ij (Learned-Miller §2)


def test_quadratic_form_gradient():
    g = rng(3)
    a, x = g.normal(size=(5, 5)), g.normal(size=(5, 1))
    d = jacobian(lambda v: np.swapaxes(v["x"], -1, -2) @ v["A"] @ v["x"], {"A": a, "x": x}, "x")
    assert_accurate(d, ((a + a.T) @ x)[:, 0])
    d = jacobian(lambda v: np.swapaxes(v["x"], -1, -2) @ v["A"] @ v["x"], {"A": a, "x": x}, "A")
    assert_accurate(d, x @ x.T)


def test_inverse_with_condition_number_1e6_is_accurate_within_its_error_estimate():
    g = rng(4)
    u, _ = np.linalg.qr(g.normal(size=(4, 4)))
    v, _ = np.linalg.qr(g.normal(size=(4, 4)))
    a = u @ np.diag([2.0, 1.0, 0.5, 2e-6]) @ v.T
    inv = np.linalg.inv(a)
    exact = -np.einsum("ij,kl->iljk", inv, inv)  # d(A^-1)_il / dA_jk
    d = jacobian(lambda val: np.linalg.inv(val["A"]), {"A": a}, "A")
    assert_accurate(d, exact, rel=1e-6)


def test_log_near_1e_minus_9():
    x = rng(5).uniform(0.5, 2.0, size=(6, 1)) * 1e-9
    d = jacobian(lambda v: np.log(v["x"]), {"x": x}, "x", min_grouped=0)
    assert_accurate(d, np.diag(1.0 / x[:, 0]))
    assert d.groups == 1  # an element-wise map has a diagonal Jacobian: one direction


def test_ill_scaled_variables_in_one_problem():
    g = rng(6)
    a = g.uniform(0.5, 2.0, size=(3, 1)) * 1e-8
    b = g.uniform(0.5, 2.0, size=(3, 1)) * 1e8

    def f(v):
        return np.sin(v["a"] * 1e8) * np.log(v["b"])

    d = jacobian(f, {"a": a, "b": b}, ["a", "b"])
    exact = np.hstack(
        [np.diag((np.cos(a * 1e8) * 1e8 * np.log(b))[:, 0]), np.diag((np.sin(a * 1e8) / b)[:, 0])]
    )
    assert d.value.shape == (3, 6)
    for block in (slice(0, 3), slice(3, 6)):  # each variable accurate on its own scale
        err = np.abs(d.value[:, block] - exact[:, block])
        assert err.max() <= 1e-7 * np.abs(exact[:, block]).max()
        assert np.all(err <= d.error[:, block])


def test_function_scaled_by_1e_minus_12_keeps_its_relative_accuracy():
    g = rng(7)
    w, x = g.normal(size=(3, 4)), g.normal(size=(4, 1))
    d = jacobian(lambda v: 1e-12 * np.tanh(v["W"] @ v["x"]), {"W": w, "x": x}, "x")
    exact = 1e-12 * (1 - np.tanh(w @ x) ** 2) * w
    assert_accurate(d, exact)
    assert np.max(np.abs(d.value)) > 1e-14  # not rounded to zero


def test_parr_howard_example_with_two_scalar_inputs_stacked():
    # f(x, y) = [3x^2 y, 2x + y^8] (Parr & Howard §4): J = [[6xy, 3x^2], [2, 8y^7]].
    x, y = 0.7, -1.3

    def f(v):
        xs, ys = v["x"], v["y"]
        return np.concatenate([3 * xs**2 * ys, 2 * xs + ys**8], axis=-2)

    d = jacobian(f, {"x": [[x]], "y": [[y]]}, ["x", "y"])
    assert_accurate(d, np.array([[6 * x * y, 3 * x**2], [2.0, 8 * y**7]]))


def test_scalar_output_has_no_output_axes():
    x = rng(8).normal(size=(4, 1))
    d = jacobian(lambda v: np.sum(v["x"] ** 2, axis=(-2, -1)), {"x": x}, "x")
    assert d.out_shape == (1, 1) or d.out_shape == ()
    assert_accurate(d, 2 * x[:, 0])


@pytest.mark.parametrize("max_entries", [50, 2_000_000])
def test_grouping_and_chunking_never_change_the_result(max_entries):
    g = rng(9)
    w, x, b = g.normal(size=(5, 6)), g.normal(size=(6, 1)), g.normal(size=(5, 1))

    def f(v):
        return np.tanh(v["W"] @ v["x"] + v["b"])

    inst = {"W": w, "x": x, "b": b}
    grouped = jacobian(f, inst, "W", max_entries=max_entries, min_grouped=0)
    plain = jacobian(f, inst, "W", grouping=False)
    assert grouped.groups < plain.groups
    assert grouped.evaluations < plain.evaluations
    np.testing.assert_allclose(grouped.value, plain.value, rtol=1e-9, atol=1e-12)


@settings(max_examples=scaled(15), deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(0, 10_000))
def test_grouping_matches_ungrouped_on_random_sparse_functions(m, n, seed):
    """A function whose outputs read a random subset of inputs: grouping must recover the
    same tensor as perturbing one entry at a time."""
    g = rng(seed)
    mask = g.random((m, n)) < 0.4
    coeff = g.normal(size=(m, n))

    def f(v):
        x = v["x"][..., 0]  # (batch, n)
        return (np.sin(x[..., None, :] * coeff) * mask).sum(axis=-1)[..., None]

    x = g.normal(size=(n, 1))
    grouped = jacobian(f, {"x": x}, "x", min_grouped=0)
    plain = jacobian(f, {"x": x}, "x", grouping=False)
    np.testing.assert_allclose(grouped.value, plain.value, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(grouped.value, coeff * np.cos(x[:, 0] * coeff) * mask, rtol=1e-7)


def test_non_finite_values_are_set_aside_not_raised():
    x = np.array([[1e-7], [1.0]])
    d = jacobian(lambda v: np.sqrt(v["x"] - 1e-7), {"x": x}, "x")
    assert d.set_aside[0, 0]
    assert not d.set_aside[1, 1]
    assert abs(d.value[1, 1] - 0.5 / np.sqrt(1.0 - 1e-7)) < 1e-8


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        jacobian(lambda v: v["x"], {"x": np.ones(3)}, "x")  # not 2-D
    with pytest.raises(ValueError):
        jacobian(lambda v: v["x"], {"x": np.ones((3, 1))}, "y")
