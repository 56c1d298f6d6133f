"""The catalogue, and every shipped exercise tagged with skills from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank.curriculum import BY_SLUG
from app.bank.loader import load_bank
from app.bank.schema import DIAGNOSES, BankError, validate
from app.bank.yaml_text import load_yaml
from app.practice.skills import (
    BY_ID,
    DIAGNOSIS_SKILLS,
    LESSON_SKILLS,
    MISCONCEPTION_SKILLS,
    MISTAKE_PHRASES,
    SKILL_IDS,
    revealed_skill,
)

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
CONTRACT_SKILLS = {
    "layout", "shapes", "chain_rule", "elementwise", "activation_derivative",
    "quadratic_forms", "tensor_index", "batches", "scaling",
}  # fmt: skip
CONTRACT_MISCONCEPTIONS = {
    "assumed_symmetric", "product_rule_one_term", "activation_not_derivative",
    "missing_activation_derivative", "missing_inner_derivative", "product_order",
    "transposed_factor", "diagonal_as_vector",
}  # fmt: skip


def test_the_contract_skills_are_in_the_catalogue_and_documented() -> None:
    assert set(SKILL_IDS) >= CONTRACT_SKILLS
    for skill in BY_ID.values():
        assert skill.title and skill.description and skill.drill
        assert skill.lesson in BY_SLUG


def test_every_diagnosis_and_misconception_reveals_a_skill() -> None:
    assert set(DIAGNOSIS_SKILLS) == set(DIAGNOSES)
    assert DIAGNOSIS_SKILLS["transposed"] == "layout"
    assert DIAGNOSIS_SKILLS["wrong_shape"] == "shapes"
    assert DIAGNOSIS_SKILLS["scaled"] == "scaling"
    assert set(MISCONCEPTION_SKILLS) >= CONTRACT_MISCONCEPTIONS
    assert MISCONCEPTION_SKILLS["missing_activation_derivative"] == "activation_derivative"
    for skill in [*DIAGNOSIS_SKILLS.values(), *MISCONCEPTION_SKILLS.values()]:
        assert skill is None or skill in BY_ID
    for kind in [*DIAGNOSIS_SKILLS, *MISCONCEPTION_SKILLS]:
        assert kind in MISTAKE_PHRASES


def test_the_misconception_decides_over_the_diagnosis() -> None:
    skills = ("activation_derivative", "chain_rule")
    assert revealed_skill("entries", None, skills) == "activation_derivative"
    assert revealed_skill("transposed", None, skills) == "layout"
    assert revealed_skill("entries", "missing_inner_derivative", skills) == "chain_rule"
    assert revealed_skill(None, None, ()) is None


def test_every_shipped_exercise_lists_known_skills() -> None:
    bank = load_bank(EXERCISES)
    assert bank.exercises
    for exercise in bank.exercises:
        assert exercise.data.skills, f"{exercise.id} lists no skills"
        assert set(exercise.skills) <= set(SKILL_IDS)
    tagged = {skill for e in bank.exercises for skill in e.skills}
    assert tagged >= CONTRACT_SKILLS, "every contract skill has an exercise to drill it"


def test_the_skills_line_follows_the_layout_line() -> None:
    for path in sorted(EXERCISES.glob("*.yaml")):
        lines = path.read_text().splitlines()
        layout = next(i for i, line in enumerate(lines) if line.startswith("layout:"))
        assert lines[layout + 1].startswith("skills: ["), path.name


def _data(**changes: object) -> dict[str, object]:
    data = load_yaml((EXERCISES / "u03-core-wx.yaml").read_text())
    assert isinstance(data, dict)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("skills", "where"),
    [
        (["layout", "transposing"], "skills[1]"),
        (["layout", "layout"], "skills"),
        ("layout", "skills"),
        ([], "skills"),
    ],
)
def test_the_schema_refuses_unknown_or_malformed_skills(skills: object, where: str) -> None:
    with pytest.raises(BankError) as caught:
        validate(_data(skills=skills), "x.yaml")
    assert caught.value.field == where


def test_an_exercise_without_skills_has_its_lessons() -> None:
    from app.bank.exercise import Exercise

    data = _data()
    del data["skills"]
    exercise = Exercise(validate(data, "x.yaml"))
    assert exercise.skills == LESSON_SKILLS["y-equals-wx"]
    assert set(LESSON_SKILLS) == set(BY_SLUG)


def test_every_misconception_the_grader_can_name_has_a_skill() -> None:
    from app.calculus.buggy.candidates import CATALOGUE

    assert set(CATALOGUE) <= set(MISCONCEPTION_SKILLS)
