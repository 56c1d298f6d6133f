"""Tolerance, diagnosis and problem reading on plain numpy data."""

from __future__ import annotations

import numpy as np
import pytest

from app.grading import Problem, ProblemError
from app.grading.compare import Comparison, tolerance
from app.grading.diagnosis import describe_entries, diagnose, factor_text
from app.grading.grader import grade_dict

RNG = np.random.default_rng(3)


def comp(answer: np.ndarray, expected: np.ndarray) -> Comparison:
    return Comparison(answer, expected, np.zeros(expected.shape), np.ones(expected.shape, bool))


def test_tolerance_is_relative_to_the_derivatives_own_scale() -> None:
    fd = 1e-12 * RNG.uniform(0.5, 2.0, size=(3, 4))
    assert np.all(tolerance(fd, np.zeros_like(fd)) < 1e-17)
    assert not comp(np.zeros_like(fd), fd).passed
    assert comp(fd * (1 + 1e-9), fd).passed


def test_sign_scaled_entries_in_order() -> None:
    expected = [RNG.uniform(0.5, 2.0, size=(3, 4)) for _ in range(3)]
    assert diagnose([comp(-e, e) for e in expected]).kind == "sign"
    scaled = diagnose([comp(5 * e, e) for e in expected], sizes={"N": 5})
    assert (scaled.kind, scaled.factor_text) == ("scaled", "N = 5")
    row = [e.copy() for e in expected]
    for r in row:
        r[1] += 1.0
    entries = diagnose([comp(r, e) for r, e in zip(row, expected, strict=True)])
    assert entries.kind == "entries" and entries.description == "only row 2"
    assert entries.wrong_entries[0] == [2, 1]
    assert len(entries.heatmap) == 3 and len(entries.heatmap[0]) == 4


def test_descriptions() -> None:
    off = ~np.eye(3, dtype=bool)
    assert describe_entries(off) == "only the off-diagonal entries"
    assert describe_entries(np.eye(3, dtype=bool)) == "only the diagonal entries"
    one_on_the_diagonal = np.zeros((2, 2), bool)
    one_on_the_diagonal[1, 1] = True
    assert describe_entries(one_on_the_diagonal) == "only the entry (2, 2)"
    single = np.zeros((3, 4), bool)
    single[2, 3] = True
    assert describe_entries(single) == "only the entry (3, 4)"
    assert "inactive" in describe_entries(np.ones((1, 4), bool), piecewise=True, zero_expected=True)


def test_factor_text() -> None:
    assert factor_text(2.0) == "2"
    assert factor_text(0.5) == "1/2"
    assert factor_text(0.2, {"N": 5}) == "1/N = 1/5"
    assert factor_text(1.2345678) == "1.235"


def test_problem_from_dict_and_errors() -> None:
    problem = Problem.from_dict(
        {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x", "answer": "W"}
    )
    assert problem.wrt == ["x"] and Problem.from_dict(problem.to_dict()) == problem
    bad = [
        ({"variables": {"W": "3x4"}, "function": "W", "wrt": "x"}, "wrt"),
        ({"variables": {"W": "3xq"}, "function": "W", "wrt": "W"}, "variables.W"),
        ({"variables": {"W": "3x4"}, "function": "W", "wrt": "W", "layout": "up"}, "layout"),
        (
            {"variables": {"x": "3"}, "function": "x", "wrt": "x", "values": {"x": [1, 2]}},
            "values.x",
        ),
        ({"variables": {"x": "3"}, "function": "x", "wrt": "x", "bogus": 1}, "bogus"),
        ({"variables": {"x": "3"}, "wrt": "x"}, "function"),
    ]
    for data, field in bad:
        with pytest.raises(ProblemError) as caught:
            Problem.from_dict(data)
        assert caught.value.field == field


def test_a_factor_near_a_simple_one_is_not_shown_as_it() -> None:
    """1.00001 read "off by a factor of 1: it is 1 times the derivative" (and 1e-7 "0",
    12345.678 "728395/59"): a shown factor must not be a simple number it is not."""
    assert factor_text(1.00001) == "1.00001"
    assert factor_text(-1.00001) == "-1.00001"
    assert factor_text(1e-7) == "1e-07"
    assert factor_text(12345.678) == "1.235e+04"
    assert factor_text(1.01) == "1.01"


def test_one_wrong_entry_beside_a_set_aside_one_is_not_called_a_factor() -> None:
    """relu at 1e-7 sets the (2, 2) entry aside; the one remaining non-zero entry, off by
    0.1 %, must be named as a wrong entry, not as "1.001 times the derivative"."""
    line = {
        "variables": {"x": "3"},
        "function": "relu(x)",
        "wrt": "x",
        "layout": "numerator",
        "answer": "diag([1.001, 1, 0])",
    }
    for middle in (1e-7, 0.5):
        problem = {k: v for k, v in line.items() if k != "answer"}
        problem["values"] = {"x": [1.0, middle, -2.0]}
        result = grade_dict(problem, str(line["answer"]))
        assert result["verdict"] == "incorrect"
        assert result["diagnosis"] == "entries", (middle, result["message"])
        assert "(1, 1)" in result["message"]
