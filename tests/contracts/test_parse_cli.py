"""``jtutor parse``: shapes, error kinds, carets, hostile input (DESIGN §3, §11; issue 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contracts.conftest import Completed, jtutor, jtutor_many, var_flags
from tests.contracts.parse_cases import (
    BAD,
    GOOD,
    HOSTILE_ERROR_OR_INERT,
    HOSTILE_ERRORS,
    KINDS,
    Bad,
    Good,
)


def _good_args(case: Good) -> list[str]:
    args = ["parse", *var_flags(case.variables), "--json"]
    if case.indices:
        args += ["--indices", case.indices]
    return [*args, "--", case.text]


def _bad_args(case: Bad) -> list[str]:
    return ["parse", *var_flags(case.variables), "--json", "--", case.text]


@pytest.fixture(scope="module")
def good_results() -> dict[str, Completed]:
    results = jtutor_many([_good_args(c) for c in GOOD])
    return {_key(c): r for c, r in zip(GOOD, results, strict=True)}


def _key(case: Good) -> str:
    return f"{case.text}|{case.indices}"


@pytest.fixture(scope="module")
def bad_results() -> list[Completed]:
    return jtutor_many([_bad_args(c) for c in BAD])


def test_the_table_is_large_enough() -> None:
    assert len(GOOD) >= 60 and len(BAD) >= 30


@pytest.mark.parametrize("case", GOOD, ids=[c.text[:40] for c in GOOD])
def test_shape_of_a_valid_expression(case: Good, good_results: dict[str, Completed]) -> None:
    done = good_results[_key(case)]
    result = done.json()
    assert result == {"ok": True, "shape": case.shape, "latex": result.get("latex")}, done.command()
    assert isinstance(result["latex"], str) and result["latex"].strip()


@pytest.mark.parametrize("index", range(len(BAD)), ids=[b.text[:30] or "<empty>" for b in BAD])
def test_error_kind_and_position(index: int, bad_results: list[Completed]) -> None:
    case, done = BAD[index], bad_results[index]
    result = done.json()
    assert isinstance(result, dict) and result["ok"] is False, done.command()
    error = result["error"]
    assert set(error) >= {"kind", "message", "position"}
    assert error["kind"] == case.kind, (case.text[:60], error)
    assert isinstance(error["message"], str) and error["message"]
    assert error["position"] is None or type(error["position"]) is int
    if case.kind == "syntax":
        assert case.positions is not None
    if case.positions is not None:
        assert error["position"] in case.positions, (case.text, error)
    for fragment in case.message_has:
        assert fragment in error["message"], (case.text, error["message"])


@pytest.mark.parametrize(
    ("text", "position"),
    [("W x )", 4), ("x +", 3)],
)
def test_report_without_json_shows_a_caret_line(text: str, position: int) -> None:
    done = jtutor(["parse", "--var", "W=3x4", "--var", "x=4", "--", text])
    lines = (done.stdout + done.stderr).splitlines()
    echo = [i for i, line in enumerate(lines[:-1]) if line.rstrip().endswith(text)]
    assert echo, done.stdout + done.stderr
    i = echo[-1]
    start = lines[i].rstrip().rfind(text)
    caret = lines[i + 1]
    assert caret.strip() == "^", lines[i : i + 2]
    assert caret.index("^") == start + position, lines[i : i + 2]


def _hostile_args(text: str) -> list[str]:
    return ["parse", "--var", "W=3x4", "--var", "x=4", "--json", "--", text]


def test_hostile_inputs_are_errors_and_run_nothing(tmp_path: Path) -> None:
    planted = tmp_path / "PWNED"
    texts = [t.replace("{FILE}", str(planted)) for t in HOSTILE_ERRORS]
    results = jtutor_many([_hostile_args(t) for t in texts])
    for text, done in zip(texts, results, strict=True):
        result = done.json()
        assert isinstance(result, dict), text[:60]
        assert result["ok"] is False, (text[:60], result)
        assert result["error"]["kind"] in KINDS, (text[:60], result)
    assert not planted.exists()


def test_hostile_inputs_are_errors_or_inert_values() -> None:
    results = jtutor_many([_hostile_args(t) for t in HOSTILE_ERROR_OR_INERT])
    for text, done in zip(HOSTILE_ERROR_OR_INERT, results, strict=True):
        result = done.json()
        assert isinstance(result, dict), text
        if result["ok"]:
            shape = result["shape"]
            assert isinstance(shape, list) and all(isinstance(n, int) for n in shape)
        else:
            assert result["error"]["kind"] in KINDS, (text, result)


def test_the_jtutor_script_is_the_same_program() -> None:
    """``jtutor`` (the console script) and ``python -m app`` answer alike."""
    script = Path(sys.executable).with_name("jtutor")
    args = ["parse", "--var", "W=3x4", "--var", "x=4", "--json", "x^T W^T"]
    by_script = subprocess.run([str(script), *args], capture_output=True, text=True, timeout=60)
    assert by_script.returncode == 0, by_script.stderr
    assert json.loads(by_script.stdout) == jtutor(args).json()
