"""``jtutor parse`` keeps the contract of DESIGN §11: JSON shape and LaTeX, or an error
with its kind and position; a readable report with a caret line; exit 0, 1 or 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).parents[2]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    status = main(["parse", "--json", *argv])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("variables", "text", "shape"),
    [
        (["W=3x4", "x=4"], "W x", [3, 1]),
        (["x=1x4", "W=4x3"], "x W", [1, 3]),
        (["x=3", "A=3x3"], "x^T A x", [1, 1]),
        (["A=5x3", "x=3", "b=5"], "2 A^T (A x - b)", [3, 1]),
        (["x=4"], "diag(x) - x x^T", [4, 4]),
        (["X=5x3", "w=3", "b=scalar"], "relu(X w + b)", [5, 1]),
        (["x=scalar", "y=scalar"], "[3 x^2 y, 2x + y^8]", [2, 1]),
        (["z=scalar", "A=3x3"], "z I + A", [3, 3]),
        (["x=4"], "ones(4)^T x", [1, 1]),
        (["W=2x3"], "kron(eye(2), W)", [4, 6]),
        (["A=3x3"], "det(A) inv(A)^T", [3, 3]),
        (["A=3x3"], "A^-1^T", [3, 3]),
        (["x=4"], "x'x", [1, 1]),
    ],
)
def test_json_shape_and_latex(
    capsys: pytest.CaptureFixture[str], variables: list[str], text: str, shape: list[int]
) -> None:
    flags = [item for spec in variables for item in ("--var", spec)]
    status, result = run_json(capsys, *flags, text)
    assert status == 0
    assert result["ok"] is True
    assert result["shape"] == shape
    assert isinstance(result["latex"], str) and result["latex"]
    assert set(result) == {"ok", "shape", "latex"}


@pytest.mark.parametrize(
    ("variables", "text", "kind", "position"),
    [
        (["x=4"], "2 (x + ", "syntax", 7),
        (["x=4"], "x)", "syntax", 1),
        (["x=4"], "sin x", "syntax", 0),
        (["x=4"], "x + * x", "syntax", 4),
        (["x=4"], "__import__('os').system('id')", "syntax", 0),
        (["x=4"], "x\x00", "syntax", 1),
        (["x=4"], "1e999999 * x", "limit", 0),
        (["x=4"], "(" * 3000 + "x" + ")" * 3000, "limit", 2000),
        (["x=4"], "y + x", "unknown_name", 0),
        (["W=3x4", "x=3"], "W x", "shape", None),
    ],
)
def test_json_errors(
    capsys: pytest.CaptureFixture[str],
    variables: list[str],
    text: str,
    kind: str,
    position: int | None,
) -> None:
    flags = [item for spec in variables for item in ("--var", spec)]
    status, result = run_json(capsys, *flags, text)
    assert status == 1
    assert result["ok"] is False
    error = result["error"]
    assert isinstance(error, dict)
    assert set(error) == {"kind", "message", "position"}
    assert error["kind"] == kind
    assert isinstance(error["message"], str) and error["message"]
    if position is not None:
        assert error["position"] == position


def test_index_form_with_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    status, result = run_json(
        capsys, "--var", "x=4", "--indices", "i=3,j=3,k=4", "delta(i,j) * x[k]"
    )
    assert (status, result["shape"]) == (0, [3, 3, 4])


def test_index_form_takes_ranges_from_indexed_variables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, result = run_json(
        capsys, "--var", "W=3x4", "--var", "x=4", "--indices", "i,k", "W[i, k] x[k]"
    )
    assert (status, result["shape"]) == (0, [3, 4])
    status, result = run_json(capsys, "--var", "x=4", "--indices", "i,k", "[i==k]")
    assert status == 1
    assert "--indices i=N" in str(result["error"])


def test_readable_report(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["parse", "--var", "A=5x3", "--var", "x=3", "--var", "b=5", "2*A'*(A x-b)"])
    out = capsys.readouterr().out
    assert status == 0
    assert "read as: 2 A^T (A x - b)" in out
    assert "shape:   3x1" in out
    assert "latex:" in out


def test_readable_error_has_a_caret_under_the_offending_character(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["parse", "--var", "x=4", "x + (x"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[0] == "error (syntax): missing closing ')' for the '(' at character 5"
    assert lines[1:] == ["  x + (x", "        ^"]


@pytest.mark.parametrize(
    "argv",
    [
        ["parse", "--var", "x=4q", "x"],
        ["parse", "--var", "x", "x"],
        ["parse", "--var", "x=4", "--indices", "i=0", "x"],
        ["parse", "--var", "x=4", "--indices", "i j", "x"],
    ],
)
def test_bad_flags_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) == 2
    assert "jtutor parse:" in capsys.readouterr().err


def test_bad_flag_in_json_mode_still_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--json", "--var", "x=4q", "x"]) == 2
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False


def test_unknown_option_exits_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["parse", "--bogus", "x"])
    assert caught.value.code == 2


def jtutor(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "parse", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_subprocess_json_ok() -> None:
    done = jtutor("--json", "--var", "W=3x4", "--var", "x=4", "W x")
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"ok": True, "shape": [3, 1], "latex": "W x"}


def test_subprocess_error_and_bad_flags() -> None:
    done = jtutor("--json", "--var", "x=4", "x ** 2")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["position"] == 2
    done = jtutor("--json", "--var", "x=nope", "x")
    assert done.returncode == 2
