"""Fuzzing the grader: any answer text gets a well-formed DESIGN §11 result, never an exception.

Answers are soups of the language's tokens and mutations of valid expressions, graded in
this process (the worker pool only adds the time and memory limits around the same
function) against problems of the curriculum (DESIGN §9: ``Wx``, ``x^T A x``, a ReLU
neuron). Whatever the text, the verdict is one of the four, an error is of the
language's kinds with a position inside the answer, and a ``correct`` verdict is only
ever given to an answer that reads to the expected shape.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.grading import Problem, grade
from tests.reliability.fuzzing import examples, mutated_expressions, token_soup

PROBLEMS = [
    Problem(variables={"W": "3x4", "x": "4"}, function="W x", wrt=["x"], layout="numerator"),
    Problem(variables={"A": "4x4", "x": "4"}, function="x^T A x", wrt=["x"], layout="any"),
    Problem(
        variables={"w": "4", "x": "4", "b": "scalar"},
        function="relu(w^T x + b)",
        wrt=["w"],
        layout="denominator",
    ),
]
VERDICTS = {"correct", "incorrect", "invalid", "undecided"}
DIAGNOSES = {None, "wrong_shape", "transposed", "sign", "scaled", "entries"}
ERROR_KINDS = {"syntax", "unknown_name", "shape", "limit", "domain"}


def check_result(result: dict[str, Any], answer: str) -> None:
    assert result["verdict"] in VERDICTS
    assert result["diagnosis"] in DIAGNOSES
    assert isinstance(result["message"], str) and result["message"]
    error = result["error"]
    if error is not None:
        assert result["verdict"] == "invalid"
        assert error["kind"] in ERROR_KINDS, error
        assert error["position"] is None or 0 <= error["position"] <= len(answer)
    if result["verdict"] == "correct":
        assert result["answer_shape"] is not None


def run(name: str, strategy: st.SearchStrategy[str]) -> int:
    seen = 0

    @settings(
        max_examples=examples(name),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(answer=strategy, which=st.integers(0, len(PROBLEMS) - 1), seed=st.integers(0, 99))
    def fuzz(answer: str, which: int, seed: int) -> None:
        nonlocal seen
        seen += 1
        check_result(grade(PROBLEMS[which], answer, seed=seed), answer)

    fuzz()
    return seen


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["grader_token_soup", "grader_mutations"])
def test_grader_answers_every_text_with_a_result(name: str) -> None:
    strategy = token_soup(24) if name == "grader_token_soup" else mutated_expressions()
    assert run(name, strategy) >= examples(name)


def test_an_answer_with_infinite_entries_is_graded_without_numpy_warnings() -> None:
    """Found by the fuzzing: a scale factor was sought with np.dot over infinite entries."""
    result = grade(PROBLEMS[1], "0.^x", seed=4)
    assert result["verdict"] == "incorrect"
    assert result["diagnosis"] == "entries"
