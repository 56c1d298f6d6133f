"""The acceptance formulas of issue 2: each parses, has the right shape, and evaluates to
the numbers a direct numpy computation gives, unbatched and batched."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import pytest

from app import mathlang

Arrays = dict[str, np.ndarray]


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


# (text, declared shapes, expected shape, numpy reference on unbatched values)
FORMULAS: list[
    tuple[str, dict[str, tuple[int, int]], tuple[int, ...], Callable[[Arrays], object]]
] = [
    ("W x", {"W": (3, 4), "x": (4, 1)}, (3, 1), lambda v: v["W"] @ v["x"]),
    ("x W", {"x": (1, 4), "W": (4, 3)}, (1, 3), lambda v: v["x"] @ v["W"]),
    ("x^T A x", {"x": (3, 1), "A": (3, 3)}, (1, 1), lambda v: v["x"].T @ v["A"] @ v["x"]),
    (
        "2 A^T (A x - b)",
        {"A": (4, 3), "x": (3, 1), "b": (4, 1)},
        (3, 1),
        lambda v: 2 * v["A"].T @ (v["A"] @ v["x"] - v["b"]),
    ),
    ("diag(x) - x x^T", {"x": (4, 1)}, (4, 4), lambda v: np.diag(v["x"][:, 0]) - v["x"] @ v["x"].T),
    (
        "relu(X w + b)",
        {"X": (5, 3), "w": (3, 1), "b": (1, 1)},
        (5, 1),
        lambda v: _relu(v["X"] @ v["w"] + v["b"][0, 0]),
    ),
    (
        "mean((y - relu(X w + b)).^2)",
        {"X": (5, 3), "w": (3, 1), "b": (1, 1), "y": (5, 1)},
        (1, 1),
        lambda v: np.mean((v["y"] - _relu(v["X"] @ v["w"] + v["b"][0, 0])) ** 2),
    ),
    (
        "[3 x^2 y, 2x + y^8]",
        {"x": (1, 1), "y": (1, 1)},
        (2, 1),
        lambda v: [[3 * v["x"][0, 0] ** 2 * v["y"][0, 0]], [2 * v["x"][0, 0] + v["y"][0, 0] ** 8]],
    ),
    ("log(sin(x^3)^2)", {"x": (1, 1)}, (1, 1), lambda v: np.log(np.sin(v["x"] ** 3) ** 2)),
    ("z I + A", {"z": (1, 1), "A": (3, 3)}, (3, 3), lambda v: v["z"][0, 0] * np.eye(3) + v["A"]),
    ("ones(4)^T x", {"x": (4, 1)}, (1, 1), lambda v: np.sum(v["x"])),
    ("kron(eye(2), W)", {"W": (3, 4)}, (6, 8), lambda v: np.kron(np.eye(2), v["W"])),
    (
        "det(A) inv(A)^T",
        {"A": (3, 3)},
        (3, 3),
        lambda v: np.linalg.det(v["A"]) * np.linalg.inv(v["A"]).T,
    ),
    (
        "trace(X^T A X)",
        {"X": (3, 2), "A": (3, 3)},
        (1, 1),
        lambda v: np.trace(v["X"].T @ v["A"] @ v["X"]),
    ),
    ("softmax(x)", {"x": (4, 1)}, (4, 1), lambda v: _softmax(v["x"])),
]


def _values(
    shapes: dict[str, tuple[int, int]], rng: np.random.Generator, batch: tuple[int, ...] = ()
) -> Arrays:
    values = {}
    for name, shape in shapes.items():
        value = rng.uniform(0.3, 1.7, size=(*batch, *shape)) * rng.choice(
            [-1.0, 1.0], size=(*batch, *shape)
        )
        if shape[0] == shape[1] and shape[0] > 1:
            value = value + 3.0 * np.eye(shape[0])  # well away from singular
        values[name] = value
    return values


@pytest.mark.parametrize(
    ("text", "shapes", "shape", "reference"), FORMULAS, ids=[f[0] for f in FORMULAS]
)
def test_formula_shape_and_value(text, shapes, shape, reference):
    typed = mathlang.check(mathlang.parse(text), shapes)
    assert typed.shape == shape
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    values = _values(shapes, rng)
    got = mathlang.evaluate(typed, values)
    expected = np.asarray(reference(values), dtype=float).reshape(shape)
    assert got.shape == shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("text", "shapes", "shape", "reference"), FORMULAS, ids=[f[0] for f in FORMULAS]
)
def test_formula_batched_equals_loop(text, shapes, shape, reference):
    typed = mathlang.check(mathlang.parse(text), shapes)
    rng = np.random.default_rng(7)
    values = _values(shapes, rng, batch=(2, 3))
    got = mathlang.evaluate(typed, values)
    assert got.shape == (2, 3, *shape)
    for a in range(2):
        for b in range(3):
            one = {name: value[a, b] for name, value in values.items()}
            np.testing.assert_allclose(
                got[a, b], mathlang.evaluate(typed, one), rtol=1e-12, atol=1e-13
            )
            expected = np.asarray(reference(one), dtype=float).reshape(shape)
            np.testing.assert_allclose(got[a, b], expected, rtol=1e-12, atol=1e-12)


def test_index_form_delta_times_x():
    """D[i, j, k] = dy_i/dW_{j,k} = delta(i, j) x_k for y = W x (Learned-Miller §3)."""
    typed = mathlang.check(
        mathlang.parse("delta(i,j) * x[k]"), {"x": (4, 1)}, indices={"i": 3, "j": 3, "k": 4}
    )
    assert typed.shape == (3, 3, 4)
    x = np.array([[0.5], [-1.25], [2.0], [3.5]])
    got = mathlang.evaluate(typed, {"x": x})
    expected = np.einsum("ij,k->ijk", np.eye(3), x[:, 0])
    np.testing.assert_array_equal(got, expected)
    batch = np.stack([x, 2 * x])
    batched = mathlang.evaluate(typed, {"x": batch})
    assert batched.shape == (2, 3, 3, 4)
    np.testing.assert_array_equal(batched[1], 2 * expected)


def test_bracket_delta_spelling_is_the_same_tensor():
    indices = {"i": 3, "j": 3, "k": 4}
    x = np.arange(1.0, 5.0).reshape(4, 1)
    one = mathlang.evaluate(
        mathlang.check(mathlang.parse("[i==j] x[k]"), {"x": (4, 1)}, indices=indices), {"x": x}
    )
    two = mathlang.evaluate(
        mathlang.check(mathlang.parse("delta(i,j) * x[k]"), {"x": (4, 1)}, indices=indices),
        {"x": x},
    )
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize(
    ("text", "shapes", "expected", "shape"),
    [
        ("z I", {"z": (1, 1)}, (3, 3), (3, 3)),
        ("0", {}, (3, 4), (3, 4)),
        ("A - I", {"A": (2, 2)}, None, (2, 2)),
        ("x + ones", {"x": (3, 1)}, None, (3, 1)),
        ("ones^T x", {"x": (3, 1)}, None, (1, 1)),
        ("W I", {"W": (3, 4)}, None, (3, 4)),
        ("I W", {"W": (3, 4)}, None, (3, 4)),
        ("ones ones^T", {}, (2, 2), (2, 2)),
    ],
)
def test_context_sized_constants(text, shapes, expected, shape):
    typed = mathlang.check(mathlang.parse(text), shapes, expected=expected)
    assert typed.shape == shape
    rng = np.random.default_rng(3)
    values = {name: rng.normal(size=s) for name, s in shapes.items()}
    got = mathlang.evaluate(typed, values)
    assert got.shape == shape


def test_context_sized_values():
    z = np.array([[2.5]])
    got = mathlang.evaluate(
        mathlang.check(mathlang.parse("z I"), {"z": (1, 1)}, expected=(3, 3)), {"z": z}
    )
    np.testing.assert_array_equal(got, 2.5 * np.eye(3))
    x = np.array([[1.0], [2.0], [4.0]])
    got = mathlang.evaluate(mathlang.check(mathlang.parse("ones^T x"), {"x": (3, 1)}), {"x": x})
    np.testing.assert_array_equal(got, [[7.0]])
    zero = mathlang.evaluate(mathlang.check(mathlang.parse("0"), {}, expected=(2, 3)), {})
    np.testing.assert_array_equal(zero, np.zeros((2, 3)))
