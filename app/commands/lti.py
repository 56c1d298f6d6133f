"""``jtutor lti add-platform|list|rotate-key``: LTI 1.3 platform registrations and tool keys.

A platform (Canvas, Moodle, ...) is registered with the values its admin page shows: the
issuer, the client id it gave this tool, one or more deployment ids, and its OIDC
authorisation, token and JWKS URLs. Running ``add-platform`` again for the same issuer and
client id updates the URLs and adds deployment ids. ``rotate-key`` makes a new signing key;
the old one stays in ``/lti/jwks`` for a week so platforms caching the key set keep working.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit

from app.commands.database_args import add_db_argument, migrated_database


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lti",
        help="register LTI 1.3 platforms and rotate the tool's key",
        description="Register LTI 1.3 platforms (LMSs) and manage the tool's signing key.",
    )
    add_db_argument(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add-platform", help="register a platform (or add deployments)")
    add.add_argument("--issuer", required=True, help="the platform's issuer (iss) URL")
    add.add_argument("--client-id", required=True, help="the client id the platform gave the tool")
    add.add_argument(
        "--deployment-id",
        required=True,
        action="append",
        help="a deployment id (repeat for several)",
    )
    add.add_argument("--auth-url", required=True, help="the platform's OIDC authorisation URL")
    add.add_argument("--token-url", required=True, help="the platform's OAuth2 token URL")
    add.add_argument("--jwks-url", required=True, help="the platform's public key set URL")
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="list the registered platforms")
    listing.set_defaults(func=run_list)
    rotate = actions.add_parser("rotate-key", help="make a new signing key")
    rotate.set_defaults(func=run_rotate)


def _url_problem(name: str, url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{name} must be an http(s) URL, not {url!r}"
    return None


def run_add(args: argparse.Namespace) -> int:
    from app.store.lti import add_platform

    for name, url in (
        ("--issuer", args.issuer),
        ("--auth-url", args.auth_url),
        ("--token-url", args.token_url),
        ("--jwks-url", args.jwks_url),
    ):
        problem = _url_problem(name, url)
        if problem:
            print(f"jtutor lti: {problem}", file=sys.stderr)
            return 2
    with migrated_database(args) as database, database.write() as session:
        platform = add_platform(
            session,
            issuer=args.issuer,
            client_id=args.client_id,
            deployment_ids=[d for d in args.deployment_id if d],
            auth_url=args.auth_url,
            token_url=args.token_url,
            jwks_url=args.jwks_url,
        )
        print(f"platform {platform.id}: {platform.issuer} (client id {platform.client_id})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.store.lti import LtiDeployment, list_platforms

    with migrated_database(args) as database, database.read() as session:
        for p in list_platforms(session):
            deployments = session.scalars(
                select(LtiDeployment.deployment_id).where(LtiDeployment.platform_id == p.id)
            )
            print(f"{p.id}\t{p.issuer}\t{p.client_id}\t{','.join(deployments)}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from app.lti.keys import rotate_key

    with migrated_database(args) as database, database.write() as session:
        print(f"new signing key {rotate_key(session).kid}")
    return 0
