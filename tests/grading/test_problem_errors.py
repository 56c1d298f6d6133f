"""A problem that cannot be graded says why, with the kind of what went wrong; a factor is
named only after sizes the function itself uses."""

from app.grading import Problem, grade, grade_dict

WX = {"variables": {"W": "3x4", "x": "4"}, "wrt": "x", "layout": "numerator"}


def test_an_ill_shaped_function_is_a_shape_error() -> None:
    result = grade_dict(WX | {"function": "x W"}, "W", seed=1)
    assert result["verdict"] == "invalid"
    assert result["error"]["kind"] == "shape"
    assert "inner sizes" in result["error"]["message"]


def test_an_undeclared_name_in_the_function_is_an_unknown_name() -> None:
    result = grade_dict(WX | {"function": "W q"}, "W", seed=1)
    assert result["error"]["kind"] == "unknown_name"


def test_a_bad_declaration_keeps_its_kind() -> None:
    result = grade_dict(
        {"variables": {"W": "100000x100000", "x": "4"}, "function": "W x", "wrt": "x"}, "W"
    )
    assert result["error"]["kind"] == "limit"


def test_a_factor_is_not_blamed_on_a_variable_the_function_does_not_use() -> None:
    problem = Problem.from_dict(
        {"variables": {"W": "3x4", "x": "4", "b": "4"}, "function": "3 x", "wrt": "x"}
    )
    result = grade(problem, "I", seed=2)
    assert result["diagnosis"] == "scaled"
    assert result["factor_text"] == "1/3"
    assert "W" not in result["message"]


def test_a_batch_size_is_still_named() -> None:
    problem = Problem.from_dict(
        {"variables": {"X": "5x3", "w": "3"}, "function": "sum(X w)", "wrt": "w"}
    )
    result = grade(problem, "(1/5) ones(5)^T X", seed=3)
    assert result["diagnosis"] == "scaled"
    assert "rows of X" in result["factor_text"]
