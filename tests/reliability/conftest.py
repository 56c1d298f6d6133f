"""Fixtures: a database URL per backend (a SQLite file, or a fresh PostgreSQL schema) and a
running ``jtutor serve`` on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.live import LiveServer, fresh_postgres_url, postgres_base_url

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jtutor.db'}"
        return
    with fresh_postgres_url(postgres_base_url()) as url:
        yield url


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(database_url=database_url, workdir=tmp_path / "server")
    live.start()
    try:
        yield live
    finally:
        live.stop()
