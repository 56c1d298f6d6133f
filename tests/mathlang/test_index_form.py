"""Index form (Learned-Miller §3): a scalar expression in named 1-based indices is a
tensor; checked shapes and errors, and evaluation against a loop over every entry."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import mathlang
from app.mathlang.ast import Binary, Call, Index, Name, Node, Number, Unary
from app.mathlang.errors import MathError
from tests.randomness import scaled

SHAPES = {"x": (4, 1), "r": (1, 3), "W": (3, 4), "A": (3, 3), "s": (1, 1)}
INDICES = {"i": 3, "j": 3, "k": 4}


def typed(text: str, indices=INDICES, shapes=SHAPES):
    return mathlang.check(mathlang.parse(text), shapes, indices=indices)


def test_shape_is_the_index_sizes_in_the_given_order():
    assert typed("delta(i,j) * x[k]").shape == (3, 3, 4)
    assert typed("delta(i,j) * x[k]", indices={"k": 4, "j": 3, "i": 3}).shape == (4, 3, 3)
    assert typed("W[i, k]", indices={"i": 3, "k": 4}).shape == (3, 4)


def test_values_dy_dW_for_y_equals_Wx():
    """y = W x: dy_i/dW_{j,k} = delta_ij x_k, the sparse 3-D derivative."""
    x = np.array([[1.5], [-2.0], [0.25], [4.0]])
    got = mathlang.evaluate(typed("delta(i,j) * x[k]"), {"x": x})
    for i, j, k in itertools.product(range(3), range(3), range(4)):
        assert got[i, j, k] == (x[k, 0] if i == j else 0.0)


def test_matrix_entries_and_transposed_order():
    W = np.arange(12.0).reshape(3, 4)
    got = mathlang.evaluate(typed("W[i, k]", indices={"k": 4, "i": 3}), {"W": W})
    np.testing.assert_array_equal(got, W.T)


def test_row_vector_index_and_fixed_positions():
    r = np.array([[2.0, 3.0, 5.0]])
    W = np.arange(12.0).reshape(3, 4)
    got = mathlang.evaluate(
        typed("r[i] + W[2, k] + s", indices={"i": 3, "k": 4}), {"r": r, "W": W, "s": 0.5}
    )
    np.testing.assert_array_equal(got, r.T + W[1][None, :] + 0.5)


def test_index_names_are_numbers_and_whole_expressions_broadcast():
    A = np.arange(9.0).reshape(3, 3)
    got = mathlang.evaluate(
        typed("i * A[i, j] + sum(A) - [i==j]", indices={"i": 3, "j": 3}), {"A": A}
    )
    expected = np.arange(1.0, 4.0)[:, None] * A + A.sum() - np.eye(3)
    np.testing.assert_array_equal(got, expected)


def test_batched_index_form_equals_a_loop():
    rng = np.random.default_rng(11)
    values = {
        "W": rng.normal(size=(2, 5, 3, 4)),
        "x": rng.normal(size=(5, 4, 1)),
        "s": rng.normal(size=(2, 1, 1, 1)),
    }
    t = typed("W[i, k] x[k] s + delta(i, j)", indices={"i": 3, "j": 3, "k": 4})
    got = mathlang.evaluate(t, values)
    assert got.shape == (2, 5, 3, 3, 4)
    for a, b in itertools.product(range(2), range(5)):
        one = {"W": values["W"][a, b], "x": values["x"][b], "s": values["s"][a, 0]}
        np.testing.assert_allclose(got[a, b], mathlang.evaluate(t, one), rtol=1e-14)


@pytest.mark.parametrize(
    ("text", "indices", "kind", "message"),
    [
        (
            "x[i]",
            {"i": 3},
            "shape",
            "x[i]: the index i runs over 1..3, but this position of x runs over 1..4",
        ),
        (
            "W[k, i]",
            {"i": 3, "k": 4},
            "shape",
            "the index k runs over 1..4, but this position of W runs over 1..3",
        ),
        ("x[q]", {"i": 3}, "unknown_name", "unknown index 'q'"),
        ("W[i]", {"i": 3}, "shape", "W is a 3x4 matrix and needs two indices"),
        ("x[5]", {"i": 3}, "shape", "the position 5 is outside 1..4"),
        (
            "x",
            {"i": 4},
            "shape",
            "in index form the expression is one entry (a scalar), but x is 4x1",
        ),
        ("I[i, i]", {"i": 3}, "shape", "only declared variables can be indexed"),
        ("delta(i, x)", {"i": 4}, "shape", "x is 4x1, but an argument of delta must be a scalar"),
    ],
)
def test_index_form_errors(text, indices, kind, message):
    with pytest.raises(MathError) as info:
        typed(text, indices=indices)
    assert info.value.kind == kind
    assert message in info.value.message


def test_name_both_variable_and_index():
    with pytest.raises(MathError) as info:
        typed("s + x[k]", indices={"s": 2, "k": 4})
    assert "s is both a variable and an index" in info.value.message


def test_bad_index_size():
    with pytest.raises(MathError):
        typed("x[k]", indices={"k": 0})


def test_large_index_tensor_is_a_limit():
    with pytest.raises(MathError) as info:
        typed("delta(i, j) delta(k, l)", indices={"i": 40, "j": 40, "k": 40, "l": 40})
    assert info.value.kind == "limit"


# --- property: index-form evaluation equals a loop over every entry -----------------

INDEXABLE = {"x": ("k",), "r": ("i",), "W": ("i", "k"), "A": ("i", "j")}


@st.composite
def index_expr(draw: st.DrawFn, depth: int = 3) -> Node:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(["entry", "delta", "index", "number", "scalar"]))
        if leaf == "entry":
            name = draw(st.sampled_from(sorted(INDEXABLE)))
            return Index(Name(name), tuple(Name(i) for i in INDEXABLE[name]))
        if leaf == "delta":
            return Call(
                "delta", (Name(draw(st.sampled_from("ijk"))), Name(draw(st.sampled_from("ijk"))))
            )
        if leaf == "index":
            return Name(draw(st.sampled_from("ijk")))
        if leaf == "number":
            return Number(draw(st.sampled_from([0.5, 2.0, 3.0])))
        return Name("s")
    kind = draw(st.sampled_from(["+", "-", "*", "sin", "neg", "relu", "sum"]))
    if kind in ("+", "-", "*"):
        return Binary(kind, draw(index_expr(depth - 1)), draw(index_expr(depth - 1)))
    if kind == "neg":
        return Unary("-", draw(index_expr(depth - 1)))
    if kind == "sum":
        return Binary("*", Call("sum", (Name("W"),)), draw(index_expr(depth - 1)))
    return Call(kind, (draw(index_expr(depth - 1)),))


def entry(node: Node, values: dict[str, np.ndarray], at: dict[str, int]) -> float:
    """The value of one entry, with the indices fixed to ``at`` (1-based)."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return float(at[node.name]) if node.name in at else float(values[node.name][0, 0])
    if isinstance(node, Index):
        base = values[node.base.name]
        positions = [at[i.name] - 1 for i in node.indices]  # type: ignore[attr-defined]
        return float(
            base.ravel()[positions[0]] if len(positions) == 1 else base[positions[0], positions[1]]
        )
    if isinstance(node, Unary):
        return -entry(node.operand, values, at)
    if isinstance(node, Binary):
        a, b = entry(node.left, values, at), entry(node.right, values, at)
        return {"+": a + b, "-": a - b, "*": a * b}[node.op]
    assert isinstance(node, Call)
    if node.func == "delta":
        return float(at[node.args[0].name] == at[node.args[1].name])  # type: ignore[attr-defined]
    if node.func == "sum":
        return float(values["W"].sum())
    a = entry(node.args[0], values, at)
    return float(np.sin(a)) if node.func == "sin" else max(a, 0.0)


@settings(max_examples=scaled(40), deadline=None)
@given(tree=index_expr(), seed=st.integers(0, 2**32 - 1))
def test_index_form_equals_entry_loop(tree, seed):
    sizes = {"i": 3, "j": 3, "k": 4}
    t = mathlang.check(tree, SHAPES, indices=sizes)
    rng = np.random.default_rng(seed)
    values = {name: rng.normal(size=shape) for name, shape in SHAPES.items()}
    got = mathlang.evaluate(t, values)
    assert got.shape == (3, 3, 4)
    for i, j, k in itertools.product(range(1, 4), range(1, 4), range(1, 5)):
        expected = entry(tree, values, {"i": i, "j": j, "k": k})
        assert got[i - 1, j - 1, k - 1] == pytest.approx(expected, rel=1e-12, abs=1e-12)
