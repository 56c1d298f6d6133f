"""A smooth function pinned where its slope vanishes is graded, not left undecided: the
5-point kink test mistakes a vanishing slope for a kink, and with every variable pinned
there is no other instance to turn to."""

import pytest

from app.grading import Problem, grade


def cube(answer: str) -> dict[str, object]:
    problem = Problem.from_dict(
        {"variables": {"x": "3"}, "function": "x.^3", "wrt": "x", "values": {"x": [0, 1, 2]}}
    )
    return grade(problem, answer, seed=1)


def test_the_right_answer_at_a_zero_slope_is_correct() -> None:
    assert cube("diag(3 x.^2)")["verdict"] == "correct"


@pytest.mark.parametrize("answer", ["diag(3 x.^2) + 0.001 I", "diag(2 x.^2)", "3 I"])
def test_a_wrong_answer_there_is_incorrect(answer: str) -> None:
    assert cube(answer)["verdict"] == "incorrect"


def test_parr_howard_jacobian_at_the_origin() -> None:
    problem = Problem.from_dict(
        {
            "variables": {"x": "scalar", "y": "scalar"},
            "function": "[3 x^2 y, 2x + y^8]",
            "wrt": "x,y",
            "values": {"x": 0, "y": 0},
        }
    )
    assert grade(problem, "[[6 x y, 3 x^2], [2, 8 y^7]]", seed=1)["verdict"] == "correct"
    assert grade(problem, "[[6 x y, 3 x^2], [1, 8 y^7]]", seed=1)["verdict"] == "incorrect"


def test_a_pinned_kink_is_still_set_aside() -> None:
    problem = Problem.from_dict(
        {"variables": {"x": "2"}, "function": "relu(x)", "wrt": "x", "values": {"x": [0, 1]}}
    )
    result = grade(problem, "diag(step(x))", seed=1)
    assert result["verdict"] in {"correct", "undecided"}
