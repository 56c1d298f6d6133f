"""Fixtures for the instructor tests (no tests here): an app on SQLite or PostgreSQL with
the shipped exercise bank, an instructor account, and a signed-in client.

``backend_url`` gives each test a fresh migrated database: a SQLite file, or with
``TEST_DATABASE_URL`` a private PostgreSQL schema dropped afterwards.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.bank import load_bank
from app.settings import Settings
from app.store import Database
from app.store.database import make_engine
from app.store.instructors import add_instructor
from app.store.migrate import upgrade
from app.web.auth import hash_password
from app.web.main import create_app

EMAIL = "prof@example.org"
PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]

_BANK = None


def shipped_bank() -> Any:
    global _BANK
    if _BANK is None:
        _BANK = load_bank(ROOT / "exercises")
    return _BANK


@pytest.fixture(params=BACKENDS)
def make_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Database]]:
    """Opens Database objects on one fresh migrated database (two = two server processes)."""
    opened: list[Database] = []
    cleanup: list[Callable[[], None]] = []
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'author.db'}"
        upgrade(url)
        options: dict[str, Any] = {}
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        assert url, "PostgreSQL tests need TEST_DATABASE_URL"
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        first = Database(url, **options)
        with first.engine.begin() as connection:
            upgrade(url, connection=connection)
        first.dispose()

        def drop() -> None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        cleanup.append(drop)

    def make() -> Database:
        database = Database(url, **options)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.dispose()
    for step in cleanup:
        step()


@pytest.fixture
def make_app_client(
    make_database: Callable[[], Database],
) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        database = make_database()
        overrides.setdefault("check_on_start", False)  # tests/web/test_startup_check.py
        settings = Settings(database_url=database.url, **overrides)
        app = create_app(settings, database=database, bank=shipped_bank())
        client = TestClient(app)
        client.__enter__()  # runs the lifespan, as a real server does
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def anon(make_app_client: Callable[..., TestClient]) -> TestClient:
    """A client of a fresh app whose database holds one instructor account."""
    client = make_app_client()
    add_account(client)
    return client


def database_of(client: TestClient) -> Database:
    database: Database = client.app.state.tutor.database  # type: ignore[attr-defined]
    return database


def add_account(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> None:
    with database_of(client).write() as session:
        add_instructor(session, email=email, password_hash=hash_password(password))


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return csrf_from(page.text)


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/author").text)


@pytest.fixture
def instructor(anon: TestClient) -> tuple[TestClient, str]:
    """A signed-in client and its CSRF token."""
    return anon, sign_in(anon)


GOOD_FIELDS = {
    "id": "t-wx",
    "title": "Test: the Jacobian of Wx",
    "lesson": "y-equals-wx",
    "layout": "numerator",
    "answer_form": "expression",
    "function": "W x",
    "wrt": "x",
    "reference": "W",
    "prompt": "Let $y = Wx$. Give $\\partial y / \\partial x$.\n",
    "rest": "variables: {W: m x n, x: n}\nsizes:\n  m: [2, 3]\n  n: [4, 5]\n"
    "tests:\n  - {answer: W, verdict: correct}\n"
    "  - {answer: W^T, verdict: incorrect, diagnosis: transposed}\n",
}
