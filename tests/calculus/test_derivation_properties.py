"""Property: for expressions built from the rule table, every step verifies and the
result agrees with finite differences (and the grader) at fresh instances."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calculus.derivation import derive, verify
from app.grading import Problem, grade
from app.grading.messages import UNRESOLVED
from app.mathlang import parse
from tests.randomness import scaled

VARIABLES = {"x": "3", "a": "3", "c": "scalar", "M": "2x3"}
SHAPES = {"x": (3, 1), "a": (3, 1), "c": (1, 1), "M": (2, 3)}

FUNCTIONS = ("exp", "sin", "cos", "tanh", "sigmoid", "relu")


def _not_identically_zero(parts: tuple[str, str, str]) -> bool:
    """``v - v`` is 0 everywhere: relu of it sits on its kink, where no derivative exists."""
    return not (parts[1] == "-" and parts[0] == parts[2])


def vectors(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(["x", "a", "x", "(2 x)"])
    if depth == 0:
        return leaf
    sub = vectors(depth - 1)
    scalar = scalars(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", ".*"]), sub)
        .filter(_not_identically_zero)
        .map(lambda t: f"(({t[0]}) {t[1]} ({t[2]}))"),
        st.tuples(st.sampled_from(FUNCTIONS), sub).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(scalar, sub).map(lambda t: f"({t[0]}) * ({t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"({t[0]}) ./ (2 + ({t[1]}) .* ({t[1]}))"),
        st.tuples(sub, scalar).map(lambda t: f"(({t[0]}) + ({t[1]}))"),
        sub.map(lambda v: f"softmax({v})"),
    )


def scalars(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(["c", "sum(x)", "(a^T x)"])
    if depth == 0:
        return leaf
    sub = vectors(depth - 1)
    return st.one_of(
        leaf,
        sub.map(lambda v: f"sum({v})"),
        sub.map(lambda v: f"mean({v})"),
        st.tuples(sub, sub).map(lambda t: f"dot({t[0]}, {t[1]})"),
        sub.map(lambda v: f"a^T ({v})"),
        scalars(depth - 1).map(lambda s: f"tanh({s})"),
    )


functions = st.one_of(vectors(2), scalars(2), vectors(2).map(lambda v: f"M ({v})"))


@settings(max_examples=scaled(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(function=functions, layout=st.sampled_from(["numerator", "denominator"]))
def test_derivations_verify_and_agree_with_finite_differences(function: str, layout: str) -> None:
    d = derive(function, VARIABLES, "x", layout, seed=5)
    assert all(step.verified for step in d.steps), [s.title for s in d.steps if not s.verified]
    rng = np.random.default_rng(17)
    values = {n: rng.uniform(0.4, 1.3, s) * rng.choice([-1.0, 1.0], s) for n, s in SHAPES.items()}
    assert verify.derivative_holds(
        parse(function),
        SHAPES,
        values,
        ["x"],
        parse(d.expression),
        layout,  # type: ignore[arg-type]
    )


@settings(max_examples=scaled(6), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(function=functions)
def test_derivation_results_are_graded_correct(function: str) -> None:
    d = derive(function, VARIABLES, "x", "numerator", seed=3)
    problem = Problem(variables=VARIABLES, function=function, wrt=["x"], layout="numerator")
    result = grade(problem, d.expression, seed=23)
    if result["verdict"] == "undecided":
        # sum(softmax(v)) is 1 everywhere: its derivative of 0 is only rounding noise to
        # finite differences, so no entry is resolved.
        assert UNRESOLVED in result["message"]
        return
    assert result["verdict"] == "correct", (function, d.expression, result["message"])


def outputs_of_w(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(["(M x)", "(M (x .* a))", "(M x + b)"])
    if depth == 0:
        return leaf
    sub = outputs_of_w(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", ".*"]), sub)
        .filter(_not_identically_zero)
        .map(lambda t: f"(({t[0]}) {t[1]} ({t[2]}))"),
        st.tuples(st.sampled_from(FUNCTIONS), sub).map(lambda t: f"{t[0]}({t[1]})"),
    )


losses = st.one_of(
    outputs_of_w(2).map(lambda v: f"sum({v})"),
    outputs_of_w(2).map(lambda v: f"mean(({v}) .* ({v}))"),
    st.tuples(outputs_of_w(1), outputs_of_w(1)).map(lambda t: f"dot({t[0]}, {t[1]})"),
)


@settings(max_examples=scaled(15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(function=losses, layout=st.sampled_from(["numerator", "denominator"]))
def test_gradients_by_a_matrix_verify(function: str, layout: str) -> None:
    variables = VARIABLES | {"b": "2"}
    d = derive(function, variables, "M", layout, seed=7)
    assert all(step.verified for step in d.steps), [s.title for s in d.steps if not s.verified]
    problem = Problem(variables=variables, function=function, wrt=["M"], layout=layout)
    result = grade(problem, d.expression, seed=29)
    if result["verdict"] == "undecided":
        # A function whose terms in M cancel exactly (M x - (M x + b)) has a derivative of
        # 0 that finite differences only see as rounding noise: no entry is resolved.
        assert UNRESOLVED in result["message"]
        return
    assert result["verdict"] == "correct"


def squares(depth: int) -> st.SearchStrategy[str]:
    """Square-matrix expressions of X: products, transposes, powers, inverses."""
    leaf = st.sampled_from(["X", "(X + A)", "X^T", "(A X)"])
    if depth == 0:
        return leaf
    sub = squares(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, sub).map(lambda t: f"({t[0]}) ({t[1]})"),
        sub.map(lambda m: f"({m})^2"),
        sub.map(lambda m: f"inv(3 I + ({m}) ({m})^T)"),
        sub.map(lambda m: f"tanh({m})"),
    )


square_losses = st.one_of(
    squares(2).map(lambda m: f"trace({m})"),
    squares(2).map(lambda m: f"sum({m})"),
    squares(1).map(lambda m: f"det({m})"),
    squares(1).map(lambda m: f"logdet(3 I + ({m}) ({m})^T)"),
    squares(2).map(lambda m: f"u^T ({m}) v"),
)


@settings(max_examples=scaled(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(function=square_losses, layout=st.sampled_from(["numerator", "denominator"]))
def test_determinants_inverses_and_powers_verify(function: str, layout: str) -> None:
    variables = {"X": "3x3", "A": "3x3", "u": "3", "v": "3"}
    d = derive(function, variables, "X", layout, seed=5)
    assert all(step.verified for step in d.steps), [s.title for s in d.steps if not s.verified]
    problem = Problem(variables=variables, function=function, wrt=["X"], layout=layout)
    result = grade(problem, d.expression, seed=31)
    if result["verdict"] == "undecided":
        assert UNRESOLVED in result["message"]
        return
    assert result["verdict"] == "correct", (function, d.expression, result["message"])
