"""The exercise shown in the README is a real one: it loads and passes its self-check."""

import re
from pathlib import Path

from app.bank import check_exercise, load_exercise_text

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_exercise_passes_jtutor_check() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README shows no exercise file"
    exercise = load_exercise_text(blocks[0], source="README.md")
    report = check_exercise(exercise)
    assert report.ok, report.lines
