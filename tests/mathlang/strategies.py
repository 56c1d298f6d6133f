"""Hypothesis strategies for random syntax trees of the expression language.

``trees()`` draws any tree the parser can build (bounded in size, far inside the
limits), so ``parse(to_text(t)) == t`` must hold for every draw. Other tests may import
``trees``, ``names`` and ``numbers`` to build their own properties (the shape checker's
tests draw from ``trees`` and filter by their own rules).

Trees the parser never builds are left out on purpose: a :class:`Unary` applied to a
:class:`Number` (the parser folds the sign into the literal), vector literals as entries
of literals (``[[a], [b]]`` reads as a matrix), calls of ``transpose``/``ln`` (read as
:class:`Transpose` and ``log``) and names of built-in functions.
"""

from __future__ import annotations

from hypothesis import strategies as st

from app.mathlang.ast import (
    Binary,
    BinaryOp,
    Call,
    Index,
    Matrix,
    Name,
    Node,
    Number,
    Transpose,
    Unary,
    Vector,
)

NAMES = ("x", "y", "z", "A", "W", "b", "I", "ones", "e", "T", "Tx", "X1", "w_2", "alpha", "i")
FUNCTIONS = (
    "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "step",
    "max", "min", "sum", "mean", "dot", "outer", "kron", "diag", "trace", "tr", "det",
    "logdet", "inv", "norm", "softmax", "ones", "zeros", "eye", "delta",
)  # fmt: skip
BINARY_OPS: tuple[BinaryOp, ...] = ("+", "-", "*", "@", ".*", "./", "/", "^", ".^")


def names() -> st.SearchStrategy[Name]:
    return st.sampled_from(NAMES).map(Name)


def numbers() -> st.SearchStrategy[Number]:
    nice = st.sampled_from([0.0, 1.0, 2.0, 0.5, 3.0, 1e-3, 10.0, 1e20, -1.0, -2.5])
    floats = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
    return st.one_of(nice, floats).map(Number)


def _index() -> st.SearchStrategy[Index]:
    position = st.integers(min_value=1, max_value=9).map(lambda k: Number(float(k)))
    item = st.one_of(st.sampled_from(("i", "j", "k")).map(Name), position)
    return st.builds(Index, names(), st.lists(item, min_size=1, max_size=3).map(tuple))


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    entry = children.filter(lambda node: not isinstance(node, Vector))
    return st.one_of(
        st.builds(Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(
            Unary,
            st.sampled_from(("-", "+")),
            children.filter(lambda node: not isinstance(node, Number)),
        ),
        st.builds(Transpose, children),
        st.builds(
            Call,
            st.sampled_from(FUNCTIONS),
            st.lists(children, min_size=1, max_size=3).map(tuple),
        ),
        st.lists(entry, min_size=1, max_size=3).map(lambda items: Vector(tuple(items))),
        st.integers(min_value=1, max_value=3).flatmap(
            lambda width: st.lists(
                st.lists(entry, min_size=width, max_size=width).map(tuple),
                min_size=1,
                max_size=3,
            ).map(lambda rows: Matrix(tuple(rows)))
        ),
    )


def trees(max_leaves: int = 12) -> st.SearchStrategy[Node]:
    """Random trees the parser can produce, with at most ``max_leaves`` leaves."""
    leaves = st.one_of(names(), numbers(), _index())
    return st.recursive(leaves, _extend, max_leaves=max_leaves)
