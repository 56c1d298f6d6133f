"""One exercise in the browser: the page, the live preview, grading, and hints.

Every form works as a plain full-page POST without JavaScript; with htmx the same routes
return only the partial that changes (``_preview.html``, ``_feedback.html``, ``_hints.html``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import FormData

from app.bank.curriculum import lesson as find_lesson
from app.grading import Problem
from app.grading.result import GradeResult
from app.mathlang import parse
from app.web import answer_help, csrf, practice
from app.web.admission import caller_of
from app.web.deps import LearnerDep, TutorDep
from app.web.errors import BadInput, WebError
from app.web.offload import off_loop
from app.web.plain import result_json, to_plain
from app.web.preview import shapes_from_declarations
from app.web.progress import exercise_progress, next_exercise
from app.web.rendering import render
from app.web.speech import spoken, spoken_shape
from app.web.tutor import Tutor
from app.web.visual_input import from_ascii_math

router = APIRouter(include_in_schema=False)

MAX_SEED = 2**31 - 1
_COMMA_DECIMAL = re.compile(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?")


def _seed(raw: Any) -> int:
    if raw in (None, ""):
        return secrets.randbelow(MAX_SEED)
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise BadInput("the seed must be a whole number", field="seed") from exc
    if not 0 <= value <= MAX_SEED:
        raise BadInput(f"the seed must be between 0 and {MAX_SEED}", field="seed")
    return value


def _variant(exercise: Any, seed: int) -> dict[str, Any]:
    try:
        variant: dict[str, Any] = to_plain(dict(exercise.variant(seed)))
    except (ValueError, TypeError) as exc:
        raise BadInput(str(exc)) from exc
    return variant


def _grid_shape(variant: dict[str, Any]) -> tuple[int, int]:
    shape = [int(n) for n in variant.get("expected_shape") or [1, 1]]
    if len(shape) == 1:
        return shape[0], 1
    if len(shape) != 2:
        raise BadInput("a numeric grid needs a two-axis answer")
    return shape[0], shape[1]


def answer_from_form(form: FormData, exercise: Any, variant: dict[str, Any]) -> str:
    """The answer text; a numeric grid becomes a ``[[...], ...]`` literal of its cells."""
    if getattr(exercise, "answer_form", "expression") != "numeric" or "cell-1-1" not in form:
        return str(form.get("answer") or "")
    rows, cols = _grid_shape(variant)
    lines = []
    for i in range(1, rows + 1):
        cells = []
        for j in range(1, cols + 1):
            value = str(form.get(f"cell-{i}-{j}") or "").strip()
            if not value:
                raise BadInput(f"the cell in row {i}, column {j} is empty", field=f"cell-{i}-{j}")
            if _COMMA_DECIMAL.fullmatch(value):
                value = value.replace(",", ".")  # 0,5 is a decimal comma: one entry, 0.5
            elif "," in value:
                raise BadInput(
                    f"the cell in row {i}, column {j} holds {value!r}: one number per cell, "
                    "with a decimal point (0.5)",
                    field=f"cell-{i}-{j}",
                )
            cells.append(value)
        lines.append("[" + ", ".join(cells) + "]")
    return "[" + ", ".join(lines) + "]"


def _context(
    tutor: Tutor, exercise: Any, seed: int, variant: dict[str, Any], hints_shown: int
) -> dict[str, Any]:
    hints = list(getattr(exercise, "hints", []) or [])
    names = _index_names(exercise, variant)
    return {
        "exercise": exercise,
        "lesson": find_lesson(exercise.lesson),
        "title": exercise.title,
        "seed": seed,
        "variant": variant,
        "hints": hints,
        "hints_shown": max(0, min(hints_shown, len(hints))),
        "grid": _grid_shape(variant) if exercise.answer_form == "numeric" else None,
        "index_names": names,
        "index_examples": answer_help.index_examples(exercise, names) if names else [],
        "placeholder": answer_help.placeholder(exercise, names),
        "siblings": tutor.catalogue.exercises(exercise.lesson),
    }


def practice_skill_rows(tutor: Tutor, learner: str) -> dict[str, Any]:
    """After an answer given on the practice page: the skill bars, updated."""
    now = datetime.now(UTC)
    with tutor.database.read() as session:
        rows = practice.skill_rows(practice.states(session, learner_id=learner), now)
    return {"practice_answered": True, "skill_rows": rows}


def learner_token(tutor: Tutor, learner: str) -> str:
    """The CSRF token of this learner's answer forms: submitting stores an attempt, so a
    page on another site must not be able to submit in the learner's name."""
    return csrf.token_for(tutor.settings.secret_key, f"learner:{learner}")


