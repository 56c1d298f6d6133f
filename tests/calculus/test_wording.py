"""Step text names the function and fits the shapes; no step restates what did not change."""

from __future__ import annotations

from app.calculus.derivation import derive


def test_a_sum_of_scalars_is_not_said_to_have_jacobian_identity() -> None:
    d = derive("[3 x^2 y, 2 x + y^8]", {"x": "scalar", "y": "scalar"}, "x,y")
    sums = [s for s in d.steps if "sum or difference" in s.title.lower()]
    assert sums
    assert all("±I" not in s.explanation and "scalars" in s.explanation for s in sums)
    d = derive("tanh(x) ./ (1 + x .* x)", {"x": "3"}, "x")
    assert any("±I" in s.explanation for s in d.steps)  # vectors: the identity is right


def test_a_function_step_names_the_function_and_its_derivative() -> None:
    d = derive("sigmoid(W x)", {"W": "3x4", "x": "4"}, "x")
    step = next(s for s in d.steps if s.title.startswith("sigmoid"))
    assert step.title == "sigmoid, entry by entry: u2"
    assert "σ′ = σ (1 - σ)" in step.explanation
    scalar = derive("tanh(a^T x)", {"a": "3", "x": "3"}, "x")
    assert any(s.title.startswith("tanh:") and "tanh′" in s.explanation for s in scalar.steps)


def test_substitute_back_only_when_a_name_is_replaced() -> None:
    stacked = derive("[3 x^2 y, 2 x + y^8]", {"x": "scalar", "y": "scalar"}, "x,y")
    assert not any(s.title.startswith("Substitute back") for s in stacked.steps)
    chained = derive("sigmoid(W x)", {"W": "3x4", "x": "4"}, "x")
    back = next(s for s in chained.steps if s.title == "Substitute back")
    assert "u1, u2" in back.explanation and "diag(1) = I" not in back.explanation


def test_a_matrix_by_a_scalar_speaks_of_moves_not_jacobians() -> None:
    d = derive("t^2 A + sin(t) B", {"t": "scalar", "A": "2x3", "B": "2x3"}, "t")
    assert all("Jacobian is ±I" not in s.explanation for s in d.steps)
    assert any("sin" in s.title for s in d.steps)
