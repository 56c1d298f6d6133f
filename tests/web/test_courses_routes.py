"""Learner accounts, joining by code, course pages and exercise ownership, over HTTP.

The browser test (``tests/browser/test_courses_flow.py``) walks the whole path; these
check the rules: signing in moves the browser's anonymous history, a join without the
form's token is refused, only course staff see a course, the gradebook's CSV does not let
a display name run as a formula, and only an exercise's author or the staff of the
author's courses may change it.
"""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from app.store import courses
from app.store.authored import create_authored, get_authored
from app.store.instructors import add_instructor, find_instructor
from app.web.auth import hash_password
from tests.web.test_author_support import (  # noqa: F401  (fixtures)
    EMAIL,
    anon,
    csrf_from,
    database_of,
    instructor,
    make_app_client,
    make_database,
    sign_in,
)

EXERCISE = "u03-core-wx"


def _learner_token(client: TestClient) -> str:
    return csrf_from(client.get("/account").text)


def _answer(client: TestClient, answer: str) -> None:
    page = client.get(f"/exercises/{EXERCISE}")
    seed = re.search(r'name="seed" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    graded = client.post(
        f"/exercises/{EXERCISE}/submit",
        data={"answer": answer, "seed": seed, "csrf_token": csrf_from(page.text)},
    )
    assert graded.status_code == 200


def _verdicts(client: TestClient) -> list[str]:
    return [a["verdict"] for a in client.get("/api/v1/attempts").json()["attempts"]]


def _new_client(client: TestClient) -> TestClient:
    return TestClient(client.app)


