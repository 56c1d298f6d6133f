"""Shape inference: the rules of DESIGN §3, context-sized constants, every shape-error
kind with its message, unknown names with suggestions, and the 10^6-entry limit."""

from __future__ import annotations

import pytest

from app import mathlang
from app.mathlang.ast import Binary, Call, Name, Number, walk
from app.mathlang.errors import MathError

V = {
    "W": (3, 4),
    "x": (3, 1),
    "y": (4, 1),
    "v": (4, 1),
    "A": (3, 3),
    "r": (1, 4),
    "z": (1, 1),
    "w": (1, 1),
    "X": (5, 3),
}


def shape(text: str, **kw) -> tuple[int, ...]:
    return mathlang.check(mathlang.parse(text), V, **kw).shape


def error(text: str, variables=V, **kw) -> MathError:
    with pytest.raises(MathError) as info:
        mathlang.check(mathlang.parse(text), variables, **kw)
    return info.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("z", (1, 1)),
        ("W y", (3, 1)),
        ("W * y", (3, 1)),
        ("W @ y", (3, 1)),
        ("r y", (1, 1)),
        ("y r", (4, 4)),
        ("2 W", (3, 4)),
        ("W z", (3, 4)),
        ("z * W", (3, 4)),
        ("x + z", (3, 1)),
        ("z - x", (3, 1)),
        ("y .* v", (4, 1)),
        ("y ./ v", (4, 1)),
        ("y .^ 2", (4, 1)),
        ("2 .^ y", (4, 1)),
        ("W / z", (3, 4)),
        ("W / W", (3, 4)),
        ("z^2", (1, 1)),
        ("A^3", (3, 3)),
        ("A^-1", (3, 3)),
        ("A^0", (3, 3)),
        ("W^T", (4, 3)),
        ("W'", (4, 3)),
        ("W.T", (4, 3)),
        ("transpose(W)", (4, 3)),
        ("-W", (3, 4)),
        ("sin(W)", (3, 4)),
        ("sigmoid(x) .* relu(x)", (3, 1)),
        ("sum(W)", (1, 1)),
        ("mean(W)", (1, 1)),
        ("norm(x)", (1, 1)),
        ("dot(y, v)", (1, 1)),
        ("dot(r, y)", (1, 1)),
        ("outer(x, y)", (3, 4)),
        ("kron(W, x)", (9, 4)),
        ("diag(x)", (3, 3)),
        ("diag(r)", (4, 4)),
        ("diag(A)", (3, 1)),
        ("trace(A)", (1, 1)),
        ("tr(A)", (1, 1)),
        ("det(A)", (1, 1)),
        ("logdet(A)", (1, 1)),
        ("inv(A)", (3, 3)),
        ("softmax(x)", (3, 1)),
        ("softmax(r)", (1, 4)),
        ("max(x, 0)", (3, 1)),
        ("min(z, x)", (3, 1)),
        ("step(W)", (3, 4)),
        ("ones(3)", (3, 1)),
        ("ones(2, 5)", (2, 5)),
        ("zeros(4)", (4, 1)),
        ("zeros(2, 3)", (2, 3)),
        ("eye(3)", (3, 3)),
        ("[z, w, 1]", (3, 1)),
        ("[[z, w], [1, 2], [3, z w]]", (3, 2)),
        ("x[2]", (1, 1)),
        ("W[3, 4]", (1, 1)),
    ],
)
def test_shape_rules(text, expected):
    assert shape(text) == expected


@pytest.mark.parametrize(
    ("text", "expected_kw", "result"),
    [
        ("z I + A", None, (3, 3)),
        ("A - I", None, (3, 3)),
        ("I + A", None, (3, 3)),
        ("x + ones", None, (3, 1)),
        ("ones^T x", None, (1, 1)),
        ("W + ones", None, (3, 4)),
        ("W .* ones - W", None, (3, 4)),
        ("x^T + ones", None, (1, 3)),
        ("W I", None, (3, 4)),
        ("I W", None, (3, 4)),
        ("diag(ones) A", None, (3, 3)),
        ("dot(ones, y)", None, (1, 1)),
        ("z I", (3, 3), (3, 3)),
        ("I", (4, 4), (4, 4)),
        ("ones", (5, 1), (5, 1)),
        ("ones", (1, 3), (1, 3)),
        ("ones", (2, 3), (2, 3)),
        ("0", (3, 4), (3, 4)),
        ("2 I - A", None, (3, 3)),
    ],
)
def test_context_sized(text, expected_kw, result):
    assert shape(text, expected=expected_kw) == result


