"""What nobody but a signed-in instructor can do, and what no page may run (issue 6, §10).

Each test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from app.settings import DEFAULT_SECRET
from app.store.authored import AuthoredExercise
from app.store.instructors import Instructor, InstructorSession
from app.store.models import Attempt, Base
from app.web.learner import SALT
from tests.web import test_author_support as support
from tests.web.test_author_support import (
    EMAIL,
    GOOD_FIELDS,
    PASSWORD,
    add_account,
    database_of,
    login_token,
    sign_in,
)

make_database = support.make_database
make_app_client = support.make_app_client
anon = support.anon
instructor = support.instructor

HOSTILE_PROMPT = (
    "Hello <script>window.__pwned = 1</script> "
    '<img src=x onerror="window.__pwned = 2"> '
    "[click](javascript:window.__pwned=3) "
    "$\\href{javascript:window.__pwned=4}{a}$ and $\\url{javascript:window.__pwned=5}$ "
    '<a href="javascript:window.__pwned=6">raw</a>'
)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from _api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def instructor_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the instructor pages and API, with sample ids filled in."""
    found = []
    for route in _api_routes(client.app.routes):  # type: ignore[attr-defined]
        if not (route.path.startswith("/author") or route.path == "/logout"):
            continue
        path = route.path.replace("{exercise_id}", "t-wx").replace("{rest:path}", "no/such/page")
        for method in sorted(route.methods):
            found.append((method, path))
    assert len(found) >= 15
    return found


def counts(client: TestClient) -> dict[str, int]:
    with database_of(client).read() as session:
        return {
            "authored": session.scalar(select(func.count()).select_from(AuthoredExercise)) or 0,
            "sessions": session.scalar(select(func.count()).select_from(InstructorSession)) or 0,
            "instructors": session.scalar(select(func.count()).select_from(Instructor)) or 0,
            "attempts": session.scalar(select(func.count()).select_from(Attempt)) or 0,
        }


