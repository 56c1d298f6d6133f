"""The spoken form of an answer, and the visual editor's ASCII-math in the answer language."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.mathlang import check, evaluate, parse
from app.web.speech import spoken, spoken_shape
from app.web.visual_input import from_ascii_math


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("W^T x", "capital W transpose times x"),
        ("(A x - b)^T", "open bracket capital A times x minus b close bracket transpose"),
        ("x .* relu(z)", "x element-wise times ReLU of z"),
        ("2/N", "2 divided by capital N"),
        ("[[1, 2], [3, 4]]", "the matrix with rows 1, 2; 3, 4"),
        ("delta(i, j) * x[k]", "delta of open bracket i, j close bracket times x entry k"),
    ],
)
def test_spoken_form(text: str, words: str) -> None:
    assert spoken(parse(text)) == words


def test_spoken_shape() -> None:
    assert spoken_shape([1, 1]) == "a scalar"
    assert spoken_shape([3, 1]) == "a column of 3"
    assert spoken_shape([3, 4]) == "a 3 by 4 matrix"


def test_the_preview_carries_the_spoken_form(client: TestClient) -> None:
    response = client.post(
        "/exercises/wx-jacobian/preview",
        data={"answer": "W^T", "seed": "3"},
        headers={"HX-Request": "true"},
    )
    assert "Read as: capital W transpose, a 4 by 3 matrix." in response.text


NAMES = ["W", "x", "y", "z", "A", "b", "N", "i", "j", "k", "a"]

# What MathLive 0.111.1 reports as ASCII-math (recorded from the editor), and the language.
ASCII_CASES = [
    ("W^⊤x", "W^T x"),
    ('W^(sf "T")x', "W^T x"),
    ("(A x-b)^⊤", "(A x - b)^T"),
    ("x^′", "x^T"),
    ("x⊙y", "x .* y"),
    ("x⊘y", "x ./ y"),
    ("2 * x", "2 * x"),
    ("(a)/(b)", "(a) / (b)"),
    ("d i a g (x)", "diag(x)"),
    ("r e l u(z)", "relu(z)"),
    ("s t e p (z)", "step(z)"),
    ("t r (A)", "tr(A)"),
    ("sigma(z)", "sigmoid(z)"),
    ("e^x", "exp(x)"),
    ("exp (x)", "exp(x)"),
    ("tanh (x)", "tanh(x)"),
    ("ln (x)", "ln(x)"),
    ("sqrt(x)", "sqrt(x)"),
    ("|x|", "abs(x)"),
    ("max (a,b)", "max(a, b)"),
    ("W^(-1)", "W^-1"),
    ("x_i", "x[i]"),
    ("W_(i,j)", "W[i,j]"),
    ("delta_(i,j) x_k", "delta(i,j) x[k]"),
    ("[[1,2],[3,4]]", "[[1, 2], [3, 4]]"),
    ("Wx+b", "W x + b"),
    ("2A^⊤(Ax-b)", "2 A^T (A x - b)"),
]


@pytest.mark.parametrize(("ascii_math", "text"), ASCII_CASES)
def test_ascii_math_becomes_the_language(ascii_math: str, text: str) -> None:
    converted = from_ascii_math(ascii_math, NAMES)
    assert converted == text
    parse(converted)  # the grammar reads it


def test_the_conversion_keeps_the_value() -> None:
    """Converted text means what the typeset formula means: same numbers as written by hand."""
    rng = np.random.default_rng(0)
    values = {
        "W": rng.normal(size=(3, 2)),
        "x": rng.normal(size=(2, 1)),
        "A": rng.normal(size=(2, 2)),
        "b": rng.normal(size=(2, 1)),
    }
    shapes = {name: value.shape for name, value in values.items()}
    pairs = [
        ("2A^⊤(Ax-b)", "2 * transpose(A) @ (A @ x - b)"),
        ("(W^⊤W x)⊙x", "(transpose(W) @ W @ x) .* x"),
        ("r e l u(Ax)+e^b", "max(A @ x, 0) + exp(b)"),
    ]
    for ascii_math, reference in pairs:
        converted = from_ascii_math(ascii_math, values)
        got = evaluate(check(parse(converted), shapes), values)
        assert np.allclose(got, evaluate(check(parse(reference), shapes), values)), converted


def test_the_route_uses_the_exercise_names(client: TestClient) -> None:
    response = client.post("/exercises/wx-jacobian/from-visual", data={"ascii": "Wx", "seed": "3"})
    assert response.json() == {"text": "W x"}
