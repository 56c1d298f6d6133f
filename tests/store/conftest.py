"""A migrated, empty database per test: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

PostgreSQL tests each get a fresh schema (dropped afterwards), so they can run beside
other suites on the same database without seeing each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.store.database import Database, make_engine
from app.store.migrate import upgrade

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        db = Database(url)
        yield db
        db.dispose()
        return
    url = os.environ.get("TEST_DATABASE_URL")
    assert url, "PostgreSQL tests need TEST_DATABASE_URL"
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with db.engine.begin() as connection:
            upgrade(url, connection=connection)
        yield db
    finally:
        db.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