def test_expected_does_not_override_a_known_shape():
    """A known, different shape is the grader's wrong_shape, not a checking error."""
    assert shape("W y", expected=(4, 1)) == (3, 1)
    assert shape("x", expected=(1, 3)) == (3, 1)


def test_node_shapes_cover_every_node():
    tree = mathlang.parse("z I + W W^T")
    typed = mathlang.check(tree, V)
    for node in walk(tree):
        assert id(node) in typed.node_shapes
    identity = next(n for n in walk(tree) if isinstance(n, Name) and n.name == "I")
    assert typed.node_shapes[id(identity)] == (3, 3)


def test_shared_node_object_gets_one_shape():
    identity = Name("I")
    tree = Binary("+", Binary("*", Name("A"), identity), identity)
    typed = mathlang.check(tree, {"A": (2, 2)})
    assert typed.node_shapes[id(identity)] == (2, 2)


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("W x", "shape", "W x: W is 3x4 and x is 3x1; the inner sizes 4 and 3 differ"),
        ("x^T y", "shape", "x^T y: x^T is 1x3 and y is 4x1; the inner sizes 3 and 4 differ"),
        ("W @ z", "shape", "W @ z: W is 3x4 and z is 1x1; the inner sizes 4 and 1 differ"),
        (
            "x + y",
            "shape",
            "x + y: x is 3x1 and y is 4x1; + needs equal shapes (or a scalar on one side)",
        ),
        ("x .* y", "shape", "x .* y: x is 3x1 and y is 4x1; .* needs equal shapes"),
        ("W / x", "shape", "W / x: W is 3x4 and x is 3x1; / divides by a scalar, or element-wise"),
        ("1 / x", "shape", "write 1 ./ x"),
        ("x^2", "shape", "x^2: x is a vector (3x1) and has no power; write x.^2"),
        ("x^2", "shape", "or x^T x for the squared length"),
        ("W^2", "shape", "W^2: W is 3x4, not square"),
        ("2^x", "shape", "2^x: the exponent x is 3x1; ^ needs a scalar exponent"),
        ("A^z", "shape", "A^z: a matrix power needs a whole-number exponent"),
        ("A^1.5", "shape", "a matrix power needs a whole-number exponent"),
        ("A^100", "limit", "A^100: matrix powers are limited to exponents from -64 to 64"),
        ("trace(W)", "shape", "trace(W): trace needs a square matrix, but W is 3x4"),
        ("det(x)", "shape", "det(x): det needs a square matrix, but x is 3x1"),
        ("inv(W)", "shape", "inv(W): inv needs a square matrix, but W is 3x4"),
        (
            "dot(x, y)",
            "shape",
            "dot(x, y): x is 3x1 and y is 4x1; dot needs two vectors of the same length",
        ),
        ("dot(W, y)", "shape", "dot(W, y): dot needs vectors, but W is 3x4"),
        ("outer(W, x)", "shape", "outer(W, x): outer needs vectors, but W is 3x4"),
        (
            "diag(W)",
            "shape",
            "diag(W): diag needs a vector (to make a diagonal matrix) or a square matrix",
        ),
        ("softmax(W)", "shape", "softmax(W): softmax needs vectors, but W is 3x4"),
        ("max(x, y)", "shape", "max(x, y): x is 3x1 and y is 4x1; max needs equal shapes"),
        ("ones(0)", "shape", "ones(0): the size 0 must be a positive whole number"),
        ("ones(2.5)", "shape", "the size 2.5 must be a positive whole number"),
        ("ones(z)", "shape", "ones(z): the size z must be a positive whole number"),
        ("[x, z]", "shape", "x is 3x1, but an entry of a vector literal must be a scalar"),
        (
            "[[z, W], [1, 2]]",
            "shape",
            "W is 3x4, but an entry of a matrix literal must be a scalar",
        ),
        ("I", "shape", "the size of I cannot be inferred from where it stands; write eye(n)"),
        ("ones", "shape", "the size of ones cannot be inferred"),
        ("trace(I)", "shape", "the size of I cannot be inferred"),
        ("kron(I, W)", "shape", "kron(I, W): the size of I cannot be inferred here"),
        ("A + I x", "shape", "A + I x: A is 3x3 and I x is 3x1; + needs equal shapes"),
        ("sin(x, x)", "syntax", "sin takes 1 argument, not 2"),
        ("W[i]", "shape", "W[i]: W is a 3x4 matrix and needs two indices"),
        ("x[4]", "shape", "x[4]: the position 4 is outside 1..3"),
        ("x[k]", "unknown_name", "unknown index 'k'"),
    ],
)
def test_errors(text, kind, message):
    err = error(text)
    assert err.kind == kind
    assert message in err.message


