"""Index-form answers in either layout's index order are graded (Learned-Miller §3's dy/dW):
the other order is correct under ``any`` and named ``transposed`` under a fixed layout."""

import pytest

from app.grading import Problem, grade


def dydw(layout: str, indices: list[str], answer: str) -> dict[str, object]:
    problem = Problem.from_dict(
        {
            "variables": {"W": "3x4", "x": "4"},
            "function": "W x",
            "wrt": "W",
            "layout": layout,
            "indices": indices,
        }
    )
    return grade(problem, answer, seed=3)


@pytest.mark.parametrize("layout", ["any", "denominator"])
def test_the_denominator_order_is_correct_where_it_is_accepted(layout: str) -> None:
    result = dydw(layout, ["j", "k", "i"], "delta(i,j) * x[k]")
    assert result["verdict"] == "correct"
    assert result["layout"] == "denominator"
    assert result["answer_shape"] == [3, 4, 3]


def test_the_other_order_under_numerator_layout_is_transposed() -> None:
    result = dydw("numerator", ["i", "j", "k"], "delta(i,k) * x[j]")
    assert result["verdict"] == "incorrect"
    assert result["diagnosis"] == "transposed"


def test_the_numerator_order_stays_correct() -> None:
    for layout in ("numerator", "any"):
        result = dydw(layout, ["i", "j", "k"], "delta(i,j) * x[k]")
        assert result["verdict"] == "correct"
        assert result["layout"] == "numerator"


def test_an_index_that_fits_no_layout_is_still_a_shape_error() -> None:
    result = dydw("numerator", ["i", "j", "k"], "W[k, k]")
    assert result["verdict"] == "invalid"
    assert result["error"]["kind"] == "shape"
