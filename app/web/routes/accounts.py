"""Learner accounts and joining courses: ``/account``, ``/account/signup|signin|signout|
credentials`` and ``/join``.

Accounts are optional: anonymous learning keeps working. Making an account, or joining a
course by its code with a display name, keeps the browser's history (the account takes
the browser's learner id); signing in on another device moves that device's anonymous
history onto the account too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.store import courses as store
from app.web import accounts, auth
from app.web.client_address import client_address
from app.web.deps import LearnerDep, TutorDep
from app.web.errors import NotFound
from app.web.progress import exercise_progress
from app.web.rendering import render
from app.web.tutor import Tutor

router = APIRouter(include_in_schema=False)

MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254


def _text(form: Any, name: str, limit: int) -> str:
    return str(form.get(name) or "").strip()[:limit]


def _account_page(
    request: Request,
    tutor: Tutor,
    learner: str,
    *,
    error: str | None = None,
    status: int = 200,
    email: str = "",
) -> HTMLResponse:
    account = accounts.account_of(tutor, learner)
    enrolled: list[dict[str, Any]] = []
    if account is not None:
        with tutor.database.read() as session:
            for course in store.learner_courses(session, account_id=account.id):
                assignments = store.course_assignments(session, course_id=course.id)
                cells = store.learner_cells(
                    session, learner_id=account.learner_id, assignments=assignments
                )
                enrolled.append(
                    {"course": course, "assignments": list(zip(assignments, cells, strict=True))}
                )
    solved = sum(1 for p in exercise_progress(tutor.database, learner).values() if p.solved)
    context = {
        "title": "Your account",
        "account": account,
        "courses": enrolled,
        "solved": solved,
        "csrf_token": accounts.form_token(tutor, learner),
        "error": error,
        "email": email,
    }
    return render(request, "account/account.html", context, status_code=status)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    return _account_page(request, tutor, learner)


@router.post("/account/signup")
async def signup(request: Request, tutor: TutorDep, learner: LearnerDep) -> Response:
    await accounts.check_form_token(request, tutor, learner)
    form = await request.form()
    name = _text(form, "display_name", MAX_NAME_CHARS)
    email = _text(form, "email", MAX_EMAIL_CHARS)
    password = str(form.get("password") or "")
    problem = (
        "You are signed in already; sign out to make another account."
        if accounts.account_of(tutor, learner)
        else "Enter a display name, an e-mail address and a password."
        if not (name and email and password) or "@" not in email
        else accounts.check_new_password(password)
    )
    if problem is None:
        try:
            learner_id = await run_in_threadpool(  # argon2 and the write stay off the loop
                _create_account, tutor, learner, name=name, email=email, password=password
            )
        except store.AccountExists:
            problem = "That e-mail address has an account already; sign in instead."
    if problem is not None:
        return _account_page(request, tutor, learner, error=problem, status=422, email=email)
    response = RedirectResponse("/account", status_code=303)
    accounts.set_learner(response, tutor, learner_id)
    return response


def _create_account(tutor: Tutor, learner: str, *, name: str, email: str, password: str) -> str:
    """The new account's learner id (the browser's own learner, whose history it keeps)."""
    password_hash = auth.hash_password(password)
    with tutor.database.write() as session:
        account = store.create_account(
            session,
            learner_id=learner,
            display_name=name,
            email=email,
            password_hash=password_hash,
        )
        return account.learner_id


@router.post("/account/signin")
async def signin(request: Request, tutor: TutorDep, learner: LearnerDep) -> Response:
    await accounts.check_form_token(request, tutor, learner)
    form = await request.form()
    email = _text(form, "email", MAX_EMAIL_CHARS)
    password = str(form.get("password") or "")
    client = client_address(request)
    outcome = await run_in_threadpool(  # argon2 is slow on purpose: keep the loop free
        accounts.sign_in,
        tutor.database,
        email=email,
        password=password,
        client=client,
        browser_learner=learner,
    )
    if outcome.retry_after:
        problem = f"Too many failed sign-ins. Wait {outcome.retry_after} s, then try again."
        page = _account_page(request, tutor, learner, error=problem, status=429, email=email)
        page.headers["Retry-After"] = str(outcome.retry_after)
        return page
    if outcome.learner_id is None:
        problem = "That e-mail address and password do not match a learner account."
        return _account_page(request, tutor, learner, error=problem, status=401, email=email)
    response = RedirectResponse(auth.safe_next(str(form.get("next") or ""), "/"), status_code=303)
    accounts.set_learner(response, tutor, outcome.learner_id)
    return response


@router.post("/account/signout")
async def signout(request: Request, tutor: TutorDep, learner: LearnerDep) -> Response:
    await accounts.check_form_token(request, tutor, learner)
    response = RedirectResponse("/", status_code=303)
    accounts.set_learner(response, tutor, accounts.new_anonymous_id())
    return response


@router.post("/account/credentials")
async def credentials(request: Request, tutor: TutorDep, learner: LearnerDep) -> Response:
    """An e-mail address and password for an account made by joining with a name only."""
    await accounts.check_form_token(request, tutor, learner)
    form = await request.form()
    email = _text(form, "email", MAX_EMAIL_CHARS)
    password = str(form.get("password") or "")
    problem = accounts.check_new_password(password) if "@" in email else "Enter an e-mail address."
    if problem is None:
        password_hash = await run_in_threadpool(auth.hash_password, password)
        with tutor.database.write() as session:
            account = store.account_by_learner(session, learner_id=learner)
            if account is None:
                problem = "Make an account first."
            elif store.account_by_email(session, email=email) not in (None, account):
                problem = "That e-mail address has an account already."
            else:
                account.email = email.lower()
                account.password_hash = password_hash
    if problem is not None:
        return _account_page(request, tutor, learner, error=problem, status=422, email=email)
    return RedirectResponse("/account", status_code=303)


# -- joining a course ------------------------------------------------------------------------


def _join_page(
    request: Request,
    tutor: Tutor,
    learner: str,
    *,
    code: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    course = None
    if code:
        with tutor.database.read() as session:
            course = store.course_by_code(session, code=code)
    context = {
        "title": "Join a course",
        "code": code,
        "course": course,
        "account": accounts.account_of(tutor, learner),
        "csrf_token": accounts.form_token(tutor, learner),
        "error": error,
    }
    return render(request, "account/join.html", context, status_code=status)


@router.get("/join", response_class=HTMLResponse)
def join_form(
    request: Request, tutor: TutorDep, learner: LearnerDep, code: str = ""
) -> HTMLResponse:
    return _join_page(request, tutor, learner, code=code[:32])


@router.get("/join/{code}", response_class=HTMLResponse)
def join_link(code: str, request: Request, tutor: TutorDep, learner: LearnerDep) -> HTMLResponse:
    return _join_page(request, tutor, learner, code=code[:32])


@router.post("/join")
async def join(request: Request, tutor: TutorDep, learner: LearnerDep) -> Response:
    await accounts.check_form_token(request, tutor, learner)
    form = await request.form()
    code = _text(form, "code", 32)
    name = _text(form, "display_name", MAX_NAME_CHARS)
    email = _text(form, "email", MAX_EMAIL_CHARS)
    password = str(form.get("password") or "")
    with tutor.database.read() as session:
        course = store.course_by_code(session, code=code)
        account = store.account_by_learner(session, learner_id=learner)
    problem = None
    if course is None:
        problem = "No course has that code; check it with your instructor."
    elif account is None and not name:
        problem = "Enter the name your instructor will see in the gradebook."
    elif account is None and (email or password):
        problem = (
            "Enter an e-mail address with the password." if "@" not in email
            else accounts.check_new_password(password)
        )  # fmt: skip
    if problem is not None or course is None:
        return _join_page(request, tutor, learner, code=code, error=problem, status=422)
    password_hash = (
        await run_in_threadpool(auth.hash_password, password) if account is None and email else None
    )
    learner_id = learner
    try:
        with tutor.database.write() as session:
            if account is None:
                account = store.create_account(
                    session,
                    learner_id=learner,
                    display_name=name,
                    email=email or None,
                    password_hash=password_hash,
                )
            store.enrol(session, course_id=course.id, account_id=account.id)
            learner_id = account.learner_id
    except store.AccountExists:
        problem = "That e-mail address has an account already; sign in first, then join."
        return _join_page(request, tutor, learner, code=code, error=problem, status=422)
    response = RedirectResponse("/account", status_code=303)
    if learner_id != learner:
        accounts.set_learner(response, tutor, learner_id)
    return response


# -- an assignment, as its learners see it ---------------------------------------------------


@router.get("/assignments/{assignment_id}", response_class=HTMLResponse)
def assignment_page(
    assignment_id: int, request: Request, tutor: TutorDep, learner: LearnerDep
) -> HTMLResponse:
    with tutor.database.read() as session:
        assignment = session.get(store.Assignment, assignment_id)
        if assignment is None:
            raise NotFound(f"There is no assignment {assignment_id}.")
        course = session.get(store.Course, assignment.course_id)
        statuses = store.assignment_status(session, learner_id=learner, assignment=assignment)
    rows = []
    for status in statuses:
        exercise = tutor.catalogue.find(status.exercise_id)
        rows.append({"status": status, "exercise": exercise})
    context = {
        "title": assignment.title,
        "assignment": assignment,
        "course": course,
        "rows": rows,
        "window": store.window(assignment, datetime.now(UTC)).state,
        "account": accounts.account_of(tutor, learner),
    }
    return render(request, "account/assignment.html", context)
