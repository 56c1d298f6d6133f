"""The twelve problems every derivation must handle: ``jtutor derive --json`` gives at
least three verified steps, and ``jtutor grade`` marks its result correct for the same
problem and layout (in both layouts)."""

from __future__ import annotations

import json

import pytest

from app.cli import main

ACCEPTANCE = [
    (["W=3x4", "x=4", "b=3"], "tanh(W x + b)", "W"),
    (["W=3x4", "x=4"], "relu(W x)", "W"),
    (["x=4"], "softmax(x)", "x"),
    (["X=3x3"], "det(X)", "X"),
    (["X=3x3"], "inv(X)", "X"),
    (["X=2x3", "W=3x4"], "X W", "X"),
    (["x=4"], "log(sum(exp(x)))", "x"),
    (["W=3x4", "x=4"], "sigmoid(W x)", "x"),
    (["Y=5x2", "X=5x3", "W=3x2"], "mean((Y - X W).^2)", "W"),
    (["x=3", "A=3x3"], "x^T A x", "A"),
    (["x=scalar", "y=scalar"], "[3 x^2 y, 2 x + y^8]", "x,y"),
    (["W=2x3", "x=3"], "kron(W, x)", "x"),
]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    status = main(argv)
    out = json.loads(capsys.readouterr().out)
    assert status == 0, out
    assert isinstance(out, dict)
    return out


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize(("variables", "function", "wrt"), ACCEPTANCE)
def test_derive_then_grade(
    variables: list[str],
    function: str,
    wrt: str,
    layout: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    declared = [arg for spec in variables for arg in ("--var", spec)]
    problem = [*declared, "--function", function, "--wrt", wrt, "--layout", layout]
    derivation = _run(["derive", *problem, "--json"], capsys)
    steps = derivation["steps"]
    assert isinstance(steps, list) and len(steps) >= 3
    assert all(step["verified"] for step in steps), [s["title"] for s in steps]
    result = derivation["result"]
    assert isinstance(result, dict)
    indices = ["--indices", ",".join(result["indices"])] if result["indices"] else []
    grade = _run(
        ["grade", *problem, *indices, "--answer", result["expression"], "--seed", "5", "--json"],
        capsys,
    )
    assert grade["verdict"] == "correct", (result["expression"], grade["message"])
