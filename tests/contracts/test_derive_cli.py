"""``jtutor derive --json``: verified steps and a result the grader accepts (DESIGN §6, §11)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.contracts.conftest import Completed, jtutor, jtutor_many, var_flags
from tests.contracts.grade_cases import assert_grade_result


@dataclass(frozen=True)
class Derivation:
    name: str
    variables: dict[str, str]
    function: str
    wrt: str
    layout: str = "numerator"


NEURON = {"w": "4", "x": "4", "b": "scalar"}
LOSS = {"X": "5x4", "w": "4", "b": "scalar", "y": "5"}

DERIVATIONS = [
    Derivation("wx-x", {"W": "3x4", "x": "4"}, "W x", "x"),
    Derivation("wx-x-den", {"W": "3x4", "x": "4"}, "W x", "x", "denominator"),
    Derivation("xw-x", {"x": "1x4", "W": "4x3"}, "x W", "x"),
    Derivation("xw-x-den", {"x": "1x4", "W": "4x3"}, "x W", "x", "denominator"),
    Derivation("wx-W", {"W": "3x4", "x": "4"}, "W x", "W"),
    Derivation("neuron-w", NEURON, "relu(w^T x + b)", "w"),
    Derivation("neuron-b", NEURON, "relu(w^T x + b)", "b"),
    Derivation("loss-w", LOSS, "mean((y - relu(X w + b)).^2)", "w"),
    Derivation("vwx-x", {"V": "2x3", "W": "3x4", "x": "4"}, "V W x", "x"),
    Derivation("hadamard-w", {"w": "4", "x": "4"}, "sum(w .* x)", "w"),
    Derivation("hadamard-w-sym", {"w": "4", "x": "4"}, "sum(w ⊙ x)", "w"),
    # beyond issue 5's list, within the rule table
    Derivation("sigmoid-x", {"W": "3x4", "x": "4"}, "sigmoid(W x)", "x"),
    Derivation("quadratic-x", {"A": "4x4", "x": "4"}, "x^T A x", "x", "denominator"),
    Derivation("tanh-bias", {"W": "3x4", "x": "4", "c": "3"}, "tanh(W x + c)", "c"),
    Derivation("logsumexp-x", {"W": "3x4", "x": "4"}, "log(sum(exp(W x)))", "x"),
    Derivation("affine-W", {"W": "3x4", "x": "4", "c": "3"}, "W x + c", "W"),
]


def _args(d: Derivation) -> list[str]:
    flags = ["--function", d.function, "--wrt", d.wrt, "--layout", d.layout, "--json"]
    return ["derive", *var_flags(d.variables), *flags]


@pytest.fixture(scope="module")
def derived() -> dict[str, Completed]:
    results = jtutor_many([_args(d) for d in DERIVATIONS])
    return {d.name: r for d, r in zip(DERIVATIONS, results, strict=True)}


def _json(done: Completed) -> dict[str, Any]:
    assert done.returncode == 0, (done.command(), done.stderr[-2000:])
    result = done.json()
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize("d", DERIVATIONS, ids=[d.name for d in DERIVATIONS])
def test_three_verified_steps_with_latex(d: Derivation, derived: dict[str, Completed]) -> None:
    result = _json(derived[d.name])
    steps = result["steps"]
    assert isinstance(steps, list) and len(steps) >= 3, steps
    for step in steps:
        assert isinstance(step["title"], str) and step["title"].strip()
        assert isinstance(step["latex"], str) and step["latex"].strip(), step
        assert step["verified"] is True, (d.name, step["title"])
    final = result["result"]
    assert isinstance(final["expression"], str) and final["expression"].strip()
    assert isinstance(final["latex"], str) and final["latex"].strip()
    indices = final.get("indices")
    if indices is not None:
        assert isinstance(indices, list) and all(isinstance(i, str) for i in indices)


def test_the_tensor_derivative_is_given_in_index_form(derived: dict[str, Completed]) -> None:
    final = _json(derived["wx-W"])["result"]
    assert final["indices"] is not None and len(final["indices"]) == 3


@pytest.fixture(scope="module")
def graded(derived: dict[str, Completed], tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    lines = []
    for d in DERIVATIONS:
        final = _json(derived[d.name])["result"]
        line: dict[str, Any] = {
            "variables": d.variables,
            "function": d.function,
            "wrt": d.wrt,
            "layout": d.layout,
            "answer": final["expression"],
        }
        if final.get("indices"):
            line["indices"] = final["indices"]
        lines.append(json.dumps(line))
    path = tmp_path_factory.mktemp("derive") / "results.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = jtutor(["grade", "--batch", str(path), "--timeout", "30"], timeout=300)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("index", range(len(DERIVATIONS)), ids=[d.name for d in DERIVATIONS])
def test_the_result_is_graded_correct(
    index: int, graded: list[Any], derived: dict[str, Completed]
) -> None:
    assert len(graded) == len(DERIVATIONS)
    result = graded[index]
    assert_grade_result(result)
    expression = _json(derived[DERIVATIONS[index].name])["result"]["expression"]
    assert result["verdict"] == "correct", (DERIVATIONS[index].name, expression, result["message"])
