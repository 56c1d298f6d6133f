"""The reading pages: home, the list of lessons and one lesson with its exercises."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.bank.curriculum import LESSONS, Lesson, lesson
from app.store import ExerciseProgress
from app.web.deps import LearnerDep, TutorDep
from app.web.errors import NotFound
from app.web.progress import exercise_index, exercise_progress, lessons_progress, totals
from app.web.rendering import page_response, render
from app.web.tutor import Tutor

router = APIRouter(include_in_schema=False)


def is_new(request: Request) -> bool:
    """Whether the learner's id was drawn for this request (``LearnerCookieMiddleware``)."""
    return bool(request.state.learner_is_new)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    rows = lessons_progress(
        tutor.catalogue, exercise_progress(tutor.database, learner, new_learner=is_new(request))
    )
    started = next((r for r in rows if r.solved < r.exercises), rows[0])
    return render(
        request,
        "home.html",
        {"rows": rows, "totals": totals(rows), "next_lesson": started.lesson, "title": None},
    )


@router.get("/lessons", response_class=HTMLResponse)
def lessons(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    rows = lessons_progress(
        tutor.catalogue, exercise_progress(tutor.database, learner, new_learner=is_new(request))
    )
    return render(
        request, "lessons.html", {"rows": rows, "totals": totals(rows), "title": "Lessons"}
    )


@router.get("/lessons/{slug}", response_class=HTMLResponse)
def lesson_page(
    slug: str,
    request: Request,
    tutor: TutorDep,
    learner: LearnerDep,
) -> HTMLResponse:
    """The lesson is rendered once (``app.web.page_frames``); its exercises with the
    learner's progress on each are rendered per request."""
    found = lesson(slug)
    if found is None:
        raise NotFound(f"There is no lesson called {slug!r}.")
    shared, learner_part = lesson_parts(
        tutor,
        found,
        progress=exercise_progress(tutor.database, learner, new_learner=is_new(request)),
    )
    page = tutor.frames.page(
        tutor.templates.env,
        request,
        template="lesson.html",
        block="exercises",
        key=(found.slug, tutor.settings.exam_mode),
        shared=shared,
        learner=learner_part,
    )
    return page_response(page)


def lesson_parts(
    tutor: Tutor, found: Lesson, *, progress: dict[str, ExerciseProgress]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The context of ``lesson.html``: what every learner sees (the frame's key must tell
    apart everything it holds) and what the ``exercises`` block reads, which may change
    from one request to the next (an instructor's new exercise, the learner's attempts)."""
    index = LESSONS.index(found)
    shared = {
        "lesson": found,
        "slug": found.slug,
        "title": found.title,
        "previous": LESSONS[index - 1] if index > 0 else None,
        "next": LESSONS[index + 1] if index + 1 < len(LESSONS) else None,
    }
    learner_part = {
        "exercises": tutor.catalogue.exercises(found.slug),
        "progress": progress,
        "bank_error": tutor.catalogue.bank_error,
    }
    return shared, learner_part


@router.get("/exercises", response_class=HTMLResponse)
def exercises_index(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    """Every exercise of the bank, by lesson, with where the learner stands on each."""
    per_exercise = exercise_progress(tutor.database, learner, new_learner=is_new(request))
    groups = exercise_index(tutor.catalogue, per_exercise)
    rows = lessons_progress(tutor.catalogue, per_exercise)
    return render(
        request,
        "exercises.html",
        {
            "groups": groups,
            "totals": totals(rows),
            "title": "Exercises",
            "bank_error": tutor.catalogue.bank_error,
        },
    )


@router.get("/developers", response_class=HTMLResponse)
def developers(request: Request) -> HTMLResponse:
    """A short page on the JSON API for developers; the full explorer is at ``/docs``."""
    return render(request, "developers.html", {"title": "For developers"})
