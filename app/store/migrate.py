"""Bring a database's schema up to date with the Alembic migrations shipped in this package.

The migrations folder is found next to this module, so it works from an installed package
and from any current directory (no ``alembic.ini`` needed). ``python -m app.store.migrate``
and ``jtutor serve`` both call :func:`upgrade`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from app.store.database import make_engine, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, *, connection: Connection | None = None) -> None:
    """Apply every pending migration to the database at ``url`` (or on ``connection``)."""
    config = alembic_config(url)
    if connection is not None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    from app.settings import Settings

    parser = argparse.ArgumentParser(
        prog="python -m app.store.migrate", description="Apply the database migrations."
    )
    parser.add_argument("--db", help="database URL (default: DATABASE_URL or the settings)")
    args = parser.parse_args(argv)
    url = args.db or Settings().database_url
    print(f"migrating {make_url(normalise_url(url)).render_as_string(hide_password=True)} ...")
    upgrade(url)
    print("database is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
