"""Index form of a parenthesised expression or a call: ``(W x + b)[i]``, ``tanh(W x)[i]``,
``inv(X)[i, k]`` — parsed, shape-checked, evaluated, printed and typeset."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app import mathlang
from app.mathlang.ast import Binary, Call, Index, Vector
from app.mathlang.errors import MathError

SHAPES = {"W": (3, 4), "x": (4, 1), "b": (3, 1), "X": (3, 3)}


def typed(text: str, indices: dict[str, int]) -> mathlang.Typed:
    return mathlang.check(mathlang.parse(text), SHAPES, indices=indices)


def test_a_bracket_or_call_right_before_a_bracket_is_indexed() -> None:
    group = mathlang.parse("(W x + b)[i]")
    assert isinstance(group, Index) and isinstance(group.base, Binary)
    call = mathlang.parse("tanh(W x)[i]")
    assert isinstance(call, Index) and isinstance(call.base, Call)
    # With a space it stays a product with a vector literal, as for names.
    spaced = mathlang.parse("(W x) [1, 2, 3]")
    assert isinstance(spaced, Binary) and isinstance(spaced.right, Vector)


def test_values_are_the_entries_of_the_expression() -> None:
    rng = np.random.default_rng(3)
    W, x, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 1)), rng.standard_normal((3, 1))
    got = mathlang.evaluate(
        typed("delta(i, j) (1 - tanh(W x + b)[i]^2) x[k]", {"i": 3, "j": 3, "k": 4}),
        {"W": W, "x": x, "b": b},
    )
    t = np.tanh(W @ x + b)[:, 0]
    for i, j, k in itertools.product(range(3), range(3), range(4)):
        assert got[i, j, k] == pytest.approx((1 - t[i] ** 2) * x[k, 0] if i == j else 0.0)


def test_matrix_entries_of_a_call_in_any_index_order() -> None:
    X = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])
    inv = np.linalg.inv(X)
    got = mathlang.evaluate(
        typed("-inv(X)[i, k] inv(X)[l, j]", {"i": 3, "j": 3, "k": 3, "l": 3}), {"X": X}
    )
    np.testing.assert_allclose(got, -np.einsum("ik,lj->ijkl", inv, inv))
    fixed = mathlang.evaluate(typed("(X X)[2, j]", {"j": 3}), {"X": X})
    np.testing.assert_allclose(fixed, (X @ X)[1])


def test_what_is_indexed_may_use_index_names() -> None:
    """``(W e_k)[i]`` with e_k = [delta(k,1), ..] is W[i, k] for every i and k: a matrix
    times the k-th unit vector, as the engine writes a derivative by one entry."""
    rng = np.random.default_rng(5)
    W, x = rng.standard_normal((3, 4)), rng.standard_normal((4, 1))
    unit = "[delta(k,1), delta(k,2), delta(k,3), delta(k,4)]"
    got = mathlang.evaluate(typed(f"(W {unit})[i] + x[k]", {"i": 3, "k": 4}), {"W": W, "x": x})
    np.testing.assert_allclose(got, W + x[:, 0][None, :])
    batched = mathlang.evaluate(
        typed(f"(W {unit})[i]", {"i": 3, "k": 4}), {"W": np.stack([W, 2 * W]), "x": x}
    )
    np.testing.assert_allclose(batched, np.stack([W, 2 * W]))
    with pytest.raises(MathError, match="index combinations"):
        typed(f"(W {unit})[i] delta(m, n)", {"i": 3, "k": 4, "m": 400, "n": 300})


@pytest.mark.parametrize(
    ("text", "indices", "says"),
    [
        ("inv(X)[i]", {"i": 3}, "two indices"),
        ("(W x)[k]", {"k": 4}, "1..3"),
    ],
)
def test_errors_name_what_is_wrong(text: str, indices: dict[str, int], says: str) -> None:
    with pytest.raises(MathError) as err:
        typed(text, indices)
    assert says in str(err.value)


def test_printed_and_typeset_with_the_bracket() -> None:
    node = mathlang.parse("(W x + b)[i] tanh(W x)[i]")
    assert mathlang.to_text(node) == "(W x + b)[i] tanh(W x)[i]"
    assert mathlang.to_text(mathlang.parse(mathlang.to_text(node))) == mathlang.to_text(node)
    latex = mathlang.to_latex(node)
    assert r"{\left(W x + b\right)}_{i}" in latex
    assert r"{\tanh\left(W x\right)}_{i}" in latex
