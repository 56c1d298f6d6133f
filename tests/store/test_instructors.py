"""The instructor side of the store: accounts, sessions, sign-in failures, statistics,
and exercises authored in the browser (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.store import Database, record_attempt
from app.store import authored as authored_store
from app.store import instructors as store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _attempt(
    db: Database, learner: str, exercise: str, verdict: str, diagnosis: str | None = None
) -> None:
    with db.write() as session:
        record_attempt(
            session,
            learner_id=learner,
            exercise_id=exercise,
            answer=f"{verdict}-{diagnosis}",
            seed=7,
            result={"verdict": verdict, "diagnosis": diagnosis, "message": f"m {verdict}"},
        )


def test_accounts_are_unique_by_normalised_email(database: Database) -> None:
    with database.write() as session:
        store.add_instructor(session, email=" Ada@Example.org ", password_hash="$argon2id$x")
    with database.write() as session, pytest.raises(ValueError, match="already exists"):
        store.add_instructor(session, email="ada@example.org", password_hash="$argon2id$y")
    with database.read() as session:
        found = store.find_instructor(session, email="ADA@example.org")
        assert found is not None and found.email == "ada@example.org"
        assert [i.email for i in store.list_instructors(session)] == ["ada@example.org"]


def test_sessions_expire_and_end_with_their_account(database: Database) -> None:
    with database.write() as session:
        who = store.add_instructor(session, email="a@b.org", password_hash="h")
        store.create_session(
            session, token_hash="t1", instructor_id=who.id, expires_at=NOW + timedelta(hours=1)
        )
    with database.read() as session:
        assert store.session_instructor(session, token_hash="t1", now=NOW) is not None
        assert (
            store.session_instructor(session, token_hash="t1", now=NOW + timedelta(hours=2)) is None
        )
        assert store.session_instructor(session, token_hash="other", now=NOW) is None
    with database.write() as session:
        assert store.remove_instructor(session, email="a@b.org")
        assert not store.remove_instructor(session, email="a@b.org")
    with database.read() as session:
        assert store.session_instructor(session, token_hash="t1", now=NOW) is None


def test_failures_are_counted_within_their_window(database: Database) -> None:
    pair_a, pair_b = "pair:a@x.org|10.0.0.1", "pair:b@x.org|10.0.0.1"
    with database.write() as session:
        store.record_login_failure(
            session, keys=[pair_a, "client:1"], at=NOW - timedelta(minutes=30)
        )
        store.record_login_failure(session, keys=[pair_a, "client:1"], at=NOW)
        store.record_login_failure(session, keys=[pair_b, "client:1"], at=NOW)
    with database.read() as session:
        since = NOW - timedelta(minutes=15)
        assert store.login_failure_summary(session, key=pair_a, since=since) == (1, NOW)
        assert store.login_failure_summary(session, key="client:1", since=since) == (2, NOW)
        old = NOW - timedelta(hours=1)
        assert store.login_failure_summary(session, key="client:1", since=old)[0] == 3
        assert store.login_failure_summary(session, key="client:2", since=old) == (0, None)
    with database.write() as session:
        store.clear_login_failures(session, key=pair_a)
    with database.read() as session:
        assert store.login_failure_summary(session, key=pair_a, since=old) == (0, None)


def test_unlocking_an_email_forgets_every_clients_failures_for_it(database: Database) -> None:
    keys = ["pair:a@x.org|10.0.0.1", "pair:a@x.org|10.0.0.2", "pair:a@x.org.evil|10.0.0.3"]
    with database.write() as session:
        store.record_login_failure(session, keys=[*keys, "client:10.0.0.1"], at=NOW)
    with database.write() as session:
        assert store.clear_login_failures_for_email(session, email=" A@x.org ") == 2
    with database.read() as session:
        since = NOW - timedelta(hours=1)
        left = [store.login_failure_summary(session, key=k, since=since)[0] for k in keys]
        assert left == [0, 0, 1]
        assert store.login_failure_summary(session, key="client:10.0.0.1", since=since)[0] == 1


def test_exercise_stats_first_tries_ignore_invalid_answers(database: Database) -> None:
    _attempt(database, "l1", "ex", "invalid")
    _attempt(database, "l1", "ex", "correct")
    _attempt(database, "l2", "ex", "incorrect", "sign")
    _attempt(database, "l2", "ex", "incorrect", "sign")
    _attempt(database, "l2", "ex", "incorrect", "transposed")
    _attempt(database, "l3", "ex", "incorrect", None)
    _attempt(database, "l1", "other", "correct")
    with database.read() as session:
        stats = store.exercise_stats(session)
        wrong = store.recent_wrong_attempts(session, exercise_id="ex", limit=2)
        rows = list(store.attempt_rows(session, batch=2))
    ex = stats["ex"]
    assert (ex.attempts, ex.counted, ex.learners) == (6, 5, 3)
    assert ex.first_try_correct == pytest.approx(1 / 3)
    assert ex.diagnoses == [("sign", 2), ("transposed", 1), ("unexplained", 1)]
    assert stats["other"].first_try_correct == 1.0
    assert [a.learner_id for a in wrong] == ["l3", "l2"]
    assert [r["attempt_id"] for r in rows] == sorted(r["attempt_id"] for r in rows)
    assert len(rows) == 7 and rows[0]["counted"] == "false" and rows[1]["message"] == "m correct"


def test_authored_exercises_keep_a_version(database: Database) -> None:
    with database.write() as session:
        authored_store.create_authored(
            session, exercise_id="a-1", yaml_text="id: a-1", author_email="x@y.org"
        )
    with database.write() as session, pytest.raises(ValueError):
        authored_store.create_authored(
            session, exercise_id="a-1", yaml_text="id: a-1", author_email="x@y.org"
        )
    with database.write() as session:
        updated = authored_store.update_authored(
            session, exercise_id="a-1", yaml_text="id: a-1\n", author_email="z@y.org"
        )
        assert updated is not None and updated.version == 2
        assert (
            authored_store.update_authored(
                session, exercise_id="nope", yaml_text="", author_email=""
            )
            is None
        )
    with database.read() as session:
        assert authored_store.authored_versions(session) == {"a-1": 2}
        row = authored_store.get_authored(session, exercise_id="a-1")
        assert row is not None and row.author_email == "x@y.org"  # the owner stays
    with database.write() as session:
        assert authored_store.delete_authored(session, exercise_id="a-1")
        assert not authored_store.delete_authored(session, exercise_id="a-1")
    with database.read() as session:
        assert authored_store.list_authored(session) == []
