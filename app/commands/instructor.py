"""``jtutor instructor add|list|remove|password|unlock``: the accounts that may author
exercises, a new password for one, and lifting the sign-in delays on one.

A password is read from standard input (``--password-stdin``) or, for ``password`` at a
terminal, typed twice at a prompt; never from the command line, where it would land in
the shell history and the process list. It is hashed with argon2 before it reaches the
database and never printed. The database is
migrated first, so this works on a fresh install before the first ``jtutor serve``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.commands.database_args import add_db_argument, open_database

MIN_PASSWORD_CHARS = 8


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "instructor",
        help="manage instructor accounts",
        description="Add, list or remove the instructor accounts that sign in at /login.",
    )
    add_db_argument(parser)
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
    password = actions.add_parser(
        "password",
        help="set a new password (signs the account out everywhere)",
        description="Set a new password for an account: typed twice at a prompt, or the "
        "first line of standard input with --password-stdin. Every session of the account "
        "ends and its sign-in delays are lifted.",
    )
    password.add_argument("email", metavar="EMAIL")
    password.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (the first line) instead of a prompt",
    )
    password.set_defaults(func=run_password)
    unlock = actions.add_parser(
        "unlock",
        help="lift the sign-in delays on an account",
        description="Forget every client's failed sign-ins for this e-mail address, so "
        "nobody has to wait before signing in as it.",
    )
    unlock.add_argument("email", metavar="EMAIL")
    unlock.set_defaults(func=run_unlock)


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
    password = _read_password(from_stdin=True)
    if password is None:
        return 2
    database = open_database(args)
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


def _read_password(*, from_stdin: bool) -> str | None:
    """The new password, or None after saying on stderr why it is refused."""
    from app.web.auth import MAX_PASSWORD_CHARS

    where = "read from stdin"
    if from_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        where = "typed"
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            print("jtutor instructor: the two passwords differ", file=sys.stderr)
            return None
    if len(password) < MIN_PASSWORD_CHARS:
        print(
            f"jtutor instructor: the password ({where}) needs at least "
            f"{MIN_PASSWORD_CHARS} characters",
            file=sys.stderr,
        )
        return None
    if len(password) > MAX_PASSWORD_CHARS:
        print(
            f"jtutor instructor: the password ({where}) is longer than "
            f"{MAX_PASSWORD_CHARS} characters",
            file=sys.stderr,
        )
        return None
    return password


def run_password(args: argparse.Namespace) -> int:
    from app.store.instructors import (
        clear_login_failures_for_email,
        end_sessions_of,
        find_instructor,
        normalise_email,
        set_password_hash,
    )
    from app.web.auth import hash_password

    email = normalise_email(args.email)
    database = open_database(args)
    try:
        with database.read() as session:
            known = find_instructor(session, email=email) is not None
        if not known:
            print(f"jtutor instructor: there is no instructor {email}", file=sys.stderr)
            return 1
        password = _read_password(from_stdin=args.password_stdin)
        if password is None:
            return 2
        password_hash = hash_password(password)
        with database.write() as session:
            instructor = find_instructor(session, email=email)
            if instructor is None:
                print(f"jtutor instructor: there is no instructor {email}", file=sys.stderr)
                return 1
            set_password_hash(session, instructor_id=instructor.id, password_hash=password_hash)
            ended = end_sessions_of(session, instructor_id=instructor.id)
            clear_login_failures_for_email(session, email=email)
    finally:
        database.dispose()
    print(f"new password set for {email}; {ended} session(s) ended")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    from app.store.instructors import (
        clear_login_failures_for_email,
        find_instructor,
        normalise_email,
    )

    email = normalise_email(args.email)
    database = open_database(args)
    try:
        with database.write() as session:
            known = find_instructor(session, email=email) is not None
            forgotten = clear_login_failures_for_email(session, email=email)
    finally:
        database.dispose()
    if not known:
        print(f"jtutor instructor: there is no instructor {email}", file=sys.stderr)
        return 1
    print(f"unlocked {email}: {forgotten} failed sign-in(s) forgotten")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.store.instructors import list_instructors

    database = open_database(args)
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

    database = open_database(args)
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