def _index_names(exercise: Any, variant: dict[str, Any]) -> list[str] | None:
    """The index names of an index-form answer (``D[i,j,k]`` as a formula in i, j, k)."""
    if exercise.answer_form != "index":
        return None
    names = getattr(exercise.problem(variant.get("seed")), "indices", None)
    return list(names) if names else None


def _reading(
    tutor: Tutor, exercise: Any, variant: dict[str, Any], text: str
) -> dict[str, Any] | None:
    """How the answer was read (None for an empty answer), in a preview worker: learners'
    text costs a worker's CPU, not the web server's."""
    if not text.strip():
        return None
    shapes = shapes_from_declarations(variant.get("shapes") or {})
    names = _index_names(exercise, variant)
    target = [int(n) for n in variant.get("expected_shape") or []]
    indices = dict(zip(names, target, strict=False)) if names else None
    expected = (target[0], target[1]) if len(target) == 2 and not names else None
    reading = tutor.preview_pool.read(
        text,
        shapes,
        indices=indices,
        expected=expected,
        max_chars=tutor.settings.max_answer_chars,
    )
    if reading["ok"]:
        reading["spoken"] = f"{spoken(parse(text))}, {spoken_shape(reading['shape'])}"
    return reading


@router.get("/exercises/{exercise_id}", response_class=HTMLResponse)
def exercise_page(
    exercise_id: str,
    request: Request,
    tutor: TutorDep,
    learner: LearnerDep,
    seed: str | None = None,
    hints: int = 0,
) -> HTMLResponse:
    exercise = tutor.catalogue.exercise(exercise_id)
    context = exercise_context(tutor, exercise, _seed(seed), learner, hints)
    return render(request, "exercise.html", context)


def exercise_context(
    tutor: Tutor, exercise: Any, seed: int, learner: str, hints: int = 0
) -> dict[str, Any]:
    """What the exercise page shows for a variant (the practice page shows it too)."""
    context = _context(tutor, exercise, seed, _variant(exercise, seed), hints)
    context["progress"] = exercise_progress(tutor.database, learner).get(exercise.id)
    context["csrf_token"] = learner_token(tutor, learner)
    return context


def _preview(request: Request, tutor: Tutor, exercise_id: str, form: FormData) -> HTMLResponse:
    exercise = tutor.catalogue.exercise(exercise_id)
    seed = _seed(form.get("seed"))
    variant = _variant(exercise, seed)
    try:
        text = answer_from_form(form, exercise, variant)
    except BadInput:
        text = ""
    reading = _reading(tutor, exercise, variant, text)
    return render(
        request, "_preview.html", {"reading": reading, "text": text}, partial="_preview.html"
    )


@router.post("/exercises/{exercise_id}/preview", response_class=HTMLResponse)
async def preview(exercise_id: str, request: Request, tutor: TutorDep) -> HTMLResponse:
    """How the answer is read, admitted by the parse gate; the text is read in a preview
    worker (2,000 characters cost the grammar tens of milliseconds)."""
    form = await request.form()
    return await tutor.parsing_job(caller_of(request), _preview, request, tutor, exercise_id, form)


