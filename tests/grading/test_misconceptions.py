"""The catalogue's own examples, the result field, and the refusal to guess."""

from __future__ import annotations

import pytest

from app.calculus.derivation.engine import derive
from app.grading.grader import grade_dict

QUAD = {"variables": {"x": "4", "A": "4x4"}, "function": "x^T A x", "wrt": "x"}
NEURON = {
    "variables": {"w": "3", "x": "3", "b": "scalar"},
    "function": "relu(w^T x + b)",
    "wrt": "w",
}
LSQ = {"variables": {"W": "3x3", "x": "3", "y": "3"}, "function": "norm(W x - y)^2", "wrt": "x"}
VWX = {"variables": {"V": "3x3", "W": "3x3", "x": "3"}, "function": "V W x", "wrt": "x"}
TANH = {"variables": {"W": "3x3", "x": "3"}, "function": "tanh(W x)", "wrt": "x"}
HAD = {"variables": {"x": "3", "y": "3"}, "function": "x .* y", "wrt": "x"}


@pytest.mark.parametrize(
    ("problem", "layout", "answer", "expected", "diagnosis"),
    [
        (QUAD, "numerator", "2 x^T A", "assumed_symmetric", "entries"),
        (QUAD, "denominator", "2 A x", "assumed_symmetric", "entries"),
        (QUAD, "denominator", "2 x^T A", "assumed_symmetric", "wrong_shape"),  # and a row
        (QUAD, "numerator", "x^T A", "product_rule_one_term", "entries"),
        (NEURON, "numerator", "relu(w^T x + b) x^T", "activation_not_derivative", "entries"),
        (NEURON, "numerator", "x^T", "missing_activation_derivative", "entries"),
        (TANH, "numerator", "W", "missing_activation_derivative", "entries"),
        (LSQ, "numerator", "2 (W x - y)^T", "missing_inner_derivative", "entries"),
        (VWX, "numerator", "W V", "product_order", "entries"),
        (VWX, "numerator", "V^T W", "transposed_factor", "entries"),
        (HAD, "numerator", "y", "diagonal_as_vector", "wrong_shape"),
        (HAD, "numerator", "y^T", "diagonal_as_vector", "wrong_shape"),
    ],
)
def test_catalogue_examples_are_named(problem, layout, answer, expected, diagnosis) -> None:  # type: ignore[no-untyped-def]
    result = grade_dict({**problem, "layout": layout}, answer, seed=7)
    assert result["verdict"] == "incorrect"
    assert result["diagnosis"] == diagnosis
    found = result["misconception"]
    assert found is not None and found["id"] == expected
    assert isinstance(found["message"], str) and len(found["message"]) > 40


def test_quadratic_form_message_and_step_point_at_the_product() -> None:
    result = grade_dict({**QUAD, "layout": "numerator"}, "2 x^T A", seed=3)
    found = result["misconception"]
    assert "symmetric" in found["message"] and "A" in found["message"]
    from app.calculus.derivation.engine import derive

    steps = derive("x^T A x", {"x": "4", "A": "4x4"}, "x").steps
    assert found["step"] is not None
    assert "u2" in steps[found["step"]].title  # the product rule of u2 = u1 x


@pytest.mark.parametrize(
    ("problem", "answer"),
    [
        (QUAD, "x^T (A + A^T)"),  # right: no misconception
        (QUAD, "3 x^T A"),  # wrong, but no buggy rule gives it
        (VWX, "V W + I"),
        (HAD, "2 y"),  # a vector, but not the diagonal
    ],
)
def test_no_guess(problem, answer) -> None:  # type: ignore[no-untyped-def]
    result = grade_dict({**problem, "layout": "numerator"}, answer, seed=5)
    assert "misconception" in result
    assert result["misconception"] is None


def test_symmetric_matrix_names_nothing() -> None:
    """With A symmetric, 2 x^T A is right: the candidate equals the derivative; and x^T A
    is then half of it, a factor the diagnosis names, not a misconception."""
    problem = {"variables": {"x": "4", "A": "4x4:spd"}, "function": "x^T A x", "wrt": "x"}
    assert grade_dict(problem, "2 x^T A", seed=2)["verdict"] == "correct"
    half = grade_dict(problem, "x^T A", seed=2)
    assert half["diagnosis"] == "scaled" and half["misconception"] is None