def _create(client: TestClient, token: str) -> None:
    response = client.post(
        "/author/new", data={**GOOD_FIELDS, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303


def _request(client: TestClient, method: str, path: str, **extra: Any) -> Any:
    data = {**GOOD_FIELDS, "yaml": "id: x"}
    if method == "GET":
        return client.get(path, follow_redirects=False, **extra)
    if path.startswith("/author/api/"):
        return client.post(path, json={"yaml": "id: x"}, follow_redirects=False, **extra)
    return client.request(method, path, data=data, follow_redirects=False, **extra)


def test_anonymous_requests_are_sent_to_sign_in_and_change_nothing(anon: TestClient) -> None:
    signed = TestClient(anon.app)
    token = sign_in(signed)
    _create(signed, token)
    before = counts(anon)
    for method, path in instructor_routes(anon):
        response = _request(anon, method, path)
        if path == "/logout":
            assert response.status_code == 303 and response.headers["location"] == "/login"
        elif path.startswith("/author/api/"):
            assert response.status_code == 401, (method, path)
            assert response.json()["detail"] == "sign in as an instructor first"
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=/author")
        assert GOOD_FIELDS["title"] not in response.text, (method, path)
    assert counts(anon) == before
    htmx = anon.post(
        "/author/check",
        data=GOOD_FIELDS,
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/author/new"},
    )
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login?next=/author/new"
    posted = anon.post(
        "/author/new",
        data=GOOD_FIELDS,
        headers={"Referer": "http://testserver/author/exercises/t-wx"},
        follow_redirects=False,
    )
    assert posted.headers["location"] == "/login?next=/author/exercises/t-wx"
    elsewhere = anon.post(
        "/author/new",
        data=GOOD_FIELDS,
        headers={"Referer": "https://evil.example/author/x"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/login?next=/author"
    assert counts(anon) == before


def test_unknown_instructor_addresses_reveal_nothing(instructor: tuple[TestClient, str]) -> None:
    client, _ = instructor
    assert client.get("/author/no/such/page").status_code == 404
    assert client.get("/author/exercises", follow_redirects=False).headers["location"] == "/author"
    stranger = TestClient(client.app)
    for path in ("/author/no/such/page", "/author/exercises", "/author/exercises/t-wx"):
        response = stranger.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_forged_or_stale_session_cookies_are_anonymous(anon: TestClient) -> None:
    for value in ("x" * 43, "", "a" * 500):
        anon.cookies.set("jtutor_instructor", value)
        assert anon.get("/author", follow_redirects=False).status_code == 303
        assert anon.get("/author/attempts.csv", follow_redirects=False).status_code == 303


def test_unsafe_requests_without_the_csrf_token_get_403_and_change_nothing(
    instructor: tuple[TestClient, str],
) -> None:
    client, token = instructor
    _create(client, token)
    other = TestClient(client.app)
    other_token = sign_in(other)
    assert other_token != token
    before = counts(client)
    unsafe = [(m, p) for m, p in instructor_routes(client) if m != "GET"]
    assert len(unsafe) >= 9
    for method, path in unsafe:
        for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": other_token}):
            response = _request(client, method, path, headers=headers)
            assert response.status_code == 403, (method, path, headers, response.status_code)
    assert counts(client) == before
    assert client.get("/author/exercises/t-wx").status_code == 200


def test_csrf_token_in_the_form_field_is_checked_too(instructor: tuple[TestClient, str]) -> None:
    client, token = instructor
    _create(client, token)
    for wrong in ("", "0" * 64, token[:-1] + ("0" if token[-1] != "0" else "1")):
        response = client.post(
            "/author/exercises/t-wx/delete", data={"csrf_token": wrong}, follow_redirects=False
        )
        assert response.status_code == 403
    assert counts(client)["authored"] == 1


def test_a_learner_cannot_read_another_learners_attempts(anon: TestClient) -> None:
    alice, bob = TestClient(anon.app), TestClient(anon.app)
    made = alice.post(
        "/api/v1/exercises/u03-core-wx/attempts", json={"answer": "W^T + 0 W", "seed": 3}
    ).json()
    attempt_id = made["attempt_id"]
    mine = alice.get("/api/v1/attempts").json()["attempts"]
    assert [a["id"] for a in mine] == [attempt_id]
    assert bob.get("/api/v1/attempts").json()["attempts"] == []
    for probe in (
        f"/api/v1/attempts/{attempt_id}",
        f"/api/v1/attempts?id={attempt_id}",
        "/api/v1/attempts?learner_id=" + str(alice.cookies.get("jtutor_learner")),
        f"/author/dashboard/u03-core-wx?attempt={attempt_id}",
        "/author/attempts.csv",
    ):
        response = bob.get(probe, follow_redirects=False)
        assert "W^T + 0 W" not in response.text, probe


def _learner_ids(client: TestClient) -> list[str]:
    with database_of(client).read() as session:
        return list(session.scalars(select(Attempt.learner_id).distinct()))


def test_a_cookie_forged_from_a_learner_id_reads_nothing(
    make_app_client: Callable[..., TestClient],
) -> None:
    """The id is what an instructor's CSV shows; knowing it must not make one that learner.
    Neither the bare id nor the id signed with the (public) development key is accepted
    by a server with a key of its own."""
    client = make_app_client(secret_key="a-key-of-this-deployment-only-0123456789")
    alice = TestClient(client.app)
    alice.post("/api/v1/exercises/u03-core-wx/attempts", json={"answer": "W^T + 0 W", "seed": 3})
    assert len(alice.get("/api/v1/attempts").json()["attempts"]) == 1
    (learner_id,) = _learner_ids(client)
    cookie = str(alice.cookies.get("jtutor_learner"))
    assert learner_id not in cookie.split(".")[0]  # the cookie does not just carry the id...
    forgeries = {
        "bare id": learner_id,
        "signed with the development key": URLSafeSerializer(DEFAULT_SECRET, salt=SALT).dumps(
            learner_id
        ),
        "payload without signature": cookie.rsplit(".", 1)[0],
    }
    for name, forged in forgeries.items():
        forger = TestClient(client.app)
        forger.cookies.set("jtutor_learner", forged)
        reply = forger.get("/api/v1/attempts")
        assert reply.json()["attempts"] == [], name
        assert "jtutor_learner=" in reply.headers.get("set-cookie", ""), name  # a new learner
    assert _learner_ids(client) == [learner_id]


def test_hostile_prompt_is_served_inert(instructor: tuple[TestClient, str]) -> None:
    client, token = instructor
    response = client.post(
        "/author/new",
        data={**GOOD_FIELDS, "prompt": HOSTILE_PROMPT, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    learner_page = TestClient(client.app).get("/exercises/t-wx").text
    panel = client.post(
        "/author/check",
        data={**GOOD_FIELDS, "prompt": HOSTILE_PROMPT, "csrf_token": token},
        headers={"HX-Request": "true"},
    ).text
    assert len(active_markup(HOSTILE_PROMPT)) >= 3  # the checker sees the raw attack
    for html in (learner_page, panel):
        assert "Hello" in html
        assert active_markup(html) == []


class _ActiveMarkup(HTMLParser):
    """Collects what a browser could run: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith(("javascript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value}>")


def active_markup(html: str) -> list[str]:
    parser = _ActiveMarkup()
    parser.feed(html)
    return parser.found


def test_passwords_are_never_logged_or_stored(
    make_app_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_app_client()
    add_account(client)
    wrong_password = "Wrong-Password-Guess-7"
    client.post(
        "/login",
        data={"email": EMAIL, "password": wrong_password, "csrf_token": login_token(client)},
    )
    sign_in(client)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "signed in" in logged and "sign-in failed" in logged  # the log did see the events
    assert PASSWORD not in logged and wrong_password not in logged
    with database_of(client).read() as session:
        dump = []
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                dump.append(repr(tuple(row)))
    text = "\n".join(dump)
    assert EMAIL in text  # the dump is real
    assert PASSWORD not in text and wrong_password not in text


def test_instructor_pages_and_exports_are_never_cached(instructor: tuple[TestClient, str]) -> None:
    client, token = instructor
    _create(client, token)
    for path in (
        "/author",
        "/author/dashboard",
        "/author/attempts.csv",
        "/author/exercises/t-wx",
        "/author/exercises/t-wx/export.yaml",
        "/author/no/such/page",
        "/login",
        "/logout",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code < 500, path
        assert response.headers.get("cache-control") == "no-store", path
    stranger = TestClient(client.app)
    assert stranger.get("/author", follow_redirects=False).headers["cache-control"] == "no-store"
    for private in ("/courses", "/courses/1/gradebook.csv", "/account", "/account/signin"):
        assert stranger.get(private, follow_redirects=False).headers["cache-control"] == (
            "no-store"
        ), private
    assert "no-store" not in client.get("/lessons").headers.get("cache-control", "")
    assert "no-store" not in client.get("/authoring-guide").headers.get("cache-control", "")
