"""Properties of the grader over generated cases (a modest number of examples)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from app.grading import Problem, grade
from tests.randomness import scaled

FACTORS = st.sampled_from([Fraction(2), Fraction(1, 2), Fraction(3), Fraction(-3, 2), Fraction(5)])
SHAPES = st.sampled_from([(2, 3), (3, 4), (4, 2), (3, 5)])


@settings(max_examples=scaled(10), deadline=None)
@given(shape=SHAPES, factor=FACTORS, seed=st.integers(0, 2**31 - 1))
def test_a_constant_factor_is_reported(shape: tuple[int, int], factor: Fraction, seed: int) -> None:
    m, n = shape
    problem = Problem(variables={"A": f"{m}x{n}", "x": str(n)}, function="A x", wrt=["x"])
    result = grade(problem, f"({factor.numerator}/{factor.denominator}) A", seed=seed)
    assert result["verdict"] == "incorrect"
    assert result["diagnosis"] == "scaled"
    assert abs(result["factor"] - float(factor)) < 1e-9


@settings(max_examples=scaled(10), deadline=None)
@given(
    shape=SHAPES,
    seed=st.integers(0, 2**31 - 1),
    layout=st.sampled_from(["numerator", "denominator"]),
)
def test_both_layouts_of_a_quadratic_form(shape: tuple[int, int], seed: int, layout: str) -> None:
    n = shape[1]
    problem = Problem(
        variables={"A": f"{n}x{n}", "x": str(n)}, function="x^T A x", wrt=["x"], layout=layout
    )
    numerator, denominator = "x^T (A + A^T)", "(A + A^T) x"
    right, other = (numerator, denominator) if layout == "numerator" else (denominator, numerator)
    assert grade(problem, right, seed=seed)["verdict"] == "correct"
    assert grade(problem, other, seed=seed)["diagnosis"] == "transposed"
    assert grade(problem, right.replace("A + A^T", "2 A"), seed=seed)["diagnosis"] == "entries"


@settings(max_examples=scaled(8), deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 5))
def test_relu_gradient_is_never_rejected_and_the_unmasked_one_never_accepted(
    seed: int, n: int
) -> None:
    problem = Problem(
        variables={"X": f"{n + 2}x{n}", "w": str(n), "b": "scalar"},
        function="sum(relu(X w + b))",
        wrt=["w"],
    )
    assert grade(problem, "step(X w + b)^T X", seed=seed)["verdict"] == "correct"
    assert grade(problem, f"ones(1, {n + 2}) X", seed=seed)["verdict"] == "incorrect"
