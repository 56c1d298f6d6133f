"""The exercise bank over JSON, and answering an exercise as the calling learner."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from app.grading import Problem
from app.web.admission import caller_of
from app.web.deps import LearnerDep, TutorDep
from app.web.errors import BadInput
from app.web.offload import off_loop
from app.web.plain import result_json, to_plain
from app.web.tutor import Tutor

router = APIRouter(prefix="/api/v1", tags=["exercises"])

MAX_SEED = 2**31 - 1


class AttemptRequest(BaseModel):
    answer: str = Field(description="the answer, in the expression language")
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="the variant answered")


def summary(exercise: Any) -> dict[str, Any]:
    return {
        "id": exercise.id,
        "title": exercise.title,
        "lesson": exercise.lesson,
        "answer_form": exercise.answer_form,
        "layout": exercise.layout,
        "skills": list(exercise.skills),
    }


@router.get("/exercises", summary="List the exercises")
def list_exercises(tutor: TutorDep, lesson: str | None = None) -> dict[str, Any]:
    return {"exercises": [summary(e) for e in tutor.catalogue.exercises(lesson)]}


@router.get("/exercises/{exercise_id}", summary="One exercise and the variant for a seed")
def get_exercise(
    exercise_id: str,
    tutor: TutorDep,
    seed: int | None = Query(None, ge=0, le=MAX_SEED),
) -> dict[str, Any]:
    exercise = tutor.catalogue.exercise(exercise_id)
    chosen = secrets.randbelow(MAX_SEED) if seed is None else seed
    try:
        variant = to_plain(dict(exercise.variant(chosen)))
    except (ValueError, TypeError) as exc:
        raise BadInput(str(exc)) from exc
    return {
        **summary(exercise),
        "prompt": exercise.prompt,
        "hint_count": len(getattr(exercise, "hints", []) or []),
        "seed": chosen,
        "variant": variant,
    }


def _attempt_problem(tutor: Tutor, exercise_id: str, seed: int | None) -> tuple[Any, int, Problem]:
    exercise = tutor.catalogue.exercise(exercise_id)
    chosen = secrets.randbelow(MAX_SEED) if seed is None else seed
    return exercise, chosen, exercise.problem(chosen)


@router.post(
    "/exercises/{exercise_id}/attempts",
    summary="Answer an exercise; the attempt is stored for the calling learner",
    responses={
        429: {"description": "this learner or address has too many gradings running"},
        503: {"description": "the grading queue is full; see Retry-After"},
    },
)
async def create_attempt(
    exercise_id: str,
    body: AttemptRequest,
    request: Request,
    tutor: TutorDep,
    learner: LearnerDep,
) -> dict[str, Any]:
    exercise, seed, problem = await off_loop(_attempt_problem, tutor, exercise_id, body.seed)
    graded = await tutor.grading_job(caller_of(request), tutor.grade, problem, body.answer, seed)
    result = result_json(graded)
    attempt = await off_loop(
        tutor.record_attempt,
        learner_id=learner,
        exercise_id=exercise.id,
        answer=body.answer,
        seed=seed,
        result=result,
    )
    return {**result, "attempt_id": attempt.id, "counted": attempt.counted}
