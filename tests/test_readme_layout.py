"""The README's "Layout of the code" table names files and folders that exist, and answers
where a grading rule, a page and a setting live."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^### Layout of the code\n(.*?)(?=^## |^### )", readme, re.S | re.M)
    assert found, "README.md needs a '### Layout of the code' section"
    return found.group(1)


def test_every_path_in_the_layout_table_exists() -> None:
    section = _section()
    paths = re.findall(r"`((?:app|templates|static|exercises|tests)/[^`*{]*?)`", section)
    assert len(paths) >= 20
    for path in paths:
        assert (ROOT / path).exists(), f"README names {path}, which does not exist"


def test_the_table_answers_the_newcomers_questions() -> None:
    rows = {line.split("|")[1].strip(): line for line in _section().splitlines() if "|" in line}
    assert any("grading rule" in k and "app/grading/grader.py" in v for k, v in rows.items())
    assert any("a page" in k and "app/web/routes/" in v for k, v in rows.items())
    assert any("a setting" in k and "app/settings.py" in v for k, v in rows.items())
