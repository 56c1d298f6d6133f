"""Accounts, courses, assignments, versions and LTI rows on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.store import courses, lti, versions
from app.store.attempts import list_attempts, record_attempt
from app.store.database import Database
from app.store.instructors import Instructor
from app.store.migrate import alembic_config, upgrade
from app.store.models import Attempt

RIGHT = {"verdict": "correct"}
WRONG = {"verdict": "incorrect", "diagnosis": "sign"}


def _instructor(db: Database, email: str) -> int:
    with db.write() as s:
        row = Instructor(email=email, password_hash="x")
        s.add(row)
        s.flush()
        return row.id


def test_an_edit_makes_a_new_version_and_old_attempts_keep_theirs(database: Database) -> None:
    first = {"id": "e", "function": "sin(x)"}
    edited = {"function": "cos(x)", "id": "e"}
    with database.write() as s:
        v1 = versions.version_for(s, exercise_id="e", content=first)
        record_attempt(
            s, learner_id="L", exercise_id="e", answer="a", seed=1, result=RIGHT, version=v1
        )
        again = versions.version_for(s, exercise_id="e", content=dict(reversed(first.items())))
        v2 = versions.version_for(s, exercise_id="e", content=edited)
        record_attempt(
            s, learner_id="L", exercise_id="e", answer="b", seed=1, result=WRONG, version=v2
        )
        back = versions.version_for(s, exercise_id="e", content=first)
    assert v1[0] == 1 and again == v1 and v2[0] == 2 and back == v1
    assert v1[1] != v2[1]
    with database.read() as s:
        stored = [
            (a.answer, a.exercise_version, a.content_hash)
            for a in list_attempts(s, learner_id="L", exercise_id="e")
        ]
    assert sorted(stored) == [("a", 1, v1[1]), ("b", 2, v2[1])]


def test_anonymous_history_moves_to_the_account(database: Database) -> None:
    with database.write() as s:
        account = courses.create_account(
            s, learner_id="acct", display_name="Ada", email="A@x.org", password_hash="h"
        )
        record_attempt(s, learner_id="anon", exercise_id="e", answer="a", seed=1, result=RIGHT)
        moved = courses.merge_learner(s, from_learner="anon", into_learner=account.learner_id)
        # another account's learner id is never merged away
        other = courses.create_account(s, learner_id="other", display_name="B")
        record_attempt(s, learner_id="other", exercise_id="e", answer="z", seed=1, result=RIGHT)
        assert courses.merge_learner(s, from_learner="other", into_learner="acct") == 0
    assert moved == 1 and other.learner_id == "other"
    with database.read() as s:
        assert [a.answer for a in list_attempts(s, learner_id="acct", exercise_id="e")] == ["a"]
        assert courses.account_by_email(s, email=" a@X.org ") is not None
    with database.write() as s, pytest.raises(courses.AccountExists):
        courses.create_account(s, learner_id="n", display_name="C", email="a@x.org")


def test_course_staff_join_code_and_gradebook(database: Database) -> None:
    owner, helper, stranger = (_instructor(database, f"{n}@x.org") for n in ("o", "h", "s"))
    with database.write() as s:
        course = courses.create_course(s, title="Matrix calculus", owner_id=owner)
        courses.add_staff(s, course_id=course.id, instructor_id=helper)
        assignment = courses.create_assignment(
            s, course_id=course.id, title="Week 1", exercise_ids=["e2", "e1"], attempts_allowed=2
        )
        code, course_id, assignment_id = course.join_code, course.id, assignment.id
    assert len(code) == courses.CODE_LENGTH and not set(code) & set("0O1IL")
    with database.write() as s:
        found = courses.course_by_code(s, code=code.lower()[:4] + "-" + code.lower()[4:])
        assert found is not None and found.id == course_id
        assert courses.is_staff(s, course_id=course_id, instructor_id=owner)
        assert courses.is_staff(s, course_id=course_id, instructor_id=helper)
        assert not courses.is_staff(s, course_id=course_id, instructor_id=stranger)
        assert courses.assignment_exercises(s, assignment_id=assignment_id) == ["e2", "e1"]
        ada = courses.create_account(s, learner_id="ada", display_name="Ada")
        courses.enrol(s, course_id=course_id, account_id=ada.id)
        for exercise, result in [("e1", WRONG), ("e1", RIGHT), ("e2", RIGHT), ("e2", WRONG)]:
            record_attempt(
                s, learner_id="ada", exercise_id=exercise, answer="x", seed=1, result=result
            )
    with database.read() as s:
        assignments, rows = courses.gradebook(s, course_id=course_id)
    assert [a.title for a in assignments] == ["Week 1"]
    [(account, [cell])] = rows
    assert account.display_name == "Ada"
    assert (cell.first_try, cell.final, cell.attempted, cell.total) == (1, 2, 2, 2)


def test_attempts_beyond_the_allowance_or_outside_the_window_do_not_count(
    database: Database,
) -> None:
    now = datetime.now(UTC)
    with database.write() as s:
        course = courses.create_course(s, title="C", owner_id=None)
        a = courses.create_assignment(
            s, course_id=course.id, title="A", exercise_ids=["e"], attempts_allowed=1
        )
        closed = courses.create_assignment(
            s, course_id=course.id, title="B", exercise_ids=["e"], due_at=now - timedelta(days=1)
        )
        assert courses.window(closed, now).state == "closed"
        assert courses.window(a, now).state == "open"
        acct = courses.create_account(s, learner_id="l", display_name="L")
        courses.enrol(s, course_id=course.id, account_id=acct.id)
        record_attempt(s, learner_id="l", exercise_id="e", answer="x", seed=1, result=WRONG)
        record_attempt(s, learner_id="l", exercise_id="e", answer="y", seed=1, result=RIGHT)
        course_id = course.id
    with database.read() as s:
        _, [(_, cells)] = courses.gradebook(s, course_id=course_id)
    assert (cells[0].final, cells[0].attempted) == (0, 1)  # only one attempt allowed
    assert cells[1].attempted == 0  # made after the due date
    with database.write() as s, pytest.raises(ValueError):
        courses.create_assignment(
            s, course_id=course_id, title="X", exercise_ids=[], attempts_allowed=0
        )


def test_platform_nonce_and_state_are_single_use(database: Database) -> None:
    later = datetime.now(UTC) + timedelta(minutes=10)
    with database.write() as s:
        p = lti.add_platform(
            s,
            issuer="https://lms",
            client_id="c",
            deployment_ids=["d1"],
            auth_url="https://lms/auth",
            token_url="https://lms/token",
            jwks_url="https://lms/jwks",
        )
        lti.add_platform(
            s,
            issuer="https://lms",
            client_id="c",
            deployment_ids=["d2"],
            auth_url="https://lms/auth",
            token_url="https://lms/token",
            jwks_url="https://lms/jwks",
        )
        pid = p.id
        assert lti.use_nonce(s, platform_id=pid, nonce="n", expires_at=later)
        assert not lti.use_nonce(s, platform_id=pid, nonce="n", expires_at=later)
        lti.save_state(s, state="st", nonce="n2", platform_id=pid, ttl=timedelta(minutes=5))
        lti.save_state(s, state="old", nonce="n3", platform_id=pid, ttl=timedelta(minutes=-1))
    with database.write() as s:
        assert len(lti.list_platforms(s)) == 1
        assert lti.deployment_known(s, platform_id=pid, deployment_id="d2")
        assert not lti.deployment_known(s, platform_id=pid, deployment_id="d3")
        taken = lti.take_state(s, state="st")
        assert taken is not None and taken.nonce == "n2"
        assert lti.take_state(s, state="st") is None
        assert lti.take_state(s, state="old") is None
        account = courses.lti_account(s, platform_id=pid, subject="u1", display_name="Ann")
        again = courses.lti_account(s, platform_id=pid, subject="u1", display_name="Ann B")
        assert again.id == account.id and again.display_name == "Ann B"


def test_the_migration_keeps_existing_attempts(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0170")
    with sqlite3.connect(tmp_path / "old.db") as c:
        c.execute("INSERT INTO learners (id, created_at) VALUES ('L', '2026-01-01')")
        c.execute(
            "INSERT INTO attempts (learner_id, exercise_id, answer, seed, verdict, counted,"
            " created_at, result) VALUES ('L', 'e', 'a', 1, 'correct', 1, '2026-01-01', '{}')"
        )
    upgrade(url)
    db = Database(url)
    with db.read() as s:
        [attempt] = s.scalars(select(Attempt))
    db.dispose()
    assert attempt.answer == "a" and attempt.exercise_version is None
