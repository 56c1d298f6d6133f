"""``/login`` and ``/logout`` for instructors (learners never sign in: a cookie is enough)."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.web import auth
from app.web.client_address import client_address
from app.web.deps import TutorDep
from app.web.rendering import render

router = APIRouter(route_class=auth.InstructorRoute, include_in_schema=False)

MAX_EMAIL_CHARS = 254


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def _login_page(
    request: Request, *, next_path: str, email: str = "", error: str | None = None, status: int
) -> HTMLResponse:
    context = {
        "title": "Instructor sign-in",
        "csrf_token": auth.login_csrf_token(request),
        "next_path": next_path,
        "email": email,
        "error": error,
        "instructor": auth.signed_in(request),
    }
    return render(request, "login.html", context, status_code=status)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=auth.safe_next(next), status=200)


@router.post("/login")
async def login(request: Request, tutor: TutorDep) -> Response:
    await auth.check_login_csrf(request)
    form = await request.form()
    email = str(form.get("email") or "").strip()[:MAX_EMAIL_CHARS]
    password = str(form.get("password") or "")
    next_path = auth.safe_next(str(form.get("next") or ""))
    if not email or not password:
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            error="Enter your e-mail address and your password.",
            status=422,
        )
    client = client_address(request)
    outcome = await run_in_threadpool(  # argon2 is slow on purpose: keep the loop free
        auth.sign_in, tutor.database, email=email, password=password, client=client
    )
    if outcome.throttled:
        page = _login_page(
            request,
            next_path=next_path,
            email=email,
            error=f"Too many failed sign-ins from here. Wait {_duration(outcome.retry_after)}, "
            "then try again.",
            status=429,
        )
        page.headers["Retry-After"] = str(outcome.retry_after)
        return page
    if outcome.token is None:
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            error="That e-mail address and password do not match an instructor account.",
            status=401,
        )
    response = RedirectResponse(next_path, status_code=303)
    auth.set_session_cookie(response, outcome.token, secure=tutor.settings.https)
    return response


@router.get("/logout", response_class=HTMLResponse)
def logout_form(request: Request) -> Response:
    """Signing out changes state, so it is a POST; this page offers the button."""
    who = auth.signed_in(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    context = {"title": "Sign out", "who": who, "csrf_token": who.csrf_token}
    return render(request, "author/logout.html", context)


@router.post("/logout")
async def logout(request: Request, tutor: TutorDep) -> Response:
    who = auth.signed_in(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    await auth.require_csrf(request, who)
    auth.sign_out(tutor.database, token=who.session_token)
    response = RedirectResponse("/login", status_code=303)
    auth.clear_session_cookie(response, secure=tutor.settings.https)
    return response
