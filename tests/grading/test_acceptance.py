"""The acceptance items of issue 3 for the grader, run in process."""

from __future__ import annotations

import numpy as np
import pytest

from app.grading import Problem, grade

WX = Problem(variables={"W": "3x4", "x": "4"}, function="W x", wrt=["x"])


@pytest.mark.parametrize(
    ("answer", "verdict", "diagnosis"),
    [
        ("W", "correct", None),
        ("W^T", "incorrect", "transposed"),
        ("-W", "incorrect", "sign"),
        ("2 W", "incorrect", "scaled"),
        ("x^T", "incorrect", "wrong_shape"),
        ("W W", "invalid", None),
    ],
)
def test_y_equals_wx(answer: str, verdict: str, diagnosis: str | None) -> None:
    result = grade(WX, answer, seed=11)
    assert (result["verdict"], result["diagnosis"]) == (verdict, diagnosis)
    assert result["expected_shape"] == [3, 4]
    assert result["seed"] == 11


def test_scaled_reports_the_factor_and_shape_error_kind() -> None:
    assert grade(WX, "2 W", seed=1)["factor"] == pytest.approx(2.0)
    assert grade(WX, "W W", seed=1)["error"]["kind"] == "shape"
    assert grade(WX, "W +", seed=1)["error"]["kind"] == "syntax"


def test_transpose_is_correct_in_denominator_layout_and_any_reports_layout() -> None:
    den = Problem(variables={"W": "3x4", "x": "4"}, function="W x", wrt=["x"], layout="denominator")
    assert grade(den, "W^T", seed=2)["verdict"] == "correct"
    assert grade(den, "W", seed=2)["diagnosis"] == "transposed"
    anyl = Problem(variables={"W": "3x4", "x": "4"}, function="W x", wrt=["x"], layout="any")
    assert grade(anyl, "W", seed=2)["layout"] == "numerator"
    assert grade(anyl, "W^T", seed=2)["layout"] == "denominator"


def test_dy_dw_index_form() -> None:
    problem = Problem(
        variables={"W": "3x4", "x": "4"}, function="W x", wrt=["W"], indices=["i", "j", "k"]
    )
    good = grade(problem, "delta(i,j) * x[k]", seed=3)
    assert good["verdict"] == "correct" and good["expected_shape"] == [3, 3, 4]
    bad = grade(problem, "x[k]", seed=3)
    assert (bad["verdict"], bad["diagnosis"]) == ("incorrect", "entries")
    assert bad["wrong_entries"] and all(e[0] != e[1] for e in bad["wrong_entries"])
    assert bad["description"].startswith("only where i != j")


NEURON = Problem(
    variables={"w": "4", "x": "4", "b": "scalar"}, function="relu(w^T x + b)", wrt=["w"]
)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_relu_neuron_mask_is_required(seed: int) -> None:
    assert grade(NEURON, "step(w^T x + b) x^T", seed=seed)["verdict"] == "correct"
    wrong = grade(NEURON, "x^T", seed=seed)
    assert (wrong["verdict"], wrong["diagnosis"]) == ("incorrect", "entries")
    assert "inactive" in wrong["description"]


@pytest.mark.parametrize("gap", [1e-12, 1e-10, 1e-9, 1e-8, 1e-6, -1e-12, -1e-7])
def test_correct_neuron_gradient_never_rejected_near_the_kink(gap: float) -> None:
    w = [0.7, -1.3, 0.4, 1.6]
    x = [1.1, 0.35, -0.8, 0.55]
    b = gap - float(np.dot(w, x))
    problem = Problem(
        variables=dict(NEURON.variables),
        function=NEURON.function,
        wrt=["w"],
        values={"w": w, "x": x, "b": b},
    )
    result = grade(problem, "step(w^T x + b) x^T", seed=1)
    assert result["verdict"] in ("correct", "undecided")
    partly = Problem(
        variables=dict(NEURON.variables),
        function=NEURON.function,
        wrt=["w"],
        values={"x": x, "b": b},
    )
    assert grade(partly, "step(w^T x + b) x^T", seed=2)["verdict"] in ("correct", "undecided")


MSE = Problem(
    variables={"X": "5x3", "w": "3", "b": "scalar", "y": "5"},
    function="mean((y - relu(X w + b)).^2)",
    wrt=["w"],
)
MASKED = "(step(X w + b) .* (y - relu(X w + b)))^T X"


@pytest.mark.parametrize(
    ("answer", "diagnosis", "factor"),
    [
        (f"-2/5 {MASKED}", None, None),
        (f"-1/5 {MASKED}", "scaled", 0.5),
        (f"-2 {MASKED}", "scaled", 5.0),
        (f"2/5 {MASKED}", "sign", -1.0),
        ("-2/5 (y - relu(X w + b))^T X", "entries", None),
    ],
)
def test_mse_loss_mistakes(answer: str, diagnosis: str | None, factor: float | None) -> None:
    result = grade(MSE, answer, seed=5)
    assert result["verdict"] == ("correct" if diagnosis is None else "incorrect")
    assert result["diagnosis"] == diagnosis
    if factor is not None:
        assert result["factor"] == pytest.approx(factor)


