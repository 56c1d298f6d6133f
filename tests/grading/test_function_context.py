"""Sign and scale messages fit the function: y − ŷ only in a loss, the factor it suggests."""

from __future__ import annotations

import pytest

from app.grading.grader import grade_dict

LOSS = {"X": "5x3", "w": "3", "y": "5"}


def _message(variables: dict[str, str], function: str, wrt: str, answer: str) -> dict:  # type: ignore[type-arg]
    problem = {"variables": variables, "function": function, "wrt": wrt}
    return grade_dict(problem, answer, seed=3)


def test_sign_in_a_loss_speaks_of_the_difference() -> None:
    result = _message(LOSS, "mean((X w - y).^2)", "w", "-(2/5) (X w - y)^T X")
    assert result["diagnosis"] == "sign" and "ŷ" in result["message"]


@pytest.mark.parametrize(
    ("variables", "function", "answer", "hint"),
    [
        ({"W": "3x4", "x": "4"}, "W x", "-W", "no minus sign"),
        ({"x": "3"}, "cos(x)", "diag(sin(x))", "cos z"),
        ({"x": "3", "b": "3"}, "x - b", "-I", "subtracts"),
    ],
)
def test_sign_outside_a_loss_never_speaks_of_a_loss(variables, function, answer, hint) -> None:  # type: ignore[no-untyped-def]
    result = _message(variables, function, "x", answer)
    assert result["diagnosis"] == "sign"
    assert "ŷ" not in result["message"] and "loss" not in result["message"]
    assert hint in result["message"]


def test_missing_mean_names_n_and_missing_square_names_two() -> None:
    n = _message(LOSS, "mean((X w - y).^2)", "w", "2 (X w - y)^T X")
    assert n["diagnosis"] == "scaled" and "1/N of the mean" in n["message"]
    two = _message(LOSS, "sum((X w - y).^2)", "w", "(X w - y)^T X")
    assert two["factor_text"] == "1/2" and "square" in two["message"]


def test_the_functions_own_constant_is_named_not_a_size() -> None:
    result = _message({"W": "3x4", "x": "4"}, "3 W x", "x", "W")
    assert result["factor_text"] == "1/3"
    assert "factor 3 of the function" in result["message"]
    assert "rows" not in result["message"]
