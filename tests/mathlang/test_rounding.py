"""Rounding noise measured through the intermediates of an evaluation."""

from __future__ import annotations

import numpy as np

from app import mathlang
from app.mathlang.rounding import rounding_noise

EPS = float(np.finfo(np.float64).eps)


def noise(text: str, values: dict[str, np.ndarray], varying: list[str] | None = None) -> np.ndarray:
    shapes = {name: (int(v.shape[0]), int(v.shape[1])) for name, v in values.items()}
    typed = mathlang.check(mathlang.parse(text), shapes)
    return rounding_noise(typed, values, varying)


def test_an_intermediate_far_larger_than_the_result_sets_the_noise() -> None:
    x = np.array([[1e-8], [2e-8], [-1e-8]])
    measured = noise("log(exp(x))", {"x": x})
    # exp(x) is about 1, rounded by eps; the result is 1e-8: eps |f| would say 2e-24.
    assert np.all(measured >= EPS) and np.all(measured <= 64 * EPS)
    assert measured.shape == (3, 1)


def test_a_huge_argument_of_a_bounded_function_carries_its_rounding() -> None:
    a = np.array([[1.5], [-0.7], [0.9]])
    y = np.array([[1e8], [2e8], [-1e8]])
    measured = noise("cos(a^T y)", {"a": a, "y": y})
    assert 1e-9 < float(measured[0, 0]) < 1e-5  # eps * |a| |y| is about 1e-7


def test_only_what_varies_with_the_moving_variables_counts() -> None:
    rng = np.random.default_rng(3)
    u, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = u @ np.diag([1.0, 1e-3, 1e-7]) @ u.T
    b = rng.normal(size=(3, 1))
    moving_b = noise("inv(A) b", {"A": a, "b": b}, ["b"])
    moving_a = noise("inv(A) b", {"A": a, "b": b}, ["A"])
    # inv(A) is computed once when only b moves: its rounding is the same at every point.
    assert np.all(moving_b < 1e-6 * np.abs(np.linalg.solve(a, b)).max())
    assert np.all(moving_a > 100 * moving_b)


def test_a_clamped_relu_and_a_constant_have_no_noise() -> None:
    x = np.array([[-1.0], [-2.0]])
    assert np.all(noise("relu(x)", {"x": x}) == 0.0)
    assert np.all(noise("ones(2) + 3", {"x": x}) == 0.0)


def test_the_measurement_is_repeatable() -> None:
    x = np.array([[0.3], [1e-9]])
    first = noise("sqrt(x) + exp(sin(x))", {"x": x})
    assert np.array_equal(first, noise("sqrt(x) + exp(sin(x))", {"x": x}))
