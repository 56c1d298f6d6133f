"""Property: evaluating random well-shaped trees (batched) agrees with a plain recursive
numpy reference written here, one unbatched instance at a time.

The generator builds a tree *for* a target shape, so every draw passes the shape checker;
the checker's inferred shape must equal the target. Values and operations are kept
bounded (inverses only of diagonally dominant matrices, divisions by numbers >= 2) so the
comparison is about the evaluator, not about conditioning.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app import mathlang
from app.mathlang.ast import (
    Binary,
    Call,
    Index,
    Matrix,
    Name,
    Node,
    Number,
    Transpose,
    Unary,
    Vector,
    walk,
)
from app.mathlang.errors import MathError
from tests.mathlang.strategies import trees
from tests.randomness import scaled

SIZES = (1, 2, 3)
VARIABLES = {f"m{r}{c}": (r, c) for r in SIZES for c in SIZES}
ELEMENTWISE = ("sin", "cos", "tanh", "sigmoid", "relu", "step", "abs")


def _var(shape: tuple[int, int]) -> Name:
    return Name(f"m{shape[0]}{shape[1]}")


def _num(value: float) -> Number:
    return Number(value, text=repr(value))


@st.composite
def expr(draw: st.DrawFn, shape: tuple[int, int], depth: int = 3) -> Node:
    """A random tree whose shape is ``shape``."""
    rows, cols = shape
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        if shape == (1, 1) and draw(st.booleans()):
            return _num(draw(st.sampled_from([0.5, 2.0, -1.5, 3.0])))
        return _var(shape)
    sub = lambda s: expr(s, depth - 1)  # noqa: E731
    k = draw(st.sampled_from(SIZES))
    options = ["add", "sub", "hadamard", "matmul", "transpose", "func", "neg", "max", "scale"]
    options += ["epow", "divide", "outer", "kron", "literal"]
    if shape != (1, 1):
        options += ["context"]
    if shape == (1, 1):
        options += ["reduce", "trace", "det", "dot", "power", "entry"]
    if rows == cols:
        options += ["inv", "mpower"]
        if rows > 1:
            options += ["diag_matrix"]
    if cols == 1:
        options += ["softmax", "diag_vector"]
    choice = draw(st.sampled_from(options))
    if choice in ("add", "sub", "hadamard", "max"):
        left, right = draw(sub(shape)), draw(sub(shape))
        if choice == "max":
            return Call(draw(st.sampled_from(["max", "min"])), (left, right))
        return Binary({"add": "+", "sub": "-", "hadamard": ".*"}[choice], left, right)  # type: ignore[arg-type]
    if choice == "matmul":
        op = (
            "@" if (rows, k) == (1, 1) or (k, cols) == (1, 1) else draw(st.sampled_from(["*", "@"]))
        )
        return Binary(op, draw(sub((rows, k))), draw(sub((k, cols))))
    if choice == "transpose":
        return Transpose(draw(sub((cols, rows))))
    if choice == "func":
        return Call(draw(st.sampled_from(ELEMENTWISE)), (draw(sub(shape)),))
    if choice == "neg":
        return Unary("-", draw(sub(shape)))
    if choice == "scale":
        pair = (draw(sub((1, 1))), draw(sub(shape)))
        return Binary("*", *(pair if draw(st.booleans()) else pair[::-1]))
    if choice == "epow":
        return Binary(".^", draw(sub(shape)), _num(draw(st.sampled_from([2.0, 3.0]))))
    if choice == "divide":
        denominator = Binary("+", _num(2.0), Call("sigmoid", (draw(sub((1, 1))),)))
        op = draw(st.sampled_from(["/", "./"]))
        return Binary(op, draw(sub(shape)), denominator)
    if choice == "outer":
        return Call("outer", (draw(sub((rows, 1))), draw(sub((cols, 1)))))
    if choice == "kron":
        return Call("kron", (draw(sub((rows, 1))), draw(sub((1, cols)))))
    if choice == "literal":
        entries = [[draw(sub((1, 1))) for _ in range(cols)] for _ in range(rows)]
        if cols == 1 and draw(st.booleans()):
            return Vector(tuple(row[0] for row in entries))
        return Matrix(tuple(tuple(row) for row in entries))
    if choice == "context":
        if rows == cols:
            return Binary("+", draw(sub(shape)), Name("I"))
        if cols == 1:
            return Binary("-", draw(sub(shape)), Name("ones"))
        return Binary("*", Name("I"), draw(sub(shape)))
    if choice == "reduce":
        return Call(
            draw(st.sampled_from(["sum", "mean", "norm"])),
            (draw(sub((k, draw(st.sampled_from(SIZES))))),),
        )
    if choice == "trace":
        return Call("trace", (draw(sub((k, k))),))
    if choice == "det":
        return Call("det", (draw(sub((k, k))),))
    if choice == "dot":
        return Call("dot", (draw(sub((k, 1))), draw(sub((k, 1)))))
    if choice == "power":
        return Binary("^", draw(sub((1, 1))), _num(draw(st.sampled_from([2.0, 3.0]))))
    if choice == "entry":
        r, c = draw(st.sampled_from(SIZES)), draw(st.sampled_from(SIZES))
        return Index(
            _var((r, c)),
            (_num(float(draw(st.integers(1, r)))), _num(float(draw(st.integers(1, c))))),
        )
    if choice == "inv":
        dominant = Binary(
            "+",
            Call("sigmoid", (draw(sub(shape)),)),
            Binary("*", _num(4.0), Call("eye", (_num(float(rows)),))),
        )
        return Call("inv", (dominant,))
    if choice == "mpower":
        return Binary("^", Call("tanh", (draw(sub(shape)),)), _num(float(draw(st.integers(0, 3)))))
    if choice == "diag_matrix":
        return (
            Call("diag", (draw(sub((rows, rows))),))
            if cols == 1
            else Call("diag", (draw(sub((rows, 1))),))
        )
    if choice == "diag_vector":
        return Call("diag", (draw(sub((rows, rows))),)) if rows > 1 else draw(sub(shape))
    # softmax
    return Call("softmax", (draw(sub(shape)),))


def _diag(v: np.ndarray) -> np.ndarray:
    if v.shape[0] == v.shape[1] > 1:
        return np.diagonal(v).reshape(-1, 1)
    return np.diag(v.ravel())


def reference(
    node: Node, values: dict[str, np.ndarray], shapes: dict[int, tuple[int, int]]
) -> np.ndarray:
    """Plain recursive evaluation of one unbatched instance with textbook numpy calls."""
    if isinstance(node, Number):
        return np.array([[node.value]])
    if isinstance(node, Name):
        if node.name == "I":
            return np.eye(shapes[id(node)][0])
        if node.name == "ones":
            return np.ones(shapes[id(node)])
        return values[node.name]
    if isinstance(node, Index):
        base = values[node.base.name]
        r, c = (int(i.value) - 1 for i in node.indices)  # type: ignore[attr-defined]
        return np.array([[base[r, c]]])
    kids = [reference(child, values, shapes) for child in node.children()]
    if isinstance(node, Unary):
        return -kids[0]
    if isinstance(node, Transpose):
        return kids[0].T
    if isinstance(node, Vector):
        return np.array([[k[0, 0]] for k in kids])
    if isinstance(node, Matrix):
        width = len(node.rows[0])
        return np.array(
            [[kids[r * width + c][0, 0] for c in range(width)] for r in range(len(node.rows))]
        )
    if isinstance(node, Binary):
        a, b = kids
        if node.op == "*":
            return a * b if a.size == 1 or b.size == 1 else a @ b
        if node.op == "^":
            return a**b if a.shape == (1, 1) else np.linalg.matrix_power(a, int(node.right.value))  # type: ignore[attr-defined]
        return {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "@": lambda: a @ b,
            ".*": lambda: a * b,
            "./": lambda: a / b,
            "/": lambda: a / b,
            ".^": lambda: a**b,
        }[node.op]()
    assert isinstance(node, Call)
    a = kids[0]
    table = {
        "sin": np.sin,
        "cos": np.cos,
        "tanh": np.tanh,
        "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
        "relu": lambda v: np.where(v > 0, v, 0.0),
        "step": lambda v: np.where(v > 0, 1.0, 0.0),
        "abs": np.abs,
        "sum": lambda v: np.array([[v.sum()]]),
        "mean": lambda v: np.array([[v.mean()]]),
        "norm": lambda v: np.array([[np.sqrt((v**2).sum())]]),
        "trace": lambda v: np.array([[np.trace(v)]]),
        "det": lambda v: np.array([[np.linalg.det(v)]]),
        "inv": np.linalg.inv,
        "softmax": lambda v: np.exp(v) / np.exp(v).sum(),
        "eye": lambda v: np.eye(int(v[0, 0])),
        "diag": _diag,
    }
    if node.func in table:
        return table[node.func](a)
    b = kids[1]
    return {
        "max": lambda: np.maximum(a, b),
        "min": lambda: np.minimum(a, b),
        "dot": lambda: a.T @ b,
        "outer": lambda: a @ b.T,
        "kron": lambda: np.kron(a, b),
    }[node.func]()


@settings(max_examples=scaled(60), deadline=None)
@given(
    shape=st.sampled_from([(r, c) for r in SIZES for c in SIZES]),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
def test_batched_evaluation_agrees_with_reference(shape, data, seed):
    tree = data.draw(expr(shape))
    typed = mathlang.check(tree, VARIABLES, expected=shape)
    assert typed.shape == shape
    rng = np.random.default_rng(seed)
    batched = {name: rng.uniform(-1.0, 1.0, size=(3, *s)) for name, s in VARIABLES.items()}
    got = mathlang.evaluate(typed, batched, finite=False)
    assert got.shape == (3, *shape)
    for b in range(3):
        one = {name: value[b] for name, value in batched.items()}
        expected = reference(tree, one, dict(typed.node_shapes))
        scale = 1.0 + float(np.nanmax(np.abs(expected), initial=0.0))
        np.testing.assert_allclose(got[b], expected, rtol=1e-9, atol=1e-9 * scale, equal_nan=True)


# --- property: any tree the parser can build is checked and evaluated without surprises --

ANY_VARIABLES = {"x": (3, 1), "y": (1, 3), "z": (1, 1), "A": (3, 3), "W": (3, 4), "b": (3, 1)}
ANY_VARIABLES |= {
    "e": (1, 1),
    "T": (3, 3),
    "Tx": (1, 1),
    "X1": (4, 3),
    "w_2": (4, 1),
    "alpha": (1, 1),
}


@settings(max_examples=scaled(150), deadline=None)
@given(tree=trees(), indexed=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_random_trees_raise_only_language_errors(tree, indexed, seed):
    """Shape errors, unknown names, limits and domain errors are values; nothing else escapes."""
    indices = {"i": 3, "j": 3, "k": 4} if indexed else None
    try:
        typed = mathlang.check(tree, ANY_VARIABLES, indices=indices, expected=(3, 3))
    except MathError as err:
        assert err.kind in ("shape", "unknown_name", "limit", "syntax")
        assert err.message
        return
    for node in walk(tree):
        assert id(node) in typed.node_shapes
    rng = np.random.default_rng(seed)
    values = {name: rng.normal(size=(2, *shape)) for name, shape in ANY_VARIABLES.items()}
    try:
        got = mathlang.evaluate(typed, values)
    except MathError as err:
        assert err.kind == "domain"
        return
    assert got.shape == (2, *typed.shape)
    assert np.isfinite(got).all()
