"""The instructor's dashboard: how learners do on each exercise, and every attempt as CSV.

Per exercise: attempts, learners, the share of learners right on their first counted try,
the most common diagnoses of wrong answers (a bar chart drawn on the server), and the
latest wrong answers with the feedback they got. Learner ids are the opaque cookie ids;
no learner has a name. Learner text in the CSV that a spreadsheet would run as a formula
(a cell starting with ``= + - @``) is prefixed with ``'`` (OWASP's CSV-injection advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from app.practice import SKILLS
from app.store import Database
from app.store.instructors import (
    CSV_COLUMNS,
    ExerciseStats,
    attempt_rows,
    exercise_stats,
    recent_wrong_attempts,
)
from app.store.practice import mastery_grid
from app.store.solutions import common_misconceptions, recent_views, solution_views
from app.web.auth import SignedIn, instructor_router, require_instructor
from app.web.charts import bar_chart
from app.web.deps import TutorDep
from app.web.rendering import render
from app.web.tutor import Tutor

router = instructor_router()

InstructorDep = Annotated[SignedIn, Depends(require_instructor)]
HEAT_MAP_LEARNERS = 200
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _titles(tutor: Tutor) -> dict[str, str]:
    return {e.id: e.title for e in tutor.catalogue.exercises()}


@router.get("/author/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, who: InstructorDep, tutor: TutorDep) -> HTMLResponse:
    with tutor.database.read() as session:
        stats = exercise_stats(session)
    titles = _titles(tutor)
    ids = list(titles) + sorted(set(stats) - set(titles))
    rows = [(i, titles.get(i), stats.get(i, ExerciseStats(i))) for i in ids]
    rows.sort(key=lambda row: -row[2].attempts)  # stable: the bank's order among equals
    context = {
        "title": "Dashboard",
        "who": who,
        "csrf_token": who.csrf_token,
        "rows": rows,
        "skill_grid": skill_heat_map(tutor.database),
    }
    return render(request, "author/dashboard.html", context)


def skill_heat_map(database: Database) -> dict[str, Any]:
    """Skill-by-learner mastery for the heat map: one row per learner (the most recently
    active first, capped), one column per skill; a cell is empty where the learner has not
    shown the skill yet."""
    with database.read() as session:
        grid = mastery_grid(session, limit=HEAT_MAP_LEARNERS)
    rows = []
    for learner_id, states in grid.items():
        cells: list[dict[str, int] | None] = []
        for skill in SKILLS:
            state = states.get(skill.id)
            if state is None:
                cells.append(None)
            else:
                percent = round(100 * state.mastery)
                cells.append(
                    {"percent": percent, "level": percent // 10, "attempts": state.attempts}
                )
        rows.append({"learner": learner_id, "cells": cells})
    return {"skills": SKILLS, "rows": rows, "limit": HEAT_MAP_LEARNERS}


def _label(diagnosis: str) -> str:
    return "no diagnosis" if diagnosis == "unexplained" else diagnosis.replace("_", " ")


@router.get("/author/dashboard/{exercise_id}", response_class=HTMLResponse)
def exercise_dashboard(
    exercise_id: str,
    request: Request,
    who: InstructorDep,
    tutor: TutorDep,
) -> HTMLResponse:
    with tutor.database.read() as session:
        stats = exercise_stats(session).get(exercise_id, ExerciseStats(exercise_id))
        wrong = [
            {
                "answer": a.answer,
                "diagnosis": a.diagnosis,
                "message": (a.result or {}).get("message", ""),
                "created_at": a.created_at,
            }
            for a in recent_wrong_attempts(session, exercise_id=exercise_id)
        ]
        misconceptions = common_misconceptions(session, exercise_id=exercise_id)
        opened = solution_views(session, exercise_id=exercise_id).get(exercise_id, 0)
        openings = [
            {
                "learner": v.learner_id,
                "seed": v.seed,
                "diverged_step": v.diverged_step,
                "created_at": v.created_at,
            }
            for v in recent_views(session, exercise_id=exercise_id)
        ]
    title = _titles(tutor).get(exercise_id)
    chart = bar_chart(
        [(_label(d), n) for d, n in stats.diagnoses],
        title=f"Diagnoses of wrong answers to {exercise_id}",
    )
    context = {
        "title": f"Dashboard: {exercise_id}",
        "who": who,
        "csrf_token": who.csrf_token,
        "exercise_id": exercise_id,
        "exercise_title": title,
        "stats": stats,
        "chart": chart,
        "wrong": wrong,
        "diagnosis_label": _label,
        "misconceptions": misconceptions,
        "misconception_chart": bar_chart(
            [(m.id.replace("_", " "), m.count) for m in misconceptions],
            title=f"Misconceptions named in wrong answers to {exercise_id}",
        )
        if misconceptions
        else None,
        "solutions_opened": opened,
        "openings": openings,
    }
    return render(request, "author/exercise_dashboard.html", context)


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_lines(database: Database) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with database.read() as session:
        for row in attempt_rows(session):
            writer.writerow([csv_cell(row[column]) for column in CSV_COLUMNS])
            if buffer.tell() > 16_384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


@router.get("/author/attempts.csv")
def attempts_csv(who: InstructorDep, tutor: TutorDep) -> StreamingResponse:
    return StreamingResponse(
        _csv_lines(tutor.database),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="attempts.csv"'},
    )
