"""The worked solution of an exercise's variant, with the step where the learner's last
wrong answer left the right path (DESIGN §11: ``GET /api/v1/exercises/{id}/solution``).

The steps are the derivation engine's for this variant's sizes, computed in a grading
worker under its limits; opening them is recorded with the learner's attempts. A learner
enrolled in a course whose assignment has the exercise and withholds its solution gets 403
until that assignment is past due.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.store.courses import solution_withheld
from app.store.solutions import last_wrong, record_solution_view
from app.web.admission import caller_of
from app.web.deps import LearnerDep, TutorDep
from app.web.errors import BadInput, WebError
from app.web.rendering import render
from app.web.tutor import Tutor

router = APIRouter()

MAX_SEED = 2**31 - 1


def worked_solution(tutor: Tutor, exercise_id: str, seed: int, learner: str) -> dict[str, Any]:
    """The derivation JSON of the variant, with ``seed`` and ``diverged_step`` (the step
    named by the misconception of the learner's latest wrong answer to it, or null)."""
    exercise = tutor.catalogue.exercise(exercise_id)
    with tutor.database.read() as session:
        withheld = solution_withheld(
            session, learner_id=learner, exercise_id=exercise.id, now=datetime.now(UTC)
        )
    if withheld is not None:
        raise WebError(
            f"The worked solution stays closed until the assignment {withheld.title!r} is "
            "past due.",
            status=403,
        )
    try:
        problem = exercise.problem(seed)
    except (ValueError, TypeError) as exc:
        raise BadInput(str(exc)) from exc
    outcome = tutor.pool.derive(
        problem.function, dict(problem.variables), list(problem.wrt), problem.layout, seed=seed
    )
    if "derivation" not in outcome:
        error = outcome.get("error") or {}
        raise BadInput(str(error.get("message", "no worked solution for this exercise")))
    derivation: dict[str, Any] = dict(outcome["derivation"])
    with tutor.database.write() as session:
        wrong = last_wrong(session, learner_id=learner, exercise_id=exercise.id, seed=seed)
        named = (wrong.result or {}).get("misconception") if wrong is not None else None
        step = named.get("step") if isinstance(named, dict) else None
        steps = derivation.get("steps") or []
        diverged = step if isinstance(step, int) and 0 <= step < len(steps) else None
        record_solution_view(
            session,
            learner_id=learner,
            exercise_id=exercise.id,
            seed=seed,
            diverged_step=diverged,
        )
    derivation.update(
        exercise_id=exercise.id,
        seed=seed,
        diverged_step=diverged,
        misconception=named if diverged is not None else None,
        answer=wrong.answer if wrong is not None else None,
    )
    return derivation


@router.get(
    "/api/v1/exercises/{exercise_id}/solution",
    tags=["exercises"],
    summary="The worked solution of a variant (opening it is recorded for the learner)",
)
async def solution_api(
    exercise_id: str,
    request: Request,
    tutor: TutorDep,
    learner: LearnerDep,
    seed: int = Query(..., ge=0, le=MAX_SEED),
) -> dict[str, Any]:
    """Derived in a grading worker: admitted by the grading gate like a grading."""
    return await tutor.grading_job(
        caller_of(request), worked_solution, tutor, exercise_id, seed, learner
    )


@router.get(
    "/exercises/{exercise_id}/solution", response_class=HTMLResponse, include_in_schema=False
)
async def solution_page(
    exercise_id: str,
    request: Request,
    tutor: TutorDep,
    learner: LearnerDep,
    seed: int = Query(..., ge=0, le=MAX_SEED),
) -> HTMLResponse:
    return await tutor.grading_job(
        caller_of(request), _solution_page, request, tutor, exercise_id, seed, learner
    )


def _solution_page(
    request: Request, tutor: Tutor, exercise_id: str, seed: int, learner: str
) -> HTMLResponse:
    exercise = tutor.catalogue.exercise(exercise_id)
    solution = worked_solution(tutor, exercise_id, seed, learner)
    context = {"exercise": exercise, "title": f"Worked solution: {exercise.title}", "seed": seed}
    context["solution"] = solution
    return render(request, "solution.html", context, partial="_solution.html")
