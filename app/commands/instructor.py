"""``jtutor instructor add|list|remove``: the accounts that may author exercises.

The password is read from standard input only (``--password-stdin``), never from the
command line, where it would land in the shell history and the process list; it is
hashed with argon2 before it reaches the database and never printed. The database is
migrated first, so this works on a fresh install before the first ``jtutor serve``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

MIN_PASSWORD_CHARS = 8


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "instructor",
        help="manage instructor accounts",
        description="Add, list or remove the instructor accounts that sign in at /login.",
    )
    parser.add_argument(
        "--db", help="database URL (default: DATABASE_URL or sqlite:///./data/jtutor.db)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input (the first line)",
    )
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="list the accounts")
    listing.set_defaults(func=run_list)
    remove = actions.add_parser("remove", help="delete an account and its sessions")
    remove.add_argument("email", metavar="EMAIL")
    remove.set_defaults(func=run_remove)


def _database(args: argparse.Namespace) -> Any:
    from app.settings import Settings
    from app.store import Database
    from app.store.migrate import upgrade

    url = args.db or Settings().database_url
    upgrade(url)
    return Database(url)


def _valid_email(email: str) -> bool:
    local, _, domain = email.partition("@")
    return bool(local) and "." in domain and " " not in email and len(email) <= 254


def run_add(args: argparse.Namespace) -> int:
    from app.store.instructors import add_instructor, normalise_email
    from app.web.auth import hash_password

    email = normalise_email(args.email)
    if not _valid_email(email):
        print(f"jtutor instructor: {args.email!r} is not an e-mail address", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_CHARS:
        print(
            f"jtutor instructor: the password (read from stdin) needs at least "
            f"{MIN_PASSWORD_CHARS} characters",
            file=sys.stderr,
        )
        return 2
    database = _database(args)
    try:
        with database.write() as session:
            add_instructor(session, email=email, password_hash=hash_password(password))
    except ValueError as exc:
        print(f"jtutor instructor: {exc}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"added instructor {email}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.store.instructors import list_instructors

    database = _database(args)
    try:
        with database.read() as session:
            accounts = [(i.email, i.created_at) for i in list_instructors(session)]
    finally:
        database.dispose()
    for email, created in accounts:
        print(f"{email}\tadded {created:%Y-%m-%d}")
    if not accounts:
        print("no instructor accounts (add one with: jtutor instructor add EMAIL --password-stdin)")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from app.store.instructors import remove_instructor

    database = _database(args)
    try:
        with database.write() as session:
            removed = remove_instructor(session, email=args.email)
    finally:
        database.dispose()
    if not removed:
        print(f"jtutor instructor: there is no instructor {args.email}", file=sys.stderr)
        return 1
    print(f"removed instructor {args.email.strip().lower()}")
    return 0