def test_ill_scaled_variables() -> None:
    problem = Problem(
        variables={"x": "scalar", "y": "scalar"},
        function="x y",
        wrt=["x", "y"],
        values={"x": 1e-8, "y": 1e8},
    )
    assert grade(problem, "[[y, x]]", seed=1)["verdict"] == "correct"
    assert grade(problem, "[[x, y]]", seed=1)["verdict"] == "incorrect"
    # a mistake confined to the tiny block is not drowned by the large one
    assert grade(problem, "[[y, 0]]", seed=1)["verdict"] == "incorrect"
    assert grade(problem, "[[y, 2 x]]", seed=1)["wrong_entries"] == [[1, 2]]
    mixed = Problem(
        variables={"u": "3", "v": "3"},
        function="sum(u .* v)",
        wrt=["u"],
        values={"u": [1e-8, -2e-8, 3e-8], "v": [1e8, 2e8, -3e8]},
    )
    assert grade(mixed, "v^T", seed=1)["verdict"] == "correct"


def test_tiny_function_rejects_an_all_zero_answer() -> None:
    problem = Problem(variables={"W": "3x4", "x": "4"}, function="1e-12 W x", wrt=["x"])
    assert grade(problem, "1e-12 W", seed=4)["verdict"] == "correct"
    assert grade(problem, "0 W", seed=4)["verdict"] == "incorrect"
    assert grade(problem, "zeros(3, 4)", seed=4)["verdict"] == "incorrect"


def test_log_near_zero_is_not_rejected() -> None:
    problem = Problem(
        variables={"x": "3"},
        function="sum(log(x))",
        wrt=["x"],
        values={"x": [1e-9, 2.5e-9, 7e-9]},
    )
    assert grade(problem, "(1 ./ x)^T", seed=1)["verdict"] == "correct"


def test_inverse_with_condition_number_1e6_is_not_rejected() -> None:
    rng = np.random.default_rng(0)
    u, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    v, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    a = u @ np.diag([1.0, 1e-3, 1e-6]) @ v.T
    assert np.linalg.cond(a) == pytest.approx(1e6, rel=1e-3)
    problem = Problem(
        variables={"A": "3x3:invertible", "b": "3"},
        function="inv(A) b",
        wrt=["b"],
        values={"A": a.tolist()},
    )
    assert grade(problem, "inv(A)", seed=1)["verdict"] == "correct"
    assert grade(problem, "A", seed=1)["verdict"] == "incorrect"


def test_several_wrt_stack_into_one_vector() -> None:
    problem = Problem(
        variables={"x": "scalar", "y": "scalar"},
        function="[3 x^2 y, 2 x + y^8]",
        wrt=["x", "y"],
    )
    assert grade(problem, "[[6 x y, 3 x^2], [2, 8 y^7]]", seed=1)["verdict"] == "correct"
    wrong = grade(problem, "[[6 x y, 2], [3 x^2, 8 y^7]]", seed=1)
    assert wrong["diagnosis"] == "transposed"


def test_result_has_exactly_the_design_keys() -> None:
    keys = {
        "verdict",
        "diagnosis",
        "error",
        "message",
        "expected_shape",
        "answer_shape",
        "layout",
        "factor",
        "wrong_entries",
        "instances",
        "seed",
    }
    for answer in ("W", "W^T", "W +", "x"):
        result = grade(WX, answer, seed=9)
        assert keys <= set(result)
        assert isinstance(result["message"], str) and result["message"]
    assert grade(WX, "W", seed=9)["instances"] >= 3


def test_hostile_answers_are_only_parsed() -> None:
    for answer in ("__import__('os').system('true')", "eval('1')", "W; import os", "x" * 5000):
        assert grade(WX, answer, seed=1)["verdict"] == "invalid"


def test_exactly_at_the_kink_the_numbers_cannot_decide() -> None:
    problem = Problem(
        variables={"w": "2", "x": "2", "b": "scalar"},
        function="relu(w^T x + b)",
        wrt=["w"],
        values={"w": [0.5, 0.25], "x": [2.0, 4.0], "b": -2.0},
    )
    for answer in ("step(w^T x + b) x^T", "x^T"):
        result = grade(problem, answer, seed=1)
        assert result["verdict"] == "undecided", result
        assert "not counted as wrong" in result["message"]


def test_wrong_answer_with_a_pinned_value_is_still_caught() -> None:
    problem = Problem(
        variables={"W": "3x4", "x": "4"},
        function="W x",
        wrt=["x"],
        values={"x": [0.5, -1.5, 2.5, 0.75]},
    )
    assert grade(problem, "W", seed=1)["verdict"] == "correct"
    assert grade(problem, "W .* (W > 0)", seed=1)["verdict"] in ("incorrect", "invalid")
    assert grade(problem, "abs(W)", seed=1)["diagnosis"] == "entries"


def test_non_finite_answers_are_incorrect_and_json_safe() -> None:
    import json

    for answer in ("W ./ 0", "exp(1000 W)", "0 ./ 0 * W"):
        result = grade(WX, answer, seed=1)
        assert (result["verdict"], result["diagnosis"]) == ("incorrect", "entries")
        assert "not finite" in result["description"]
        json.dumps(result, allow_nan=False)
