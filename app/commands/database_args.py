"""The ``--db`` option and the migrated database of the commands that manage stored state
(``jtutor instructor``, ``jtutor lti``): one definition of the option, its default and the
migrate-then-open step, so a fresh install works before the first ``jtutor serve``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DB_HELP = "database URL (default: DATABASE_URL or sqlite:///./data/jtutor.db)"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=DB_HELP)


def open_database(args: argparse.Namespace) -> Any:
    """The database of ``--db`` (else the settings'), migrated to the latest revision."""
    from app.settings import Settings
    from app.store import Database
    from app.store.migrate import upgrade

    url = args.db or Settings().database_url
    upgrade(url)
    return Database(url)


@contextmanager
def migrated_database(args: argparse.Namespace) -> Iterator[Any]:
    """:func:`open_database`, disposed of when the block ends."""
    database = open_database(args)
    try:
        yield database
    finally:
        database.dispose()
