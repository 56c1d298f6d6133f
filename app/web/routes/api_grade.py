"""``POST /api/v1/grade`` and ``POST /api/v1/parse``: the CLI's grade and parse over HTTP.

The grade body is a batch line (DESIGN §11), so an answer gets the same verdict here as
from ``jtutor grade``. Bad problems (unknown layout, absurd sizes, malformed values) are
422 with a message; an answer that does not parse is a 200 with verdict ``invalid``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from app.grading import Problem
from app.mathlang import MathError
from app.settings import Settings
from app.web.admission import caller_of
from app.web.deps import TutorDep
from app.web.errors import BadInput
from app.web.offload import off_loop
from app.web.plain import problem_from_dict, result_json
from app.web.preview import shapes_from_declarations
from app.web.problem_limits import check_public_problem, is_heavy
from app.web.tutor import Tutor

router = APIRouter(prefix="/api/v1", tags=["grading"])


class GradeRequest(BaseModel):
    """A batch line: the problem and the answer to grade."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "variables": {"W": "3x4", "x": "4"},
                    "function": "W x",
                    "wrt": "x",
                    "layout": "numerator",
                    "answer": "W",
                }
            ]
        }
    )

    variables: dict[str, str] = Field(description='name -> "SHAPE[:DOMAIN]", e.g. "3x4"')
    function: str = Field(description="the function, in the expression language")
    wrt: str | list[str] = Field(description="the variable(s) to differentiate by")
    layout: str = Field("numerator", description="numerator, denominator or any")
    answer: str = Field(description="the answer, in the expression language")
    indices: str | list[str] | None = Field(None, description="index names for index form")
    values: dict[str, Any] | None = Field(None, description="pinned values, name -> JSON")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="seed of the instances")


class ParseRequest(BaseModel):
    variables: dict[str, str] = Field(default_factory=dict, description='name -> "SHAPE"')
    expression: str = Field(description="the text to read")
    indices: dict[str, int] | None = Field(None, description="index name -> size")


def _public_problem(body: GradeRequest, settings: Settings) -> Problem:
    problem = problem_from_dict(body.model_dump(exclude_none=True, exclude={"answer", "seed"}))
    check_public_problem(problem, settings)
    return problem


@router.post(
    "/grade",
    summary="Grade an answer to a problem",
    responses={
        429: {"description": "this learner or address has too many gradings running"},
        503: {"description": "the grading queue is full; see Retry-After"},
    },
)
async def grade(body: GradeRequest, request: Request, tutor: TutorDep) -> dict[str, Any]:
    """The problem is checked against the public limits (declared sizes, cost estimate:
    422) before the grading is admitted (429/503 with Retry-After when over a limit)."""
    problem = await off_loop(_public_problem, body, tutor.settings)
    job = tutor.heavy_grading_job if is_heavy(problem) else tutor.grading_job
    result = await job(caller_of(request), tutor.grade, problem, body.answer, seed=body.seed)
    return result_json(result)


@router.post("/parse", summary="Read an expression: its LaTeX and shape, or the error")
async def parse(body: ParseRequest, request: Request, tutor: TutorDep) -> dict[str, Any]:
    """Read in a preview worker, admitted like a preview."""
    return await tutor.parsing_job(caller_of(request), _parse, body, tutor)


def _parse(body: ParseRequest, tutor: Tutor) -> dict[str, Any]:
    try:
        shapes = shapes_from_declarations(body.variables)
    except MathError as exc:
        raise BadInput(exc.message, field="variables") from exc
    if body.indices and any(not 1 <= n <= 1000 for n in body.indices.values()):
        raise BadInput("index sizes must be between 1 and 1000", field="indices")
    reading = tutor.preview_pool.read(
        body.expression,
        shapes,
        indices=body.indices,
        max_chars=tutor.settings.max_answer_chars,
    )
    reading.pop("caret", None)
    return reading
