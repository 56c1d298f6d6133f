"""The grader at the edges of finite differences: saturation, near-singular matrices,
log/sqrt and poles near 0, layouts under ``any``, kinks and index ranges.

Each class of false verdict an automatic-differentiation oracle found has its reproducer
here. The rule: an exact answer is ``correct``, or ``undecided`` when every value is
pinned and the numbers cannot resolve it; a wrong answer is ``incorrect`` or
``undecided``, never ``correct``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.grading import Problem, grade
from app.grading.grader import grade_dict
from app.grading.messages import UNRESOLVED

RIGHT = ("correct", "undecided")
WRONG = ("incorrect", "undecided")


def literal(matrix: np.ndarray) -> str:
    return json.dumps(np.asarray(matrix, dtype=float).tolist())


def verdict(problem: dict[str, object], answer: str, seed: int = 1) -> dict[str, object]:
    return grade(Problem.from_dict(problem), answer, seed=seed)


# 1. Saturation: the derivative is 1e-11 next to |f| = 1.
SATURATED = {
    "variables": {"x": "2", "a": "2"},
    "function": "tanh(a^T x)",
    "wrt": "x",
    "layout": "numerator",
    "values": {"x": [1.0, 1.0], "a": [7.0, 7.0]},
}


@pytest.mark.parametrize("answer", ["[[0, 0]]", "-(1 - tanh(a^T x)^2) a^T", "[[1e-9, 0]]"])
def test_a_saturated_tanh_never_accepts_a_wrong_answer(answer: str) -> None:
    result = verdict(SATURATED, answer)
    assert result["verdict"] in WRONG
    if result["verdict"] == "undecided":
        assert UNRESOLVED in str(result["message"])


def test_a_saturated_tanh_pinned_is_undecided_for_the_exact_answer_and_says_why() -> None:
    result = verdict(SATURATED, "(1 - tanh(a^T x)^2) a^T")
    assert result["verdict"] in RIGHT
    assert result["verdict"] == "undecided" and "saturated" in str(result["message"])


@pytest.mark.parametrize("seed", range(12))
def test_saturation_without_pinning_rejects_or_resamples(seed: int) -> None:
    problem = {"variables": {"W": "3x5", "x": "5"}, "function": "sigmoid(sum(W x) .^ 2)"}
    problem |= {"wrt": "x"}
    assert verdict(problem, "zeros(1, 5)", seed)["verdict"] in WRONG
    right = "2 sigmoid(sum(W x).^2) (1 - sigmoid(sum(W x).^2)) sum(W x) ones(1, 3) W"
    assert verdict(problem, right, seed)["verdict"] == "correct"


@pytest.mark.parametrize("seed", range(8))
def test_a_small_error_under_tanh_of_a_quadratic_is_not_accepted(seed: int) -> None:
    problem = {"variables": {"X": "3x3", "a": "3", "b": "3"}, "function": "tanh(a^T X X b)"}
    problem |= {"wrt": "X", "layout": "denominator"}
    right = "(1 - tanh(a^T X X b)^2) (a b^T X^T + X^T a b^T)"
    assert verdict(problem, right, seed)["verdict"] == "correct"
    assert verdict(problem, f"1.001 * ({right})", seed)["verdict"] in WRONG


# 2. Near-singular matrices.
@pytest.mark.parametrize("condition", [1e6, 1e8])
def test_logdet_near_singular_never_accepts_a_one_entry_error(condition: float) -> None:
    u = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    x = u @ np.diag([1.0, 1.0 / condition]) @ u.T + np.array([[0.0, 0.2], [0.0, 0.0]])
    problem = {"variables": {"X": "2x2"}, "function": "logdet(X)", "wrt": "X"}
    problem |= {"layout": "denominator", "values": {"X": x.tolist()}}
    exact = np.linalg.inv(x).T
    assert verdict(problem, literal(exact))["verdict"] in RIGHT
    for relative in (1e-4, 1e-5):
        wrong = exact.copy()
        wrong[0, 1] *= 1 + relative
        assert verdict(problem, literal(wrong))["verdict"] in WRONG


def test_a_bilinear_form_of_a_near_singular_inverse() -> None:
    x = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-7]])
    a, b = np.array([0.7, -1.2]), np.array([1.1, 0.4])
    problem = {"variables": {"X": "2x2", "a": "2", "b": "2"}, "function": "a^T inv(X) b"}
    problem |= {"wrt": "X", "layout": "denominator"}
    problem |= {"values": {"X": x.tolist(), "a": a.tolist(), "b": b.tolist()}}
    inv = np.linalg.inv(x)
    exact = -inv.T @ np.outer(a, b) @ inv.T
    assert verdict(problem, literal(exact))["verdict"] in RIGHT
    wrong = exact.copy()
    wrong[1, 0] *= 1 + 1e-5
    assert verdict(problem, literal(wrong))["verdict"] in WRONG


# 3. and 4. log/sqrt and a pole near 0: the step of a tiny entry must be its own.
def test_sqrt_near_zero_rejects_a_one_percent_error_wherever_the_largest_entry_is() -> None:
    for top in (1.0, 2.0, 100.0):
        problem = {"variables": {"x": "2"}, "function": "sqrt(x)", "wrt": "x"}
        problem |= {"values": {"x": [top, 1e-9]}}
        exact = np.diag(0.5 / np.sqrt([top, 1e-9]))
        assert verdict(problem, literal(exact))["verdict"] == "correct"
        wrong = exact.copy()
        wrong[1, 1] *= 1.01
        assert verdict(problem, literal(wrong))["verdict"] == "incorrect"


def test_log_near_zero() -> None:
    problem = {"variables": {"x": "3"}, "function": "log(x)", "wrt": "x"}
    problem |= {"values": {"x": [2.0, 1e-9, 0.5]}}
    assert verdict(problem, "diag(1 ./ x)")["verdict"] == "correct"
    assert verdict(problem, "diag(1.0001 ./ x)")["verdict"] == "incorrect"


def test_a_right_answer_next_to_a_pole_is_correct() -> None:
    problem = {"variables": {"x": "2"}, "function": "1 ./ x", "wrt": "x"}
    problem |= {"values": {"x": [2.0, 1e-9]}}
    assert verdict(problem, "-diag(1 ./ x.^2)")["verdict"] == "correct"
    assert verdict(problem, literal(-np.diag(1 / np.array([2.0, 1e-9]) ** 2)))["verdict"] == (
        "correct"
    )
    assert verdict(problem, "-diag(1.01 ./ x.^2)")["verdict"] == "incorrect"


# 5. Sign and scale against every layout the exercise accepts.
@pytest.mark.parametrize(
    ("answer", "diagnosis"), [("-W^T", "sign"), ("-W", "sign"), ("2 W^T", "scaled")]
)
def test_sign_and_scale_of_either_layout_under_any(answer: str, diagnosis: str) -> None:
    problem = {"variables": {"x": "3", "W": "3x3"}, "function": "W x", "wrt": "x"}
    problem |= {"layout": "any"}
    result = verdict(problem, answer)
    assert (result["verdict"], result["diagnosis"]) == ("incorrect", diagnosis)


# 6. Kinks set aside entries, not columns.
def _relu_layer(offset: float) -> tuple[dict[str, object], np.ndarray]:
    rng = np.random.default_rng(3)
    w = rng.uniform(0.3, 2, (3, 4)) * rng.choice([-1, 1], (3, 4))
    x = rng.uniform(0.3, 2, 4)
    b = -(w @ x) + np.array([offset, 0.8, -1.1])
    problem = {"variables": {"W": "3x4", "x": "4", "b": "3"}, "function": "relu(W x + b)"}
    problem |= {"wrt": "x", "values": {"W": w.tolist(), "x": x.tolist(), "b": b.tolist()}}
    return problem, (w @ x + b > 0)[:, None] * w


@pytest.mark.parametrize("offset", [1e-12, 1e-9, 1e-5, -1e-7])
def test_an_error_in_a_row_away_from_the_kinked_unit_is_incorrect(offset: float) -> None:
    problem, exact = _relu_layer(offset)
    assert verdict(problem, literal(exact))["verdict"] in RIGHT
    for row in (1, 2):
        wrong = exact.copy()
        wrong[row, 1] += 1e-3 * (1 + abs(wrong[row, 1]))
        result = verdict(problem, literal(wrong))
        assert result["verdict"] == "incorrect"
        assert result["wrong_entries"] == [[row + 1, 2]]
    wrong = exact.copy()
    wrong[0, 1] += 1e-3
    assert verdict(problem, literal(wrong))["verdict"] in WRONG


# 7. Index ranges against the answer's own indexing.
def test_an_index_running_over_part_of_a_position_is_graded_not_refused() -> None:
    problem = {"variables": {"x": "4", "W": "3x4"}, "function": "W x", "wrt": "W"}
    problem |= {"indices": ["i", "j", "k"]}
    result = verdict(problem, "delta(i,j) * x[j]")
    assert (result["verdict"], result["diagnosis"]) == ("incorrect", "entries")
    assert verdict(problem, "delta(i,j) * x[k]")["verdict"] == "correct"
    row = {"variables": {"x": "1x4", "W": "4x3"}, "function": "x W", "wrt": "W"}
    row |= {"indices": ["i", "j", "k"]}
    result = verdict(row, "x[k] * delta(i,j)")
    assert (result["verdict"], result["diagnosis"]) == ("incorrect", "entries")
    assert verdict(row, "x[j] * delta(i,k)")["verdict"] == "correct"


def test_an_index_running_past_the_end_is_still_unreadable() -> None:
    problem = {"variables": {"x": "2", "W": "3x2"}, "function": "W x", "wrt": "W"}
    problem |= {"indices": ["i", "j", "k"]}
    result = verdict(problem, "delta(i,j) * x[i]")
    assert result["verdict"] == "invalid" and "runs over 1..3" in str(result["message"])


def test_layout_any_grades_after_fresh_instances_for_the_first_layout() -> None:
    # Under layout "any" the numerator form drew fresh instances to verify the rest and
    # failed; the denominator form then read those instances too, which had been measured
    # in the numerator form only (a KeyError instead of a verdict).
    problem = {"function": "(P) ./ P", "layout": "any", "variables": {"P": "4:positive"}}
    problem["wrt"] = "P"
    zeros = "[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]"
    assert grade_dict(problem, zeros, seed=294)["verdict"] in ("correct", "undecided")
    assert grade_dict(problem, "eye(4)", seed=294)["verdict"] == "incorrect"