@pytest.mark.parametrize(
    ("problem", "answer"),
    [
        ({"variables": {"x": "4", "y": "4"}, "function": "sum((y - x).^2)"}, "2 (y - x)^T"),
        ({"variables": {"x": "3"}, "function": "sum(x .* x)"}, "3 x^T"),
        ({"variables": {"x": "3", "A": "3x3:spd"}, "function": "x^T A x"}, "x^T A"),
    ],
)
def test_a_sign_or_a_factor_is_not_named_as_a_buggy_rule(problem, answer) -> None:  # type: ignore[no-untyped-def]
    """Stopping the chain at y - x gives the negative, one product-rule term of a symmetric
    form gives half: the answer cannot be told from a slip of sign or factor, so nothing is
    named."""
    result = grade_dict({**problem, "wrt": "x", "layout": "numerator"}, answer, seed=3)
    assert result["diagnosis"] in ("sign", "scaled")
    assert result["misconception"] is None


@pytest.mark.parametrize(
    ("function", "answer"),
    [("sum(x .* x)", "x^T"), ("sum(x.^3)", "(x.^2)^T"), ("sum((x - 1).^2)", "(x - 1)^T")],
)
def test_the_exponent_not_brought_down_is_named_though_the_answer_is_scaled(
    function: str, answer: str
) -> None:
    """The factor missing is the exponent of a power: the power rule's own slip."""
    problem = {"variables": {"x": "3"}, "function": function, "wrt": "x", "layout": "numerator"}
    result = grade_dict(problem, answer, seed=3)
    assert result["diagnosis"] == "scaled"
    assert (result["misconception"] or {}).get("id") == "power_rule"
    assert "exponent" in result["misconception"]["message"]


def test_transposed_whole_answer_is_a_layout_not_a_factor() -> None:
    """For a linear map the other layout is the matrix read off the formula the other way
    round (named); for a nonlinear function it is only the layout (nothing named)."""
    result = grade_dict({**VWX, "layout": "numerator"}, "W^T V^T", seed=4)
    assert result["diagnosis"] == "transposed"
    assert result["misconception"]["id"] == "linear_map_transposed"
    problem = {"variables": {"W": "2x3", "x": "3"}, "function": "tanh(W x)", "wrt": "x"}
    nonlinear = grade_dict({**problem, "layout": "numerator"}, "W^T diag(1 - tanh(W x).^2)", seed=4)
    assert nonlinear["diagnosis"] == "transposed"
    assert nonlinear["misconception"] is None


