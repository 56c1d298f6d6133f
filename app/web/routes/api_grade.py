"""``POST /api/v1/grade`` and ``POST /api/v1/parse``: the CLI's grade and parse over HTTP.

The grade body is a batch line (DESIGN §11), so an answer gets the same verdict here as
from ``jtutor grade``. Bad problems (unknown layout, absurd sizes, malformed values) are
422 with a message; an answer that does not parse is a 200 with verdict ``invalid``.

A grading is mostly a wait for a worker process, and this route is the API's busiest, so
its own cost is kept small: a problem is read and checked once and then kept
(``app.web.checked_problems``), and a small request (at most :data:`SMALL_BODY_BYTES`)
is handled on the event loop from end to end, with no thread: the kept problem is looked
up, the grading admitted and its worker's answer awaited there (``Tutor.grade_checked``).
All of that is bounded by the body's size. Anything larger, or a problem not seen before,
is read and checked in a thread, and a large body's grading waits in a thread too.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.grading.result import GradeResult
from app.mathlang import MathError
from app.web.admission import caller_of
from app.web.deps import TutorDep
from app.web.errors import BadInput
from app.web.offload import off_loop
from app.web.plain import result_json
from app.web.preview import shapes_from_declarations
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


SMALL_BODY_BYTES = 4_096
"""A grade request at most this long (by its Content-Length) is handled on the event loop
(see the module docstring); a typical problem with its answer takes 200 bytes."""

SMALL_RESULT_CELLS = 1_024
"""A result with a heatmap of at most this many cells is made JSON on the loop."""


def _is_small(request: Request) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) <= SMALL_BODY_BYTES


def _response(result: GradeResult) -> JSONResponse:
    return JSONResponse(result_json(result))


@router.post(
    "/grade",
    summary="Grade an answer to a problem",
    response_model=dict[str, Any],
    responses={
        429: {"description": "this learner or address has too many gradings running"},
        503: {"description": "the grading queue is full; see Retry-After"},
    },
)
async def grade(body: GradeRequest, request: Request, tutor: TutorDep) -> JSONResponse:
    """The problem is checked against the public limits (declared sizes, cost estimate:
    422) before the grading is admitted (429/503 with Retry-After when over a limit)."""
    fields = body.model_dump(exclude_none=True, exclude={"answer", "seed"})
    small = _is_small(request)
    checked = tutor.checked_problems.kept(fields) if small else None
    if checked is None:
        checked = await off_loop(tutor.checked_problems.check, fields)
    result = await tutor.grade_checked(
        caller_of(request), checked, body.answer, body.seed, on_loop=small
    )
    if small and sum(map(len, result.heatmap)) <= SMALL_RESULT_CELLS:
        return _response(result)
    return await off_loop(_response, result)


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
