"""The reading pages: home, the list of lessons and one lesson with its exercises."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.bank.curriculum import LESSONS, lesson
from app.web.deps import LearnerDep, TutorDep
from app.web.errors import NotFound
from app.web.progress import exercise_index, exercise_progress, lessons_progress, totals
from app.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    rows = lessons_progress(tutor.catalogue, exercise_progress(tutor.database, learner))
    started = next((r for r in rows if r.solved < r.exercises), rows[0])
    return render(
        request,
        "home.html",
        {"rows": rows, "totals": totals(rows), "next_lesson": started.lesson, "title": None},
    )


@router.get("/lessons", response_class=HTMLResponse)
def lessons(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    rows = lessons_progress(tutor.catalogue, exercise_progress(tutor.database, learner))
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
    found = lesson(slug)
    if found is None:
        raise NotFound(f"There is no lesson called {slug!r}.")
    per_exercise = exercise_progress(tutor.database, learner)
    index = LESSONS.index(found)
    return render(
        request,
        "lesson.html",
        {
            "lesson": found,
            "slug": found.slug,
            "title": found.title,
            "exercises": tutor.catalogue.exercises(found.slug),
            "progress": per_exercise,
            "previous": LESSONS[index - 1] if index > 0 else None,
            "next": LESSONS[index + 1] if index + 1 < len(LESSONS) else None,
            "bank_error": tutor.catalogue.bank_error,
        },
    )


@router.get("/exercises", response_class=HTMLResponse)
def exercises_index(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    """Every exercise of the bank, by lesson, with where the learner stands on each."""
    per_exercise = exercise_progress(tutor.database, learner)
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
