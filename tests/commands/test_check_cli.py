"""``jtutor check``: the shipped bank passes; a broken reference fails naming the file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


def jtutor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_shipped_bank_passes() -> None:
    run = jtutor("check", str(EXERCISES))
    assert run.returncode == 0, run.stdout
    last = run.stdout.splitlines()[-1]
    passed = int(last.split()[0])
    assert last == f"{passed} passed, 0 failed" and passed >= 12
    for number in range(1, 13):
        assert any(line.startswith(f"PASS u{number:02d}-core-") for line in run.stdout.splitlines())


def test_doubled_reference_fails_naming_the_file(tmp_path: Path) -> None:
    source = EXERCISES / "u03-core-wx.yaml"
    broken = tmp_path / "u03-core-wx.yaml"
    text = source.read_text()
    assert "reference: W\n" in text
    broken.write_text(text.replace("reference: W\n", "reference: 2 W\n"))
    shutil.copy(EXERCISES / "u09-core-neuron.yaml", tmp_path)
    run = jtutor("check", str(tmp_path))
    assert run.returncode == 1
    assert f"FAIL {broken}: reference" in run.stdout
    assert "PASS u09-core-neuron" in run.stdout
    assert run.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_schema_error_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "u03-core-wx.yaml"
    path.write_text(
        (EXERCISES / "u03-core-wx.yaml")
        .read_text()
        .replace("  - answer: -W\n    verdict: incorrect", "  - answer: -W\n    verdict: wrong")
    )
    run = jtutor("check", str(path))
    assert run.returncode == 1
    assert f"FAIL {path}: tests[2].verdict: must be one of correct, incorrect" in run.stdout


def test_missing_path_exits_2() -> None:
    assert jtutor("check", "/nonexistent/exercises").returncode == 2
