"""``/courses``: an instructor's courses, their staff, join code, assignments and gradebook.

Only the course's owner and staff see or change a course (anyone else gets 404, so course
ids reveal nothing). The gradebook is learner x assignment, with the exercises solved at
the first try and in the end (within each assignment's window and attempt limit); its CSV
has the same cells, with learner text kept from running as spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.store import courses as store
from app.store.instructors import find_instructor
from app.web.auth import SignedIn, instructor_router, require_instructor
from app.web.deps import TutorDep
from app.web.errors import BadInput, NotFound
from app.web.rendering import render
from app.web.routes.author_dashboard import csv_cell
from app.web.tutor import Tutor

router = instructor_router()
InstructorDep = Annotated[SignedIn, Depends(require_instructor)]


def _staff_course(tutor: Tutor, course_id: int, who: SignedIn) -> store.Course:
    with tutor.database.read() as session:
        course = session.get(store.Course, course_id)
        if course is None or not store.is_staff(
            session, course_id=course_id, instructor_id=who.instructor_id
        ):
            raise NotFound(f"There is no course {course_id} of yours.")
        return course


def _join_link(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/join/{code}"


@router.get("/courses", response_class=HTMLResponse)
def courses_page(request: Request, who: InstructorDep, tutor: TutorDep) -> HTMLResponse:
    with tutor.database.read() as session:
        mine = store.staff_courses(session, instructor_id=who.instructor_id)
    context = {"title": "Courses", "who": who, "csrf_token": who.csrf_token, "courses": mine}
    return render(request, "courses/list.html", context)


@router.post("/courses")
async def create_course(request: Request, who: InstructorDep, tutor: TutorDep) -> Response:
    title = str((await request.form()).get("title") or "").strip()
    if not title:
        raise BadInput("Give the course a title.", field="title")
    with tutor.database.write() as session:
        course = store.create_course(session, title=title, owner_id=who.instructor_id)
    return RedirectResponse(f"/courses/{course.id}", status_code=303)


@router.get("/courses/{course_id}", response_class=HTMLResponse)
def course_page(
    course_id: int, request: Request, who: InstructorDep, tutor: TutorDep
) -> HTMLResponse:
    course = _staff_course(tutor, course_id, who)
    with tutor.database.read() as session:
        staff = store.course_staff(session, course_id=course_id)
        assignments = [
            (a, store.assignment_exercises(session, assignment_id=a.id))
            for a in store.course_assignments(session, course_id=course_id)
        ]
        learners = [
            a for a, role in store.roster(session, course_id=course_id) if role == "learner"
        ]
    context = {
        "title": course.title,
        "who": who,
        "csrf_token": who.csrf_token,
        "course": course,
        "join_link": _join_link(request, course.join_code),
        "staff": staff,
        "assignments": assignments,
        "learners": learners,
        "bank": tutor.catalogue.exercises(),
    }
    return render(request, "courses/course.html", context)


@router.post("/courses/{course_id}/staff")
async def add_staff(
    course_id: int, request: Request, who: InstructorDep, tutor: TutorDep
) -> Response:
    _staff_course(tutor, course_id, who)
    email = str((await request.form()).get("email") or "").strip()
    with tutor.database.write() as session:
        colleague = find_instructor(session, email=email)
        if colleague is None:
            raise BadInput(
                f"No instructor account has the address {email!r}; "
                "make one with jtutor instructor add.",
                field="email",
            )
        store.add_staff(session, course_id=course_id, instructor_id=colleague.id)
    return RedirectResponse(f"/courses/{course_id}", status_code=303)


def _moment(raw: Any, name: str) -> datetime | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"the {name} date is not a date and time", field=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.post("/courses/{course_id}/assignments")
async def create_assignment(
    course_id: int, request: Request, who: InstructorDep, tutor: TutorDep
) -> Response:
    _staff_course(tutor, course_id, who)
    form = await request.form()
    title = str(form.get("title") or "").strip()
    ordered = [line.strip() for line in str(form.get("exercises") or "").split() if line.strip()]
    ordered += [str(v) for v in form.getlist("exercise") if str(v) not in ordered]
    if not title:
        raise BadInput("Give the assignment a title.", field="title")
    if not ordered:
        raise BadInput("Choose at least one exercise.", field="exercises")
    unknown = [e for e in ordered if tutor.catalogue.find(e) is None]
    if unknown:
        raise BadInput(f"No exercise has the id {unknown[0]!r}.", field="exercises")
    raw_attempts = str(form.get("attempts_allowed") or "").strip()
    if raw_attempts and not raw_attempts.isdigit():
        raise BadInput("Attempts allowed is a whole number (or empty).", field="attempts_allowed")
    try:
        with tutor.database.write() as session:
            store.create_assignment(
                session,
                course_id=course_id,
                title=title,
                exercise_ids=ordered,
                opens_at=_moment(form.get("opens_at"), "opens_at"),
                due_at=_moment(form.get("due_at"), "due_at"),
                attempts_allowed=int(raw_attempts) if raw_attempts else None,
                solution_allowed=bool(form.get("solution_allowed")),
            )
    except ValueError as problem:
        raise BadInput(str(problem)) from None
    return RedirectResponse(f"/courses/{course_id}", status_code=303)


def _gradebook(tutor: Tutor, course_id: int) -> tuple[Any, Any]:
    with tutor.database.read() as session:
        return store.gradebook(session, course_id=course_id)


@router.get("/courses/{course_id}/gradebook", response_class=HTMLResponse)
def gradebook_page(
    course_id: int, request: Request, who: InstructorDep, tutor: TutorDep
) -> HTMLResponse:
    course = _staff_course(tutor, course_id, who)
    assignments, rows = _gradebook(tutor, course_id)
    context = {
        "title": f"Gradebook: {course.title}",
        "who": who,
        "csrf_token": who.csrf_token,
        "course": course,
        "assignments": assignments,
        "rows": rows,
    }
    return render(request, "courses/gradebook.html", context)


@router.get("/courses/{course_id}/gradebook.csv")
def gradebook_csv(course_id: int, who: InstructorDep, tutor: TutorDep) -> Response:
    _staff_course(tutor, course_id, who)
    assignments, rows = _gradebook(tutor, course_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = ["learner", "email"]
    for assignment in assignments:
        header += [
            f"{assignment.title} first try",
            f"{assignment.title} solved",
            f"{assignment.title} exercises",
        ]
    writer.writerow([csv_cell(cell) for cell in header])
    for account, cells in rows:
        line: list[Any] = [account.display_name, account.email or ""]
        for cell in cells:
            line += [cell.first_try, cell.final, cell.total]
        writer.writerow([csv_cell(cell) for cell in line])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="gradebook-{course_id}.csv"'},
    )
