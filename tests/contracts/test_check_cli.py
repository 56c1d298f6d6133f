"""``jtutor check``: the shipped bank passes, planted mistakes are named (DESIGN §7, §11).

Issue 5 asks for at least 30 exercises; issue 3 for a failing check, naming the file, when a
reference answer is changed (here: doubled).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.contracts.conftest import ROOT, Completed, jtutor

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")
PLANTED = "u03-core-wx.yaml"  # y = Wx: reference W


def _summary(done: Completed) -> tuple[int, int]:
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    assert lines, (done.stdout, done.stderr[-2000:])
    match = SUMMARY.match(lines[-1])
    assert match, f"last line is {lines[-1]!r}, not 'N passed, M failed'"
    return int(match[1]), int(match[2])


@pytest.fixture(scope="module")
def shipped() -> Completed:
    return jtutor(["check", str(ROOT / "exercises")], timeout=300)


def test_the_shipped_bank_passes(shipped: Completed) -> None:
    passed, failed = _summary(shipped)
    assert failed == 0, shipped.stdout[-3000:]
    assert passed >= 30
    assert shipped.returncode == 0


def test_every_shipped_file_is_counted(shipped: Completed) -> None:
    files = list((ROOT / "exercises").glob("*.yaml")) + list((ROOT / "exercises").glob("*.yml"))
    passed, failed = _summary(shipped)
    assert passed + failed == len(files)


def _double_reference(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^reference:[ \t]*(.+)$", text, flags=re.MULTILINE)
    assert match, f"{path.name} has no one-line reference"
    original = match[1].strip()
    path.write_text(text[: match.start()] + f"reference: 2 ({original})" + text[match.end() :])
    return original


def test_a_doubled_reference_fails_naming_the_file(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "exercises", bank)
    assert _double_reference(bank / PLANTED)
    done = jtutor(["check", str(bank)], timeout=300)
    passed, failed = _summary(done)
    assert failed == 1, done.stdout[-3000:]
    assert done.returncode == 1
    failing = [line for line in done.stdout.splitlines() if "u03-core-wx" in line]
    assert failing, done.stdout[-3000:]
    assert passed == len(list(bank.glob("*.y*ml"))) - 1


@pytest.mark.parametrize(
    ("field", "edit"),
    [
        ("layout", lambda t: re.sub(r"^layout:.*$", "layout: sideways", t, flags=re.M)),
        ("function", lambda t: re.sub(r"^function:.*\n", "", t, flags=re.M)),
        ("variables", lambda t: t.replace("variables:\n  W: m x n", "variables:\n  W: [1, 2]")),
    ],
)
def test_a_schema_error_names_file_and_field(tmp_path: Path, field: str, edit: object) -> None:
    source = (ROOT / "exercises" / PLANTED).read_text(encoding="utf-8")
    broken = edit(source)  # type: ignore[operator]
    assert broken != source
    path = tmp_path / f"broken-{field}.yaml"
    path.write_text(broken, encoding="utf-8")
    done = jtutor(["check", str(path)])
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert _summary(done) == (0, 1)
    named = [line for line in output.splitlines() if path.name in line and field in line]
    assert named, output


def test_a_file_that_is_not_yaml_fails_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_text("id: [unclosed\n  : : :\n", encoding="utf-8")
    done = jtutor(["check", str(path)])
    assert done.returncode == 1
    assert path.name in done.stdout + done.stderr


def test_every_shipped_exercise_tests_a_right_and_a_wrong_answer() -> None:
    """Issues 3 and 5: each exercise's tests hold the correct answer and at least one typical
    wrong answer with the diagnosis it must get."""
    weak = []
    for path in sorted((ROOT / "exercises").glob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        tests = data.get("tests") or []
        verdicts = [t.get("verdict") for t in tests]
        diagnosed = [t for t in tests if t.get("verdict") == "incorrect" and t.get("diagnosis")]
        if "correct" not in verdicts or not diagnosed:
            weak.append(path.name)
    assert not weak


def test_several_paths_files_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    shutil.copy(ROOT / "exercises" / "u04-core-xw.yaml", folder)
    done = jtutor(["check", str(ROOT / "exercises" / PLANTED), str(folder)])
    assert _summary(done) == (2, 0), done.stdout
    assert done.returncode == 0
