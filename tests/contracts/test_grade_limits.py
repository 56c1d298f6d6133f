"""A grading over its wall-clock limit (issue 3; DESIGN §10): ``invalid`` with kind ``limit``, the
worker killed rather than abandoned, and no Python traceback shown to the user."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.contracts.conftest import ROOT, environment
from tests.contracts.grade_cases import assert_grade_result

LOSS = [
    "--var", "X=5x4", "--var", "w=4", "--var", "b=scalar", "--var", "y=5",
    "--function", "mean((y - relu(X w + b)).^2)", "--wrt", "w",
    "--answer", "(2/5) ((relu(X w + b) - y) .* step(X w + b))^T X",
]  # fmt: skip


def _survivors(session: int) -> list[str]:
    """Processes still alive in the session the command was started in."""
    listing = subprocess.run(["ps", "-eo", "sid=,pid=,args="], capture_output=True, text=True)
    rows = [line.split(None, 2) for line in listing.stdout.splitlines() if line.strip()]
    return [" ".join(row) for row in rows if len(row) == 3 and int(row[0]) == session]


def _run_in_own_session(args: list[str]) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=environment(),
        start_new_session=True,
    )
    out, err = proc.communicate(timeout=120)
    session = proc.pid  # a new session's id is its leader's pid
    deadline = time.monotonic() + 5  # a killed worker may take a moment to be reaped
    left = _survivors(session)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _survivors(session)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done, left


def test_over_the_limit_is_invalid_limit_and_kills_the_worker(tmp_path: Path) -> None:
    done, left = _run_in_own_session(["grade", *LOSS, "--json", "--timeout", "0.001"])
    result = json.loads(done.stdout)
    assert_grade_result(result)
    assert result["verdict"] == "invalid"
    assert result["error"]["kind"] == "limit"
    assert not left, left


def test_over_the_limit_prints_no_traceback() -> None:
    done, _ = _run_in_own_session(["grade", *LOSS, "--json", "--timeout", "0.001"])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


def test_over_the_limit_still_knows_the_expected_shape() -> None:
    """The expected shape follows from the declarations alone (dL/dw for w in R^4: 1x4)."""
    done, _ = _run_in_own_session(["grade", *LOSS, "--json", "--timeout", "0.001"])
    assert json.loads(done.stdout)["expected_shape"] == [1, 4]


def test_batch_lines_over_the_limit_are_invalid_limit(tmp_path: Path) -> None:
    line = {
        "variables": {"W": "3x4", "x": "4"},
        "function": "W x",
        "wrt": "x",
        "layout": "numerator",
        "answer": "W",
    }
    path = tmp_path / "slow.jsonl"
    path.write_text("\n".join(json.dumps(line) for _ in range(3)) + "\n")
    done, left = _run_in_own_session(["grade", "--batch", str(path), "--timeout", "0.001"])
    results = [json.loads(x) for x in done.stdout.splitlines() if x.strip()]
    assert len(results) == 3
    for result in results:
        assert_grade_result(result)
        assert (result["verdict"], result["error"]["kind"]) == ("invalid", "limit")
    assert not left, left
