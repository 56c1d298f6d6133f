"""Adaptive practice: the ``/practice`` page and its JSON API (DESIGN §11 "Practice").

The page is an exercise page chosen for the learner, with the reason it was chosen and a
bar per skill; answers go through the exercise's own submit route, which updates the
learner model like every other answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from app.practice import BY_ID
from app.web import practice
from app.web.deps import LearnerDep, TutorDep
from app.web.errors import NotFound
from app.web.rendering import render
from app.web.routes.exercises import exercise_context

router = APIRouter()


class NextItem(BaseModel):
    exercise_id: str = Field(description="the exercise to answer (GET /api/v1/exercises/{id})")
    seed: int = Field(description="the variant to answer: pass it with the attempt")
    skill: str = Field(description="the skill this item drills")
    reason: str = Field(description="why it comes next, for the learner")


class SkillProgress(BaseModel):
    mastery: float = Field(ge=0, le=1, description="probability the skill is known")
    attempts: int = Field(ge=0, description="answers that were evidence about the skill")
    due: str | None = Field(description="next review (ISO 8601) once mastered, else null")


@router.get(
    "/api/v1/practice/next",
    tags=["practice"],
    summary="The calling learner's next practice item",
    response_model=NextItem,
)
def next_item(tutor: TutorDep, learner: LearnerDep) -> dict[str, Any]:
    practice.refresh(tutor.database, catalogue=tutor.catalogue, learner_id=learner)
    with tutor.database.read() as session:
        choice = practice.next_item(session, catalogue=tutor.catalogue, learner_id=learner)
    if choice is None:
        raise NotFound("There are no exercises to practise.")
    return {
        "exercise_id": choice.exercise_id,
        "seed": choice.seed,
        "skill": choice.skill,
        "reason": choice.reason,
    }


@router.get(
    "/api/v1/practice/skills",
    tags=["practice"],
    summary="The calling learner's mastery of each skill",
    response_model=dict[str, SkillProgress],
)
def skills(tutor: TutorDep, learner: LearnerDep) -> dict[str, dict[str, Any]]:
    practice.refresh(tutor.database, catalogue=tutor.catalogue, learner_id=learner)
    with tutor.database.read() as session:
        return practice.skills_json(practice.states(session, learner_id=learner))


@router.get("/practice", response_class=HTMLResponse, include_in_schema=False)
def practice_page(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    now = datetime.now(UTC)
    practice.refresh(tutor.database, catalogue=tutor.catalogue, learner_id=learner)
    with tutor.database.read() as session:
        choice = practice.next_item(session, catalogue=tutor.catalogue, learner_id=learner, now=now)
        rows = practice.skill_rows(practice.states(session, learner_id=learner), now)
    if choice is None:
        return render(request, "practice_empty.html", {"title": "Practice", "skill_rows": rows})
    exercise = tutor.catalogue.exercise(choice.exercise_id)
    context = exercise_context(tutor, exercise, choice.seed, learner)
    context.update(
        title="Practice",
        practice=choice,
        practice_skill_title=BY_ID[choice.skill].title if choice.skill in BY_ID else choice.skill,
        skill_rows=rows,
    )
    return render(request, "exercise.html", context)
