"""The score queue: sent once when the platform takes it, retried with a growing wait when
it does not, given up after ``MAX_TRIES``, and never claimed twice at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.lti import scores
from app.store import Database
from app.store import courses as course_store
from app.store import lti as store
from app.store.migrate import upgrade
from tests.lti.platform import Platform


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'scores.db'}"
    upgrade(url)
    opened = Database(url)
    yield opened
    opened.dispose()


@pytest.fixture
def platform() -> Iterator[Platform]:
    # The platform checks the tool's client assertion against the tool's JWKS; here the
    # "tool" is this test's database, whose key set the platform is handed directly.
    simulated = Platform(tool_url="http://unused.invalid").start()
    yield simulated
    simulated.stop()


def _queue(database: Database, platform: Platform, given: float = 1.0) -> int:
    with database.write() as session:
        registered = store.add_platform(
            session,
            issuer=platform.issuer,
            client_id=platform.client_id,
            deployment_ids=[platform.deployment_id],
            auth_url=f"{platform.url}/auth",
            token_url=f"{platform.url}/token",
            jwks_url=f"{platform.url}/jwks",
        )
        account = course_store.lti_account(
            session, platform_id=registered.id, subject="s-1", display_name="S"
        )
        item = store.line_item(
            session,
            platform_id=registered.id,
            url=platform.lineitem(9),
            exercise_id="u03-core-wx",
            assignment_id=None,
        )
        store.link_line_item(session, account_id=account.id, line_item_id=item.id)
        row = store.queue_score(
            session,
            line_item_id=item.id,
            user_subject="s-1",
            score_given=given,
            score_maximum=1.0,
            at=datetime.now(UTC),
        )
        return row.id


def _row(database: Database, score_id: int) -> store.LtiScorePost:
    with database.read() as session:
        row = session.get(store.LtiScorePost, score_id)
        assert row is not None
        return row


def _tool_keys(database: Database, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.lti.keys import jwks

    with database.write() as session:
        key_set = jwks(session)
    monkeypatch.setattr(platform, "tool_key_set", lambda: key_set)


def test_a_queued_score_is_posted_once(
    database: Database, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tool_keys(database, platform, monkeypatch)
    score_id = _queue(database, platform)
    sender = scores.ScoreSender(database)
    assert sender.run_once() == 1
    assert [(s["userId"], s["scoreGiven"]) for s in platform.scores] == [("s-1", 1.0)]
    assert _row(database, score_id).status == "sent"
    assert sender.run_once() == 0 and len(platform.scores) == 1


def test_a_refused_post_is_retried_later_then_given_up(
    database: Database, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tool_keys(database, platform, monkeypatch)
    monkeypatch.setattr(platform, "score", lambda *args: 503)
    score_id = _queue(database, platform)
    sender = scores.ScoreSender(database)
    assert sender.run_once() == 0
    row = _row(database, score_id)
    assert (row.status, row.tries, row.last_error) == ("pending", 1, "score service answered 503")
    assert row.next_try_at is not None
    due = row.next_try_at if row.next_try_at.tzinfo else row.next_try_at.replace(tzinfo=UTC)
    assert due > datetime.now(UTC) + timedelta(seconds=3)  # not before the back-off
    assert sender.run_once() == 0 and _row(database, score_id).tries == 1  # not due yet
    for _ in range(scores.MAX_TRIES - 1):
        with database.write() as session:
            session.get(store.LtiScorePost, score_id).next_try_at = datetime.now(UTC)  # type: ignore[union-attr]
        sender.run_once()
    row = _row(database, score_id)
    assert (row.status, row.tries) == ("failed", scores.MAX_TRIES)


def test_a_claimed_score_is_not_claimed_again_until_its_lease_ends(
    database: Database, platform: Platform
) -> None:
    score_id = _queue(database, platform)
    now = datetime.now(UTC)
    with database.write() as session:
        assert store.claim_score(session, score_id=score_id, now=now, lease=scores.LEASE)
    with database.write() as session:
        assert not store.claim_score(session, score_id=score_id, now=now, lease=scores.LEASE)
    later = now + scores.LEASE + timedelta(seconds=1)
    with database.write() as session:
        assert store.claim_score(session, score_id=score_id, now=later, lease=scores.LEASE)
