"""Learner accounts in the browser: who the calling learner is, signing up, in and out.

A learner's identity stays the signed learner cookie; an account is the learner id that
cookie carries plus an e-mail address and an argon2 password (hashed as instructors'
are). Signing in sets the cookie to the account's learner id, after moving the anonymous
history of the browser onto it, so a second device shows the same progress. Failed
sign-ins are throttled per client and e-mail address like the instructors'.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response

from app.store import Database
from app.store import courses as store
from app.store import instructors as failures
from app.web import auth, csrf
from app.web.errors import WebError
from app.web.learner import cookie_header, serializer_for
from app.web.tutor import Tutor

log = logging.getLogger("jtutor.accounts")

MIN_PASSWORD_CHARS = 8


def account_of(tutor: Tutor, learner_id: str) -> store.LearnerAccount | None:
    with tutor.database.read() as session:
        return store.account_by_learner(session, learner_id=learner_id)


def form_token(tutor: Tutor, learner_id: str) -> str:
    """The CSRF token of the learner's account and course forms (as of the answer forms)."""
    return csrf.token_for(tutor.settings.secret_key, f"learner:{learner_id}")


async def check_form_token(request: Request, tutor: Tutor, learner_id: str) -> None:
    try:
        await csrf.check(
            request, secret_key=tutor.settings.secret_key, binding=f"learner:{learner_id}"
        )
    except csrf.CsrfRejected as exc:
        raise WebError(f"{exc}; reload the page and try again", status=403) from None


def set_learner(response: Response, tutor: Tutor, learner_id: str) -> None:
    """Point the browser's learner cookie at ``learner_id`` (sign-in, sign-out)."""
    settings = tutor.settings
    response.headers.append(
        "set-cookie",
        cookie_header(
            serializer_for(settings.secret_key),
            cookie_name=settings.cookie_name,
            learner_id=learner_id,
            max_age=settings.cookie_max_age_days * 86_400,
            secure=settings.https,
        ),
    )


def new_anonymous_id() -> str:
    return secrets.token_hex(16)


def check_new_password(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_CHARS:
        return f"Choose a password of at least {MIN_PASSWORD_CHARS} characters."
    if len(password) > auth.MAX_PASSWORD_CHARS:
        return f"The password is longer than {auth.MAX_PASSWORD_CHARS} characters."
    return None


@dataclass(frozen=True)
class SignInOutcome:
    learner_id: str | None = None
    retry_after: int = 0


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash to check unknown addresses against, so they take as long as known ones."""
    if not _DUMMY:
        _DUMMY.append(auth.hash_password(secrets.token_hex(16)))
    return _DUMMY[0]


def _keys(email: str, client: str) -> list[str]:
    address = failures.normalise_email(email)
    return [f"learner-pair:{address}|{client}", f"learner-client:{client}"]


def _wait(database: Database, keys: list[str]) -> timedelta:
    moment = auth.now()
    wait = timedelta(0)
    with database.read() as session:
        for key, free in zip(
            keys, (auth.FREE_FAILURES_PER_PAIR, auth.FREE_FAILURES_PER_CLIENT), strict=True
        ):
            count, latest = failures.login_failure_summary(
                session, key=key, since=moment - auth.FAILURE_WINDOW
            )
            if latest is not None:
                wait = max(wait, latest + auth.throttle_delay(count, free) - moment)
    return wait


def sign_in(
    database: Database, *, email: str, password: str, client: str, browser_learner: str
) -> SignInOutcome:
    """The account's learner id when the password matches (the browser's anonymous
    history moved onto it); None otherwise; ``retry_after`` when throttled."""
    keys = _keys(email, client)
    wait = _wait(database, keys)
    if wait > timedelta(0):
        return SignInOutcome(retry_after=max(1, math.ceil(wait.total_seconds())))
    with database.write() as session:
        account = store.account_by_email(session, email=email)
        stored = account.password_hash if account is not None else None
        ok = (
            len(password) <= auth.MAX_PASSWORD_CHARS
            and auth.verify_password(stored or _dummy_hash(), password)
            and account is not None
            and stored is not None
        )
        if not ok or account is None:
            failures.record_login_failure(session, keys=keys, at=auth.now())
            log.info("learner sign-in failed for %s", failures.normalise_email(email))
            return SignInOutcome()
        failures.clear_login_failures(session, key=keys[0])
        store.merge_learner(session, from_learner=browser_learner, into_learner=account.learner_id)
        return SignInOutcome(learner_id=account.learner_id)