def test_a_failure_while_naming_never_costs_the_grade(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.grading import misconceptions

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(misconceptions, "match", broken)
    monkeypatch.setattr(misconceptions, "diagonal_as_vector", broken)
    result = grade_dict({**QUAD, "layout": "numerator"}, "2 x^T A", seed=7)
    assert result["verdict"] == "incorrect" and result["diagnosis"] == "entries"
    assert result["misconception"] is None
    vector = grade_dict({**HAD, "layout": "numerator"}, "y", seed=7)
    assert vector["diagnosis"] == "wrong_shape" and vector["misconception"] is None


@pytest.mark.parametrize(
    ("variables", "function", "layout", "answer", "named"),
    [
        ({"W": "3x4", "x": "4", "y": "3"}, "norm(W x - y)^2", "numerator", "2 (W x - y)^T", True),
        ({"X": "5x3", "w": "3", "y": "5"}, "sum((X w - y).^2)", "denominator", "2 (X w - y)", True),
        ({"W": "3x4", "x": "4"}, "exp(W x)", "numerator", "diag(exp(W x))", True),
        ({"W": "3x4", "x": "4", "b": "3"}, "W x + b", "numerator", "I", False),  # + is linear
        ({"W": "3x4", "x": "4", "y": "3"}, "norm(W x - y)^2", "numerator", "3 (W x - y)^T", False),
    ],
)
def test_chain_stopped_at_an_inside_of_another_size(
    variables, function, layout, answer, named
) -> None:  # type: ignore[no-untyped-def]
    problem = {
        "variables": variables,
        "function": function,
        "wrt": "x" if "x" in variables else "w",
    }
    result = grade_dict({**problem, "layout": layout}, answer, seed=4)
    assert result["diagnosis"] == "wrong_shape"
    found = result["misconception"]
    assert (found is not None and found["id"] == "missing_inner_derivative") == named


def test_a_dropped_kronecker_delta_is_named_in_index_form() -> None:
    problem = {
        "variables": {"W": "3x4", "x": "4"},
        "function": "W x",
        "wrt": "W",
        "layout": "numerator",
        "indices": ["i", "j", "k"],
    }
    result = grade_dict(problem, "x[k]", seed=1)
    assert result["verdict"] == "incorrect"
    assert result["misconception"]["id"] == "dropped_kronecker_delta"
    assert "δ_ij δ_kl" in result["misconception"]["message"]
    titles = [s.title for s in derive("W x", {"W": "3x4", "x": "4"}, ["W"], "numerator").steps]
    assert titles[result["misconception"]["step"]] == "Differentiate the entry"
    assert grade_dict(problem, "x[j]", seed=1)["misconception"] is None


def test_the_derivative_by_a_constant_of_the_same_shape_is_named() -> None:
    problem = {"variables": {"a": "4", "x": "4"}, "function": "a^T x", "wrt": "x"}
    result = grade_dict({**problem, "layout": "denominator"}, "x", seed=2)
    assert result["misconception"]["id"] == "constant_treated_as_variable"
    assert "with respect to a, not x" in result["misconception"]["message"]
    other = {"variables": {"a": "4", "x": "4", "b": "4"}, "function": "a^T x", "wrt": "x"}
    assert grade_dict({**other, "layout": "denominator"}, "b", seed=2)["misconception"] is None


def test_the_chain_stopped_before_a_constant_non_square_matrix_is_named() -> None:
    problem = {"variables": {"V": "2x3", "W": "3x5", "x": "5"}, "function": "V W x", "wrt": "x"}
    result = grade_dict({**problem, "layout": "numerator"}, "V", seed=3)
    assert result["diagnosis"] == "wrong_shape"
    assert result["misconception"]["id"] == "missing_inner_derivative"
    assert grade_dict({**problem, "layout": "numerator"}, "W", seed=3)["misconception"] is None


def test_the_linear_map_message_fits_the_shapes() -> None:
    """A scalar by a matrix speaks of the matrix's shape; a vector map of rows and entries."""
    trace = {"variables": {"A": "2x3", "X": "3x2"}, "function": "trace(A X)", "wrt": "X"}
    named = grade_dict({**trace, "layout": "denominator"}, "A", seed=1)["misconception"]
    assert named["id"] == "linear_map_transposed"
    assert "has the shape of X" in named["message"] and "numerator-layout" in named["message"]
    steps = derive("trace(A X)", {"A": "2x3", "X": "3x2"}, ["X"], "denominator").steps
    assert steps[named["step"]].title == "Result (denominator layout)"
    row = {"variables": {"x": "1x3", "W": "3x2"}, "function": "x W", "wrt": "x"}
    named = grade_dict({**row, "layout": "numerator"}, "W", seed=1)["misconception"]
    assert "entry (i, j) of the Jacobian is ∂yᵢ/∂xⱼ" in named["message"]
    assert "denominator-layout" in named["message"]


def test_the_power_rule_message_names_the_power() -> None:
    problem = {"variables": {"t": "scalar", "A": "2x3"}, "function": "t^3 A", "wrt": "t"}
    named = grade_dict({**problem, "layout": "numerator"}, "t^2 A", seed=1)["misconception"]
    assert named["id"] == "power_rule"
    assert "d(t^3) = 3 t^(3−1) dt" in named["message"] and "factor 3" in named["message"]
