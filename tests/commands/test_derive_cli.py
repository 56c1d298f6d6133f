"""``jtutor derive``: the acceptance problems end to end through the command line.

Each derivation must have at least three steps, each verified and with LaTeX, and its
result must be graded correct by ``jtutor grade`` for the same problem and layout.
"""

from __future__ import annotations

import json

import pytest

from app.calculus.derivation import NoRule
from app.cli import main
from app.commands import derive as derive_command

CASES = [
    (["W=3x4", "x=4"], "W x", "x"),
    (["W=4x3", "x=1x4"], "x W", "x"),
    (["W=3x4", "x=4"], "W x", "W"),
    (["w=4", "x=4", "b=scalar"], "relu(w^T x + b)", "w"),
    (["w=4", "x=4", "b=scalar"], "relu(w^T x + b)", "b"),
    (["X=5x3", "w=3", "b=scalar", "y=5"], "mean((y - relu(X w + b)).^2)", "w"),
    (["V=2x3", "W=3x4", "x=4"], "V W x", "x"),
    (["w=4", "x=4"], "sum(w .* x)", "w"),
]


def _var_flags(specs: list[str]) -> list[str]:
    return [flag for spec in specs for flag in ("--var", spec)]


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize(("specs", "function", "wrt"), CASES)
def test_derive_json_is_verified_and_graded_correct(
    capsys: pytest.CaptureFixture[str], specs: list[str], function: str, wrt: str, layout: str
) -> None:
    flags = _var_flags(specs)
    status = main(
        ["derive", *flags, "--function", function, "--wrt", wrt, "--layout", layout, "--json"]
    )
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["steps"]) >= 3
    assert all(step["verified"] is True and step["latex"] for step in data["steps"])
    result = data["result"]
    grade_args = [
        "grade",
        *flags,
        "--function",
        function,
        "--wrt",
        wrt,
        "--layout",
        layout,
        "--answer",
        result["expression"],
        "--json",
    ]
    if result["indices"]:
        grade_args += ["--indices", ",".join(result["indices"])]
    assert main(grade_args) == 0
    graded = json.loads(capsys.readouterr().out)
    assert graded["verdict"] == "correct", graded["message"]


def test_readable_output_lists_numbered_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["derive", "--var", "W=3x4", "--var", "x=4", "--function", "W x", "--wrt", "x"]) == 0
    )
    out = capsys.readouterr().out
    assert "1. Write one entry as a sum  [verified]" in out
    assert "result: W" in out
    assert "NOT verified" not in out


def test_syntax_error_exits_1_with_a_caret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--var", "x=4", "--function", "x + * x", "--wrt", "x"]) == 1
    out = capsys.readouterr().out
    assert "error (syntax)" in out and "^" in out


def test_json_error_has_kind_message_position(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--var", "x=4", "--function", "x +", "--wrt", "x", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["kind"] == "syntax" and isinstance(error["position"], int)


def test_unknown_wrt_and_missing_rule_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["derive", "--var", "x=4", "--function", "x", "--wrt", "y", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "unknown_name"

    def no_rule(*args: object, **kwargs: object) -> None:
        raise NoRule("no view of the engine covers this function and variable")

    monkeypatch.setattr(derive_command, "derive", no_rule)
    argv = ["derive", "--var", "A=3x3", "--var", "x=3", "--function", "det(A) x", "--wrt", "A"]
    assert main([*argv, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "no_rule"


def test_bad_var_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--var", "x=banana", "--function", "x", "--wrt", "x"]) == 2
    assert "--var x=banana" in capsys.readouterr().out