def test_error_positions_point_into_the_text():
    assert error("A + W x").position == 4
    assert error("z + trace(W)").position == 4
    assert error("A^100").position == 2
    assert error("x[4]").position == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wx", "unknown name 'wx'; did you mean 'w x'"),
        ("Wy", "did you mean 'W y'"),
        ("xx", "did you mean 'x x'"),
        ("sine(x)", "did you mean 'sin'"),
        ("sigmod(x)", "did you mean 'sigmoid'"),
        ("Xx", "'X x'"),
        ("q", "unknown name 'q'"),
    ],
)
def test_unknown_names_with_suggestions(text, message):
    err = error(text, {"w": (1, 1), "x": (3, 1), "W": (3, 3), "y": (3, 1), "X": (3, 3)})
    assert err.kind == "unknown_name"
    assert message in err.message
    assert err.position == 0


def test_unknown_name_message_of_the_design():
    err = error("wx", {"w": (1, 1), "x": (3, 1), "W": (3, 3)})
    assert err.message == "unknown name 'wx'; did you mean 'w x' or 'W'?"


def test_unknown_function_in_a_hand_built_tree():
    with pytest.raises(MathError) as info:
        mathlang.check(Call("sinh", (Name("x"),)), {"x": (3, 1)})
    assert info.value.kind == "unknown_name"
    assert "unknown function 'sinh'" in info.value.message
    assert "'sin'" in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "ones(100000000)",
        "zeros(2000, 2000)",
        "eye(1001)",
        "kron(kron(kron(W, W), W), W)",
        "outer(ones(2000), ones(2000))",
        "ones(1000) ones(1001)^T",
    ],
)
def test_limit_before_any_array(text):
    err = error(text, {"W": (40, 40)})
    assert err.kind == "limit"
    assert "1,000,000" in err.message or "larger than" in err.message


def test_kron_chain_message_names_the_size():
    err = error("kron(kron(W, W), W)", {"W": (40, 40)})
    assert "kron(W, W) would be 1600x1600" in err.message


def test_limit_counts_index_combinations():
    err = error("x[i] + 0 W", {"x": (100, 1), "W": (200, 200)}, indices={"i": 100})
    assert err.kind == "limit"
    assert "index combinations" in err.message


def test_huge_number_literal_is_not_a_size():
    tree = Call("ones", (Number(float("inf")),))
    with pytest.raises(MathError) as info:
        mathlang.check(tree, {})
    assert info.value.kind in ("shape", "limit")


def test_numpy_integer_sizes_are_accepted():
    import numpy as np

    typed = mathlang.check(
        mathlang.parse("z + x[k]"),
        {"z": (np.int64(1), np.int64(1)), "x": (np.int64(4), 1)},
        indices={"k": np.int64(4)},
    )
    assert typed.shape == (4,)
    assert all(type(d) is int for d in typed.shape)


@pytest.mark.parametrize(
    "kw",
    [{"expected": (0, 3)}, {"expected": (2.5, 3)}, {"indices": {"k": 0}}, {"indices": {"k": -2}}],
)
def test_bad_sizes_are_shape_errors(kw):
    with pytest.raises(MathError) as info:
        mathlang.check(mathlang.parse("x"), {"x": (3, 1)}, **kw)
    assert info.value.kind == "shape"
    assert "positive whole sizes" in info.value.message


def test_a_node_without_index_names_counts_once():
    """sum(A) does not vary with i, so it is computed once, not once per value of i;
    what varies with i is counted once per value."""
    shapes = {"x": (100, 1), "A": (200, 200)}
    typed = mathlang.check(mathlang.parse("x[i] + sum(A)"), shapes, indices={"i": 100})
    assert typed.shape == (100,)
    err = error("x[i] + 0 A", shapes, indices={"i": 100})
    assert err.kind == "limit" and "index combinations" in err.message
