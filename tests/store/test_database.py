from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.store.database import Database, is_sqlite, normalise_url
from app.store.migrate import MIGRATIONS, upgrade


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u:p@h:5/db", "postgresql+psycopg://u:p@h:5/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///./data/jtutor.db", "sqlite:///./data/jtutor.db"),
    ],
)
def test_postgres_urls_go_through_psycopg3(given: str, used: str) -> None:
    assert normalise_url(given) == used


def test_sqlite_file_gets_its_folder_wal_and_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "j.db"
    url = f"sqlite:///{path}"
    assert is_sqlite(url)
    upgrade(url)
    db = Database(url)
    with db.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    db.dispose()
    assert path.exists()
    assert mode == "wal"
    assert timeout is not None and int(timeout) >= 1000


def test_migrations_are_idempotent_and_create_the_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    upgrade(url)
    with sqlite3.connect(tmp_path / "m.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"learners", "attempts", "alembic_version"} <= tables


def test_migrations_do_not_depend_on_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert MIGRATIONS.is_absolute() and (MIGRATIONS / "env.py").exists()
    upgrade("sqlite:///here.db")
    assert (tmp_path / "here.db").exists()


def test_migrate_module_runs_as_a_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.store.migrate import main

    assert main(["--db", f"sqlite:///{tmp_path / 'cli.db'}"]) == 0
    assert "up to date" in capsys.readouterr().out
