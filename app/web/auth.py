"""Signing instructors in: argon2 passwords, database sessions, throttling, route guards.

* Passwords are hashed with argon2id (argon2-cffi) and never stored, logged or echoed.
* A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure behind https);
  the database keeps only its SHA-256, so sign-out and expiry work across processes.
* Failed sign-ins are recorded in the database per (client address, e-mail) and per
  client address. After a few free failures each further try must wait a delay that
  doubles with every failure (:func:`throttle_delay`); until then sign-in is refused (429,
  ``Retry-After``) without checking the password. The delay belongs to the client that
  failed: a stranger's wrong passwords never lock the instructor out from elsewhere, and
  the client address is the one :func:`~app.web.client_address.client_address` gives, so
  a made-up ``X-Forwarded-For`` does not reset it. ``jtutor instructor unlock`` clears it.
* :class:`InstructorRoute` guards every instructor route: without a session a page
  request is redirected to ``/login`` and an API or htmx request gets 401; an unsafe
  request without its CSRF token gets 403. Nothing runs before these checks pass.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.store import Database
from app.store import instructors as store
from app.web import csrf
from app.web.errors import WebError
from app.web.rendering import is_api, is_htmx, render

log = logging.getLogger("jtutor.auth")

SESSION_COOKIE = "jtutor_instructor"
SESSION_LIFETIME = timedelta(hours=12)
FAILURE_WINDOW = timedelta(hours=1)
"""Failures older than this no longer count (the delays shrink back to nothing)."""
FREE_FAILURES_PER_PAIR = 3
"""Failures for one (client, e-mail) before a delay: typos cost nothing."""
FREE_FAILURES_PER_CLIENT = 20
"""Failures from one client over all e-mails before a delay (guessing many accounts)."""
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)
MAX_PASSWORD_CHARS = 1024

# OWASP's password-storage parameters for argon2id (19 MiB, 2 passes, 1 lane): a few
# tenths of a second per sign-in on a small server; hashes made with other parameters are
# upgraded at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("the password is empty")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SignedIn:
    """The instructor of a request, with the CSRF token their forms must carry."""

    instructor_id: int
    email: str
    session_token: str
    csrf_token: str


class SignInRequired(Exception):
    """A request to an instructor route without a valid session."""


def _secret(request: Request) -> str:
    return str(request.app.state.tutor.settings.secret_key)


def _database(request: Request) -> Database:
    database: Database = request.app.state.tutor.database
    return database


def signed_in(request: Request) -> SignedIn | None:
    """The signed-in instructor, or None (looked up once per request)."""
    if hasattr(request.state, "instructor"):
        cached: SignedIn | None = request.state.instructor
        return cached
    found: SignedIn | None = None
    token = request.cookies.get(SESSION_COOKIE, "")
    if 20 <= len(token) <= 128:
        with _database(request).read() as session:
            instructor = store.session_instructor(session, token_hash=token_hash(token), now=now())
            if instructor is not None:
                found = SignedIn(
                    instructor.id,
                    instructor.email,
                    token,
                    csrf.token_for(_secret(request), f"session:{token}"),
                )
    request.state.instructor = found
    return found


def require_instructor(request: Request) -> SignedIn:
    who = signed_in(request)
    if who is None:
        raise SignInRequired()
    return who


async def require_csrf(
    request: Request, who: Annotated[SignedIn, Depends(require_instructor)]
) -> None:
    if request.method in csrf.UNSAFE_METHODS:
        await csrf.check(
            request, secret_key=_secret(request), binding=f"session:{who.session_token}"
        )


def login_csrf_token(request: Request) -> str:
    """The sign-in form's token, bound to the visitor's signed learner cookie."""
    return csrf.token_for(_secret(request), f"login:{request.state.learner_id}")


async def check_login_csrf(request: Request) -> None:
    """The sign-in form's token must match: without it a page elsewhere could sign a
    visitor in to an account of its choosing (login CSRF)."""
    await csrf.check(
        request, secret_key=_secret(request), binding=f"login:{request.state.learner_id}"
    )


def safe_next(target: str | None, default: str = "/author") -> str:
    """A local path to go to after sign-in (never another site: no ``//`` or scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/author/api/") or is_api(request)


def _return_path(request: Request) -> str:
    """Where to come back after signing in: the page itself, or for a form post or an htmx
    request the page that sent it (``HX-Current-URL``, ``Referer``), not the post's address."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    sender = request.headers.get("hx-current-url") or request.headers.get("referer") or ""
    parsed = urlsplit(sender)
    if parsed.netloc and parsed.netloc != request.url.netloc:
        return "/author"
    return parsed.path + (f"?{parsed.query}" if parsed.query else "") or "/author"


def sign_in_response(request: Request) -> Response:
    login = f"/login?next={quote(safe_next(_return_path(request)), safe='/')}"
    if _wants_json(request):
        body = {"detail": "sign in as an instructor first", "status": 401}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Session"})
    if is_htmx(request):
        response = render(
            request,
            "error.html",
            {"error": WebError("Sign in as an instructor first.", status=401), "title": "Sign in"},
            partial="_error.html",
            status_code=401,
        )
        response.headers["HX-Redirect"] = login
        return response
    return RedirectResponse(login, status_code=303)


def csrf_response(request: Request, reason: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": reason, "status": 403}, status_code=403)
    error = WebError(f"Refused: {reason}. Reload the page and try again.", status=403)
    error.title = "Refused"
    return render(
        request,
        "error.html",
        {"error": error, "title": "Refused"},
        partial="_error.html",
        status_code=403,
    )


class InstructorRoute(APIRoute):
    """Turns a missing session or CSRF token into its answer before the route runs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return sign_in_response(request)
            except csrf.CsrfRejected as exc:
                return csrf_response(request, str(exc))

        return guarded


def instructor_router(**options: Any) -> APIRouter:
    """A router whose every route needs a signed-in instructor and, when unsafe, CSRF."""
    return APIRouter(
        route_class=InstructorRoute,
        include_in_schema=False,
        dependencies=[Depends(require_instructor), Depends(require_csrf)],
        **options,
    )


# -- signing in and out ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    """``token`` on success; otherwise ``retry_after`` (seconds) when throttled."""

    token: str | None = None
    retry_after: int = 0

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0


def pair_key(client: str, email: str) -> str:
    """The failure key of one client signing in as one e-mail address."""
    return f"pair:{store.normalise_email(email)}|{client}"


def client_key(client: str) -> str:
    return f"client:{client}"


def throttle_delay(failures: int, free: int) -> timedelta:
    """How long after the last failure the next try must wait: nothing for the first
    ``free`` failures, then 1 s, 2 s, 4 s, ... up to :data:`MAX_DELAY`."""
    if failures < free:
        return timedelta(0)
    return min(FIRST_DELAY * (1 << min(failures - free, 20)), MAX_DELAY)


def _wait(session: Session, *, key: str, free: int, moment: datetime) -> timedelta:
    count, latest = store.login_failure_summary(session, key=key, since=moment - FAILURE_WINDOW)
    if latest is None:
        return timedelta(0)
    return max(timedelta(0), latest + throttle_delay(count, free) - moment)


def sign_in(database: Database, *, email: str, password: str, client: str) -> LoginOutcome:
    """Check the password (unless this client must still wait) and open a session."""
    keys = [pair_key(client, email), client_key(client)]
    moment = now()
    with database.write() as session:
        store.purge_login_failures(session, before=moment - FAILURE_WINDOW)
        wait = max(
            _wait(session, key=keys[0], free=FREE_FAILURES_PER_PAIR, moment=moment),
            _wait(session, key=keys[1], free=FREE_FAILURES_PER_CLIENT, moment=moment),
        )
        if wait > timedelta(0):
            log.warning("sign-in throttled for %s from %s", store.normalise_email(email), client)
            return LoginOutcome(retry_after=max(1, math.ceil(wait.total_seconds())))
        instructor = store.find_instructor(session, email=email)
        stored_hash = instructor.password_hash if instructor is not None else _DUMMY_HASH
        ok = (
            len(password) <= MAX_PASSWORD_CHARS
            and verify_password(stored_hash, password)
            and instructor is not None
        )
        if not ok or instructor is None:
            store.record_login_failure(session, keys=keys, at=moment)
            log.info("sign-in failed for %s from %s", store.normalise_email(email), client)
            return LoginOutcome()
        if _hasher.check_needs_rehash(instructor.password_hash):
            store.set_password_hash(
                session, instructor_id=instructor.id, password_hash=_hasher.hash(password)
            )
        store.clear_login_failures(session, key=keys[0])
        store.purge_expired_sessions(session, now=moment)
        token = secrets.token_urlsafe(32)
        store.create_session(
            session,
            token_hash=token_hash(token),
            instructor_id=instructor.id,
            expires_at=moment + SESSION_LIFETIME,
        )
        log.info("instructor %s signed in", instructor.email)
        return LoginOutcome(token=token)


def sign_out(database: Database, *, token: str) -> None:
    with database.write() as session:
        store.end_session(session, token_hash=token_hash(token))


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
