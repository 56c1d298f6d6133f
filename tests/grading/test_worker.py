"""The worker pool: hard time limit (the process is killed and replaced), memory limit,
parallel grading in order."""

from __future__ import annotations

import pytest

from app.grading import Problem
from app.grading.result import GradeResult
from app.grading.worker import GradingPool
from tests.grading.processes import alive

PROBLEM = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}


@pytest.fixture(scope="module")
def pool() -> GradingPool:
    with GradingPool(size=2, timeout=3.0, memory_mb=512) as created:
        yield created


def test_grades_in_a_worker(pool: GradingPool) -> None:
    assert pool.grade(PROBLEM, "W", seed=1).verdict == "correct"
    assert pool.grade(PROBLEM, "W^T", seed=1).diagnosis == "transposed"


def test_timeout_kills_the_process_and_replaces_it(pool: GradingPool) -> None:
    before = set(pool.pids())
    result = pool.probe(30.0)
    assert result["verdict"] == "invalid"
    assert result["error"]["kind"] == "limit"
    after = set(pool.pids())
    gone = before - after
    assert len(gone) == 1 and len(after) == 2
    assert not alive(gone.pop())
    assert pool.grade(PROBLEM, "W", seed=2).verdict == "correct"


def test_memory_limit_is_an_invalid_limit_result(pool: GradingPool) -> None:
    result = pool.probe(0.0, megabytes=2048)
    assert (result["verdict"], result["error"]["kind"]) == ("invalid", "limit")
    assert pool.probe(0.0, megabytes=8).get("ok") is True


def test_grade_many_keeps_order(pool: GradingPool) -> None:
    answers = ["W", "W^T", "-W", "2 W", "x^T", "W W"] * 3
    results = pool.grade_many([(PROBLEM, a, 3) for a in answers])
    verdicts = [(r.verdict, r.diagnosis) for r in results]
    assert verdicts[:6] == [
        ("correct", None),
        ("incorrect", "transposed"),
        ("incorrect", "sign"),
        ("incorrect", "scaled"),
        ("incorrect", "wrong_shape"),
        ("invalid", None),
    ]
    assert verdicts[6:12] == verdicts[:6]


def test_bad_problem_in_a_worker_is_invalid(pool: GradingPool) -> None:
    result = pool.grade({"variables": {"x": "4"}, "function": "x", "wrt": "y"}, "x", seed=1)
    assert result.verdict == "invalid"
    assert "wrt" in result.error["message"]


def test_a_grading_over_the_time_limit_still_reports_the_expected_shape() -> None:
    with GradingPool(size=1, timeout=0.001, memory_mb=512) as tight:
        result = tight.grade(PROBLEM, "W", seed=1)
        bad = tight.grade({**PROBLEM, "function": "W +"}, "W", seed=1)
    assert (result.verdict, result.error["kind"]) == ("invalid", "limit")
    assert result.expected_shape == [3, 4]
    assert bad.expected_shape == []  # a function that does not parse has no shape


def test_a_result_read_back_from_its_data_is_the_same_result() -> None:
    from app.grading import grade_result

    for answer in ("W", "W^T", "2 W", "W +", "x"):
        result = grade_result(Problem.from_dict(PROBLEM), answer, seed=5)
        again = GradeResult.from_dict(result.to_dict())
        assert again == result
        assert again.to_dict() == result.to_dict()
    with pytest.raises(ValueError, match="verdict"):
        GradeResult.from_dict({"verdict": "maybe"})
