"""``jtutor derive-coverage``: the share of generated problems derived and graded correct."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from app.cli import main
from app.commands import derive_coverage


def test_reports_coverage_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive-coverage", "--problems", "6", "--seed", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == 6 and report["covered"] == 6 and report["coverage"] == 1.0
    assert report["not_covered"] == []


def test_a_result_graded_wrong_is_listed_and_fails_the_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = derive_coverage.derive

    def doubled(*args: Any, **kwargs: Any) -> Any:
        d = real(*args, **kwargs)
        return replace(d, expression=f"2 ({d.expression})" if d.indices is None else "0")

    monkeypatch.setattr(derive_coverage, "derive", doubled)
    assert main(["derive-coverage", "--problems", "3", "--seed", "3"]) == 1
    out = capsys.readouterr().out
    assert "incorrect: d(" in out and "0 of 3 generated problems" in out
