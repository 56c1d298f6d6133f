"""The ``jtutor`` dispatcher: sub-commands present, math values that start with a minus sign."""

import json

import pytest

from app.cli import build_parser, join_math_values, main


def test_every_command_is_registered() -> None:
    help_text = build_parser().format_help()
    for name in ("serve", "parse", "grade", "derive", "check", "instructor", "lti"):
        assert name in help_text


def test_math_values_may_start_with_a_minus_sign() -> None:
    assert join_math_values(["grade", "--answer", "-W", "--json"]) == [
        "grade",
        "--answer=-W",
        "--json",
    ]
    assert join_math_values(["grade", "--answer", "W"]) == ["grade", "--answer", "W"]
    assert join_math_values(["parse", "--", "--answer", "-x"]) == ["parse", "--", "--answer", "-x"]


def test_grade_reads_a_negated_answer(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["grade", "--var", "W=3x4", "--var", "x=4", "--function", "W x", "--wrt", "x"]
    status = main([*argv, "--answer", "-W", "--json", "--seed", "5"])
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "incorrect"
    assert result["diagnosis"] == "sign"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err