def test_signing_in_on_another_device_brings_that_devices_history_along(
    anon: TestClient,  # noqa: F811
) -> None:
    _answer(anon, "W^T")
    made = anon.post(
        "/account/signup",
        data={
            "display_name": "Ada",
            "email": "ada@example.org",
            "password": "long enough password",
            "csrf_token": _learner_token(anon),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert _verdicts(anon) == ["incorrect"]  # the account kept the browser's history
    phone = _new_client(anon)
    _answer(phone, "W")  # anonymous on the phone first
    wrong = phone.post(
        "/account/signin",
        data={
            "email": "ada@example.org",
            "password": "not it",
            "csrf_token": _learner_token(phone),
        },
    )
    assert wrong.status_code == 401
    signed = phone.post(
        "/account/signin",
        data={
            "email": "ADA@example.org",
            "password": "long enough password",
            "csrf_token": _learner_token(phone),
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert sorted(_verdicts(phone)) == ["correct", "incorrect"]
    assert sorted(_verdicts(anon)) == ["correct", "incorrect"]
    out = phone.post("/account/signout", data={"csrf_token": _learner_token(phone)})
    assert out.status_code == 200 and _verdicts(phone) == []


def test_joining_needs_the_forms_token_and_a_known_code(anon: TestClient) -> None:  # noqa: F811
    with database_of(anon).write() as session:
        course = courses.create_course(session, title="Calculus", owner_id=None)
        code = course.join_code
    forged = anon.post("/join", data={"code": code, "display_name": "Mallory"})
    assert forged.status_code == 403
    unknown = anon.post(
        "/join", data={"code": "ZZZZZZZZ", "display_name": "B", "csrf_token": _learner_token(anon)}
    )
    assert unknown.status_code == 422 and "No course has that code" in unknown.text
    _answer(anon, "W")
    joined = anon.post(
        "/join",
        data={"code": code.lower(), "display_name": "Bo", "csrf_token": _learner_token(anon)},
        follow_redirects=False,
    )
    assert joined.status_code == 303
    with database_of(anon).read() as session:
        ((account, role),) = courses.roster(session, course_id=course.id)
    assert (account.display_name, role) == ("Bo", "learner")
    assert _verdicts(anon) == ["correct"]  # the anonymous history is the account's


def test_only_staff_see_a_course_and_the_csv_neutralises_formulas(
    instructor: tuple[TestClient, str],  # noqa: F811
) -> None:
    client, token = instructor
    made = client.post(
        "/courses", data={"title": "Linear algebra", "csrf_token": token}, follow_redirects=False
    )
    assert made.status_code == 303
    course_url = made.headers["location"]
    created = client.post(
        course_url + "/assignments",
        data={"title": "Week 1", "exercises": EXERCISE, "csrf_token": token},
        follow_redirects=False,
    )
    assert created.status_code == 303
    code = re.search(r'id="join-code">(\w+)<', client.get(course_url).text).group(1)  # type: ignore[union-attr]
    learner = _new_client(client)
    learner.post(
        "/join",
        data={"code": code, "display_name": "=HYPERLINK(1)", "csrf_token": _learner_token(learner)},
    )
    _answer(learner, "W")
    rows = list(csv.reader(io.StringIO(client.get(course_url + "/gradebook.csv").text)))
    assert rows[1][:2] == ["'=HYPERLINK(1)", ""]
    assert rows[1][2:] == ["1", "1", "1"]
    with database_of(client).write() as session:
        add_instructor(
            session, email="other@example.org", password_hash=hash_password("pw-other-1")
        )
    stranger = _new_client(client)
    sign_in(stranger, "other@example.org", "pw-other-1")
    assert stranger.get(course_url).status_code == 404
    assert stranger.get(course_url + "/gradebook.csv").status_code == 404


def test_only_the_author_or_their_course_staff_change_an_exercise(
    instructor: tuple[TestClient, str],  # noqa: F811
) -> None:
    client, token = instructor
    with database_of(client).write() as session:
        add_instructor(session, email="owner@example.org", password_hash=hash_password("pw-own-1"))
        create_authored(
            session,
            exercise_id="theirs",
            yaml_text="id: theirs\n",
            author_email="owner@example.org",
        )
    refused = client.post("/author/exercises/theirs/delete", data={"csrf_token": token})
    assert refused.status_code == 403 and "owner@example.org" in refused.text
    with database_of(client).write() as session:
        author = find_instructor(session, email="owner@example.org")
        me = find_instructor(session, email=EMAIL)
        assert author is not None and me is not None
        course = courses.create_course(session, title="Shared", owner_id=author.id)
        courses.add_staff(session, course_id=course.id, instructor_id=me.id)
    allowed = client.post(
        "/author/exercises/theirs/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert allowed.status_code == 303
    with database_of(client).read() as session:
        assert get_authored(session, exercise_id="theirs") is None


def test_an_assignment_that_withholds_the_solution_closes_it_until_due(
    anon: TestClient,  # noqa: F811
) -> None:
    from datetime import UTC, datetime, timedelta

    with database_of(anon).write() as session:
        course = courses.create_course(session, title="Exam prep", owner_id=None)
        courses.create_assignment(
            session,
            course_id=course.id,
            title="Quiz",
            exercise_ids=[EXERCISE],
            due_at=datetime.now(UTC) + timedelta(days=1),
            solution_allowed=False,
        )
        code = course.join_code
    anon.post(
        "/join", data={"code": code, "display_name": "Cy", "csrf_token": _learner_token(anon)}
    )
    closed = anon.get(f"/api/v1/exercises/{EXERCISE}/solution", params={"seed": 1})
    assert closed.status_code == 403 and "Quiz" in closed.json()["detail"]
    with database_of(anon).write() as session:
        (quiz,) = courses.course_assignments(session, course_id=course.id)
        quiz.due_at = datetime.now(UTC) - timedelta(minutes=1)
    with database_of(anon).read() as session:
        ((account, _),) = courses.roster(session, course_id=course.id)
        assert (
            courses.solution_withheld(
                session, learner_id=account.learner_id, exercise_id=EXERCISE, now=datetime.now(UTC)
            )
            is None
        )
