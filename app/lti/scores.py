"""Assignment and Grade Services score passback, off the request path and retried.

A graded attempt of an LMS user queues, in the attempt's own transaction, one score per
line item the user was launched from that covers the exercise (:func:`queue_for_attempt`):
an exercise's line item gets 1 once it is answered right (a later slip does not take the
mark back), an assignment's gets the number of its exercises answered right within its
window. :class:`ScoreSender`, a thread of the server process, posts them: a client-
credentials token from the platform's token endpoint (a JWT assertion signed with the
tool's key, RFC 7523), then ``POST {lineitem}/scores`` as
``application/vnd.ims.lis.v1.score+json``. A failed post is retried with a growing wait
and given up after ``MAX_TRIES``; the row keeps the last error for the operator.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.lti.keys import signing_key
from app.lti.tokens import AGS_SCOPE_SCORE, client_assertion
from app.store import courses
from app.store import lti as store
from app.store.database import Database
from app.store.models import Attempt

log = logging.getLogger("jtutor.lti")

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_TRIES = 8
LEASE = timedelta(minutes=2)
POLL_SECONDS = 15.0
HTTP_TIMEOUT = 10.0


def _solved(session: Session, *, learner_id: str, exercise_id: str) -> bool:
    return (
        session.scalar(
            select(Attempt.id)
            .where(
                Attempt.learner_id == learner_id,
                Attempt.exercise_id == exercise_id,
                Attempt.verdict == "correct",
            )
            .limit(1)
        )
        is not None
    )


def queue_for_attempt(session: Session, *, attempt: Attempt) -> int:
    """Queue the scores a graded attempt changes; how many (0 for a non-LMS learner)."""
    if not attempt.counted:
        return 0
    account = courses.account_by_learner(session, learner_id=attempt.learner_id)
    if account is None or account.lti_subject is None:
        return 0
    queued = 0
    for item in store.linked_line_items(session, account_id=account.id):
        if item.exercise_id == attempt.exercise_id:
            solved = _solved(session, learner_id=attempt.learner_id, exercise_id=item.exercise_id)
            given, maximum = (1.0 if solved else 0.0), 1.0
        elif item.assignment_id is not None and attempt.exercise_id in (
            courses.assignment_exercises(session, assignment_id=item.assignment_id)
        ):
            assignment = session.get(courses.Assignment, item.assignment_id)
            if assignment is None:
                continue
            (cell,) = courses.learner_cells(
                session, learner_id=attempt.learner_id, assignments=[assignment]
            )
            given, maximum = float(cell.final), float(max(cell.total, 1))
        else:
            continue
        store.queue_score(
            session,
            line_item_id=item.id,
            user_subject=account.lti_subject,
            score_given=given,
            score_maximum=maximum,
            at=attempt.created_at,
        )
        queued += 1
    return queued


def scores_url(lineitem: str) -> str:
    """The line item's score service: ``/scores`` appended to its path, query kept."""
    parts = urlsplit(lineitem)
    path = parts.path.rstrip("/") + "/scores"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def score_body(*, subject: str, given: float, maximum: float, at: datetime) -> dict[str, Any]:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return {
        "userId": subject,
        "scoreGiven": given,
        "scoreMaximum": maximum,
        "activityProgress": "Completed" if given >= maximum else "InProgress",
        "gradingProgress": "FullyGraded",
        "timestamp": moment.astimezone(UTC).isoformat(timespec="milliseconds"),
    }


class PassbackFailed(RuntimeError):
    """The token endpoint or the score service refused or did not answer."""


@dataclass(frozen=True)
class _Post:
    score_id: int
    url: str
    body: dict[str, Any]
    client_id: str
    token_url: str
    private_pem: str
    kid: str


def backoff(tries: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(tries - 1, 0), 3600))


class ScoreSender:
    """Posts queued scores; one daemon thread per server process, woken by new scores."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def wake(self) -> None:
        self._ensure_thread()
        self._wake.set()

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="jtutor-lti-scores", daemon=True
                )
                self._thread.start()

    def start_if_pending(self) -> None:
        """At start-up: resume scores left queued by an earlier process."""
        try:
            with self.database.read() as session:
                pending = store.due_scores(session, now=datetime.now(UTC) + LEASE, limit=1)
        except Exception:  # no tables yet (an unmigrated test database): nothing queued
            return
        if pending:
            self.wake()

    def _loop(self) -> None:
        while True:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            try:
                self.run_once()
            except Exception:  # the sender must outlive a database hiccup
                log.exception("score passback round failed")

    def run_once(self) -> int:
        """Send every due score; how many were sent."""
        with self.database.read() as session:
            due = store.due_scores(session, now=datetime.now(UTC))
        sent = 0
        for score_id in due:
            post = self._claim(score_id)
            if post is None:
                continue
            error: str | None = None
            try:
                self._post(post)
            except PassbackFailed as failure:
                error = str(failure)
            with self.database.write() as session:
                row = session.get(store.LtiScorePost, score_id)
                tries = row.tries if row is not None else MAX_TRIES
                retry = None if tries >= MAX_TRIES else datetime.now(UTC) + backoff(tries)
                store.finish_score(session, score_id=score_id, error=error, retry_at=retry)
            if error is None:
                sent += 1
            else:
                log.warning("score %s not posted (try %s): %s", score_id, tries, error)
        return sent

    def _claim(self, score_id: int) -> _Post | None:
        with self.database.write() as session:
            if not store.claim_score(
                session, score_id=score_id, now=datetime.now(UTC), lease=LEASE
            ):
                return None
            row = session.get(store.LtiScorePost, score_id)
            item = session.get(store.LtiLineItem, row.line_item_id) if row else None
            platform = session.get(store.LtiPlatform, item.platform_id) if item else None
            if row is None or item is None or platform is None:
                return None
            key = signing_key(session)
            return _Post(
                score_id=score_id,
                url=scores_url(item.url),
                body=score_body(
                    subject=row.user_subject,
                    given=row.score_given,
                    maximum=row.score_maximum,
                    at=row.created_at,
                ),
                client_id=platform.client_id,
                token_url=platform.token_url,
                private_pem=key.private_pem,
                kid=key.kid,
            )

    def _token(self, post: _Post) -> str:
        cache_key = (post.token_url, post.client_id)
        cached = self._tokens.get(cache_key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        assertion = client_assertion(
            client_id=post.client_id,
            token_url=post.token_url,
            private_pem=post.private_pem,
            kid=post.kid,
        )
        try:
            response = httpx.post(
                post.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": assertion,
                    "scope": AGS_SCOPE_SCORE,
                },
                timeout=HTTP_TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise PassbackFailed(f"token endpoint unreachable: {error}") from None
        if response.status_code != 200:
            raise PassbackFailed(f"token endpoint answered {response.status_code}")
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError):
            raise PassbackFailed("token endpoint answered without an access token") from None
        self._tokens[cache_key] = (token, time.monotonic() + max(lifetime - 30, 0))
        return token

    def _post(self, post: _Post) -> None:
        token = self._token(post)
        try:
            response = httpx.post(
                post.url,
                json=post.body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE},
                timeout=HTTP_TIMEOUT,
            )
        except httpx.HTTPError as error:
            raise PassbackFailed(f"score service unreachable: {error}") from None
        if response.status_code in (401, 403):
            self._tokens.pop((post.token_url, post.client_id), None)
        if not 200 <= response.status_code < 300:
            raise PassbackFailed(f"score service answered {response.status_code}")
