"""``jtutor schema``: a JSON Schema that every shipped exercise meets and a broken one fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from app.bank.schema import ExerciseData
from app.cli import main as jtutor

EXERCISES = sorted((Path(__file__).resolve().parents[2] / "exercises").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(_schema_text()))


def _schema_text() -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert jtutor(["schema"]) == 0
    return out.getvalue()


def test_the_schema_is_a_valid_json_schema_of_every_key() -> None:
    schema = json.loads(_schema_text())
    Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == set(ExerciseData.model_fields)
    assert schema["additionalProperties"] is False


def test_the_schema_can_be_written_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "exercise.schema.json"
    assert jtutor(["schema", "-o", str(target)]) == 0
    assert json.loads(target.read_text()) == json.loads(_schema_text())


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_every_shipped_exercise_meets_the_schema(
    validator: Draft202012Validator, path: Path
) -> None:
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"colour": "red"}, "colour"),
        ({"layout": "sideways"}, "sideways"),
        ({"tests": [{"answer": "W", "verdict": "right"}]}, "right"),
        ({"tests": [{"answer": "W", "verdict": "correct", "note": 1}]}, "note"),
        ({"sizes": {"m": 40}}, "40"),
        ({"id": "Not An Id"}, "Not An Id"),
    ],
)
def test_a_broken_exercise_fails_the_schema(
    validator: Draft202012Validator, change: dict[str, Any], word: str
) -> None:
    data = yaml.safe_load(EXERCISES[0].read_text()) | change
    errors = [e.message for e in validator.iter_errors(data)]
    assert errors and any(word in e for e in errors), errors
