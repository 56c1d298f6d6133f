"""Listed mistakes and misconception tests in exercise files, checked as learners are graded."""

from __future__ import annotations

from app.bank.selfcheck import check_text, grade_in_process

BASE = """id: quad-mistakes
title: Quadratic form
lesson: layouts
prompt: Give the gradient.
variables: {A: n x n, x: n}
sizes: {n: [3, 4]}
function: x^T A x
wrt: x
layout: denominator
answer_form: expression
reference: (A + A^T) x
hints: [two terms]
"""


def _check(mistakes: str, tests: str) -> list[str]:
    return check_text(BASE + mistakes + "tests:\n" + tests, source="quad.yaml").failures


GOOD_TESTS = """  - {answer: (A + A^T) x, verdict: correct}
  - {answer: 2 A x, verdict: incorrect, diagnosis: entries, misconception: assumed_symmetric}
"""


def test_listed_mistake_with_its_misconception_passes() -> None:
    mistakes = (
        "mistakes:\n  - {answer: 2 A x, feedback: Not symmetric., "
        "misconception: assumed_symmetric}\n"
    )
    assert _check(mistakes, GOOD_TESTS) == []


def test_listed_mistake_that_is_right_fails_the_check() -> None:
    failures = _check("mistakes:\n  - {answer: A x + A^T x, feedback: hm}\n", GOOD_TESTS)
    assert failures and failures[0].startswith("mistakes[0]")


def test_stated_misconception_the_engine_does_not_find_fails_the_check() -> None:
    mistakes = "mistakes:\n  - {answer: 3 A x, feedback: wrong, misconception: assumed_symmetric}\n"
    failures = _check(mistakes, GOOD_TESTS)
    assert failures and "mistakes[0]" in failures[0] and "no misconception" in failures[0]


def test_misconception_test_with_another_id_fails() -> None:
    tests = """  - {answer: (A + A^T) x, verdict: correct}
  - {answer: 2 A x, verdict: incorrect, misconception: product_rule_one_term}
"""
    failures = _check("", tests)
    assert failures and failures[0].startswith("tests[1]")


def test_unknown_misconception_id_is_a_schema_error() -> None:
    tests = GOOD_TESTS + "  - {answer: A x, verdict: incorrect, misconception: confused}\n"
    report = check_text(BASE + "tests:\n" + tests, source="quad.yaml")
    assert report.schema_error is not None and "tests[2].misconception" in report.schema_error


def test_listed_feedback_comes_before_the_catalogue() -> None:
    from app.bank.loader import load_exercise_text

    text = (
        BASE
        + (
            "mistakes:\n  - {answer: 2 A x, feedback: Your own words., "
            "misconception: assumed_symmetric}\n"
            "  - {answer: 3 A x, feedback: Three is not the factor.}\n"
        )
        + "tests:\n"
        + GOOD_TESTS
    )
    exercise = load_exercise_text(text, "quad.yaml")
    problem = exercise.problem(1)
    named = grade_in_process(problem, "2 A x", 1).misconception
    assert named is not None and named["id"] == "assumed_symmetric"
    assert named["message"] == "Your own words." and named["step"] is not None
    own = grade_in_process(problem, "3 A x", 1).misconception
    assert own == {"id": "listed_mistake", "message": "Three is not the factor.", "step": None}
    assert grade_in_process(problem, "4 A x", 1).misconception is None
