"""LaTeX rendering: the spellings of the preview, minimal parentheses, and safety (no
command can come from the learner's text)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings

from app import mathlang
from app.mathlang.ast import Call, Index, Name, Number
from app.mathlang.latex import shape_label, to_latex
from tests.mathlang.strategies import trees
from tests.randomness import scaled


def tex(text: str) -> str:
    return to_latex(mathlang.parse(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("W x", "W x"),
        ("W x + b", "W x + b"),
        ("x^T A x", r"x^{\top} A x"),
        ("x' A x", r"x^{\top} A x"),
        ("2 A^T (A x - b)", r"2 A^{\top} \left(A x - b\right)"),
        ("diag(x) - x x^T", r"\operatorname{diag}\left(x\right) - x x^{\top}"),
        ("relu(X w + b)", r"\operatorname{relu}\left(X w + b\right)"),
        ("sigmoid(z)", r"\sigma\left(z\right)"),
        ("x .* y", r"x \odot y"),
        ("x ⊙ y", r"x \odot y"),
        ("x ./ y", r"x \oslash y"),
        ("x .^ 2", r"x^{\circ 2}"),
        ("A^-1", "A^{-1}"),
        ("inv(A)", "A^{-1}"),
        ("inv(A B)", r"\left(A B\right)^{-1}"),
        ("det(A) inv(A)^T", r"\det\left(A\right) \left(A^{-1}\right)^{\top}"),
        ("ones(4)^T x", r"\mathbf{1}_{4}^{\top} x"),
        ("x + ones", r"x + \mathbf{1}"),
        ("z I + A", "z I + A"),
        ("eye(3)", "I_{3}"),
        ("zeros(2, 3)", r"\mathbf{0}_{2 \times 3}"),
        ("kron(eye(2), W)", r"I_{2} \otimes W"),
        ("[3 x^2 y, 2x + y^8]", r"\begin{bmatrix} 3 x^{2} y \\ 2 x + y^{8} \end{bmatrix}"),
        ("[[a, b], [c, d]]", r"\begin{bmatrix} a & b \\ c & d \end{bmatrix}"),
        ("delta(i,j) * x[k]", r"\delta_{ij} x_{k}"),
        ("[i==j]", r"\delta_{ij}"),
        ("W[i, k]", "W_{i,k}"),
        ("log(sin(x^3)^2)", r"\log\left(\sin\left(x^{3}\right)^{2}\right)"),
        ("trace(X^T A X)", r"\operatorname{tr}\left(X^{\top} A X\right)"),
        ("tr(A)", r"\operatorname{tr}\left(A\right)"),
        ("softmax(x)", r"\operatorname{softmax}\left(x\right)"),
        ("sqrt(x)", r"\sqrt{x}"),
        ("abs(x)", r"\left|x\right|"),
        ("norm(x)", r"\left\|x\right\|"),
        ("max(0, z)", r"\max\left(0, z\right)"),
        ("1 / (1 + exp(-z))", r"\frac{1}{1 + \exp\left(-z\right)}"),
        ("(a / b)^2", r"\left(\frac{a}{b}\right)^{2}"),
        ("2 * 3", r"2 \cdot 3"),
        ("x * -2", r"x \left(-2\right)"),
        ("a - (b - c)", r"a - \left(b - c\right)"),
        ("a - b - c", "a - b - c"),
        ("-(a + b)", r"-\left(a + b\right)"),
        ("(-x)^2", r"\left(-x\right)^{2}"),
        ("(A B)^T", r"\left(A B\right)^{\top}"),
        ("(x^T)^T", r"\left(x^{\top}\right)^{\top}"),
        ("1e-3 x", r"10^{-3} x"),
        ("2.5e4", r"2.5 \times 10^{4}"),
        ("0.5 x", "0.5 x"),
        (
            "mean((y - relu(X w + b)).^2)",
            r"\operatorname{mean}\left(\left(y - \operatorname{relu}\left(X w + b\right)\right)"
            r"^{\circ 2}\right)",
        ),
    ],
)
def test_spellings(text, expected):
    assert tex(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("x", "x"),
        ("x1", "x_{1}"),
        ("W12", "W_{12}"),
        ("alpha", r"\alpha"),
        ("Sigma", r"\Sigma"),
        ("loss", r"\mathit{loss}"),
        ("w_2", r"\mathit{w\_2}"),
        ("href", r"\mathit{href}"),
    ],
)
def test_names(name, expected):
    assert to_latex(Name(name)) == expected


def test_hostile_names_and_functions_cannot_inject_commands():
    assert to_latex(Name(r"\href{javascript:alert(1)}{x}")) == r"\mathit{hrefjavascriptalert1x}"
    out = to_latex(Call(r"\url{x}", (Name("x"),)))
    assert "\\url" not in out and out.startswith(r"\operatorname{urlx}")
    assert to_latex(Index(Name("x1"), (Name("k"),))) == "{x_{1}}_{k}"


def test_numbers_are_respelled_from_their_value_when_the_text_is_odd():
    assert to_latex(Number(3.0, text=r"3\href")) == "3"
    assert to_latex(Number(0.125, text="")) == "0.125"
    assert to_latex(Number(-2.0, text="-2")) == "-2"
    assert to_latex(Number(float("inf"))) == r"\infty"


def test_shape_label():
    assert shape_label((3, 4)) == "3×4"
    assert shape_label((1, 1)) == "1×1"
    assert shape_label((3, 3, 4)) == "3×3×4"


ALLOWED = {
    "left", "right", "top", "frac", "odot", "oslash", "circ", "cdot", "times", "otimes",
    "mathbf", "mathit", "mathrm", "operatorname", "begin", "end", "sqrt", "delta", "sigma",
    "exp", "log", "ln", "sin", "cos", "tan", "tanh", "max", "min", "det", "infty", "alpha",
    "_",
}  # fmt: skip


@settings(max_examples=scaled(150), deadline=None)
@given(trees())
def test_any_tree_renders_with_known_commands_and_balanced_braces(tree):
    out = to_latex(tree)
    commands = set(re.findall(r"\\([A-Za-z]+|_)", out))
    assert commands <= ALLOWED
    depth = 0
    for ch in out.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert out.count(r"\left") == out.count(r"\right")