@router.post("/exercises/{exercise_id}/from-visual")
async def from_visual(exercise_id: str, request: Request, tutor: TutorDep) -> JSONResponse:
    """The visual editor's ASCII-math in the answer language, with the exercise's names
    (converted in a thread: the text is the learner's)."""
    form = await request.form()
    return await off_loop(_from_visual, tutor, exercise_id, form)


def _from_visual(tutor: Tutor, exercise_id: str, form: FormData) -> JSONResponse:
    exercise = tutor.catalogue.exercise(exercise_id)
    ascii_math = str(form.get("ascii") or "")[: tutor.settings.max_answer_chars]
    variant = _variant(exercise, _seed(form.get("seed")))
    names = [*(variant.get("shapes") or {}), *(_index_names(exercise, variant) or [])]
    return JSONResponse({"text": from_ascii_math(ascii_math, names)})


@dataclass
class _Submission:
    exercise: Any
    seed: int
    variant: dict[str, Any]
    answer: str
    problem: Problem


def _read_submission(tutor: Tutor, exercise_id: str, form: FormData) -> _Submission:
    exercise = tutor.catalogue.exercise(exercise_id)
    seed = _seed(form.get("seed"))
    variant = _variant(exercise, seed)
    answer = answer_from_form(form, exercise, variant)
    return _Submission(exercise, seed, variant, answer, exercise.problem(seed))


def _feedback(
    request: Request,
    tutor: Tutor,
    learner: str,
    form: FormData,
    submission: _Submission,
    result: GradeResult,
) -> HTMLResponse:
    """Store the attempt and render the feedback (in a thread: a database write and a
    template)."""
    exercise, seed, variant, answer = (
        submission.exercise,
        submission.seed,
        submission.variant,
        submission.answer,
    )
    tutor.record_attempt(
        learner_id=learner,
        exercise_id=exercise.id,
        answer=answer,
        seed=seed,
        result=result_json(result),
    )
    context = _context(tutor, exercise, seed, variant, 0)
    if form.get("practice"):
        context.update(practice_skill_rows(tutor, learner))
    per_exercise = exercise_progress(tutor.database, learner)
    context.update(
        reading=_reading(tutor, exercise, variant, answer),
        cells={k: str(v) for k, v in form.items() if k.startswith("cell-")},
        result=result,
        answer=answer,
        progress=per_exercise.get(exercise.id),
        next_exercise=(
            next_exercise(tutor.catalogue, exercise.id, per_exercise)
            if result.verdict == "correct"
            else None
        ),
        csrf_token=learner_token(tutor, learner),
        oob=True,
    )
    return render(request, "exercise.html", context, partial="_feedback.html")


@router.post("/exercises/{exercise_id}/submit", response_class=HTMLResponse)
async def submit(
    exercise_id: str,
    request: Request,
    tutor: TutorDep,
    learner: LearnerDep,
) -> HTMLResponse:
    """Grade an answer from the form: the grading waits for a worker under the grading gate,
    reading the form, storing the attempt and rendering run in threads."""
    try:
        await csrf.check(
            request, secret_key=tutor.settings.secret_key, binding=f"learner:{learner}"
        )
    except csrf.CsrfRejected as exc:
        raise WebError(f"{exc}; reload the page and answer again", status=403) from None
    form = await request.form()
    submission = await off_loop(_read_submission, tutor, exercise_id, form)
    result = await tutor.grading_job(
        caller_of(request),
        tutor.grade,
        submission.problem,
        submission.answer,
        seed=submission.seed,
    )
    return await off_loop(_feedback, request, tutor, learner, form, submission, result)


@router.get("/exercises/{exercise_id}/hints", response_class=HTMLResponse)
def hints(
    exercise_id: str,
    request: Request,
    tutor: TutorDep,
    seed: str | None = None,
    shown: int = 1,
) -> HTMLResponse:
    exercise = tutor.catalogue.exercise(exercise_id)
    chosen = _seed(seed)
    context = _context(tutor, exercise, chosen, _variant(exercise, chosen), shown)
    return render(request, "exercise.html", context, partial="_hints.html")
