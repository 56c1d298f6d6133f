"""The printer writes the canonical text of a tree with only the parentheses it needs."""

from __future__ import annotations

import pytest

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
)
from app.mathlang.parser import parse
from app.mathlang.printer import to_text


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("((2*x)) + -(y^T)", "2 x + -y^T"),
        ("x^T A x", "x^T A x"),
        ("2 * transpose(A) * (A x - b)", "2 A^T (A x - b)"),
        ("A' x", "A^T x"),
        ("A.T x", "A^T x"),
        ("(x + y) + z", "x + y + z"),
        ("x + (y + z)", "x + (y + z)"),
        ("x - (y + z)", "x - (y + z)"),
        ("(x y) z", "x y z"),
        ("x (y z)", "x (y z)"),
        ("x / (y / z)", "x / (y / z)"),
        ("(x / y) / z", "x / y / z"),
        ("2 * 3", "2 * 3"),
        ("x * 2", "x * 2"),
        ("x * -y", "x * -y"),
        ("x * (-2)", "x * -2"),
        ("-(x y)", "-(x y)"),
        ("(-x) y", "-x y"),
        ("-(x^2)", "-x^2"),
        ("(-x)^2", "(-x)^2"),
        ("(-2)^x", "(-2)^x"),
        ("(x^2)^3", "(x^2)^3"),
        ("x^(2^3)", "x^2^3"),
        ("x^(y z)", "x^(y z)"),
        ("A^(-1)", "A^-1"),
        ("(A^-1)^T", "A^-1^T"),
        ("(A^T)^2", "A^T^2"),
        ("x^(y^T)", "x^(y^T)"),
        ("x^(T)", "x^(T)"),
        ("x^(T^2)", "x^(T^2)"),
        ("x .* (y ./ z)", "x .* (y ./ z)"),
        ("x ⊙ y ⊘ z", "x .* y ./ z"),
        ("x @ (y @ z)", "x @ (y @ z)"),
        ("ln(x)", "log(x)"),
        ("max(x, -1)", "max(x, -1)"),
        ("[i==j] x[k]", "delta(i, j) x[k]"),
        ("[[1, 2], [3, 4]]", "[[1, 2], [3, 4]]"),
        ("[x + 1, -y]", "[x + 1, -y]"),
        ("x [1, 2]", "x [1, 2]"),
        ("ones (x + y)", "ones (x + y)"),
        ("1e-3 x", "1e-3 x"),
        ("- - x", "- -x"),
    ],
)
def test_canonical_text(text: str, printed: str) -> None:
    assert to_text(parse(text)) == printed
    assert parse(printed) == parse(text)


@pytest.mark.parametrize(
    ("tree", "printed"),
    [
        (Number(2.0), "2"),
        (Number(0.1), "0.1"),
        (Number(-1.0), "-1"),
        (Number(1e20), "1e+20"),
        (Number(2.0, "2.000"), "2.000"),
        (Number(3.0, "2"), "3"),
        (Binary("^", Name("A"), Number(-1.0)), "A^-1"),
        (Binary("^", Number(-2.0), Name("x")), "(-2)^x"),
        (Binary("-", Name("x"), Number(-2.0)), "x - -2"),
        (Transpose(Number(-2.0)), "(-2)^T"),
        (Call("exp", (Unary("-", Name("x")),)), "exp(-x)"),
        (Index(Name("W"), (Name("i"), Number(2.0))), "W[i, 2]"),
        (Matrix(((Name("a"),),)), "[[a]]"),
        (Vector((Matrix(((Name("a"),),)), Name("b"))), "[[[a]], b]"),
        (Unary("+", Name("x")), "+x"),
    ],
)
def test_trees_built_by_code(tree: Node, printed: str) -> None:
    assert to_text(tree) == printed
    assert parse(printed) == tree


def test_deep_trees_print_without_recursion() -> None:
    tree: Node = Name("x")
    for _ in range(5_000):
        tree = Unary("-", Transpose(tree))
    text = to_text(tree)
    assert text.startswith("-(-(") and text.count("^T") == 5_000


def test_non_finite_numbers_have_no_text() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        to_text(Number(float("inf")))
