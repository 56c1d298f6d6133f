"""``jtutor serve``: apply the database migrations, then serve the web app with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the web app",
        description="Migrate the database, then serve the tutor over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="port to listen on"
    )
    parser.add_argument(
        "--db", help="database URL (default: DATABASE_URL or sqlite:///./data/jtutor.db)"
    )
    parser.add_argument("--log-level", default="info", help="uvicorn log level")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from app.settings import Settings
    from app.store.migrate import upgrade
    from app.web.main import create_app

    overrides: dict[str, Any] = {"database_url": args.db} if args.db else {}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            print(f"jtutor serve: {error['msg']}", file=sys.stderr)
        return 2
    refusal = settings.listen_refusal(args.host)
    if refusal is not None:
        print(f"jtutor serve: {refusal}", file=sys.stderr)
        return 2
    if settings.migrate_on_start:
        upgrade(settings.database_url)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        # X-Forwarded-For is read by the app itself, only from JTUTOR_TRUSTED_PROXIES
        # (app.web.client_address); uvicorn must not rewrite the client address first.
        proxy_headers=False,
    )
    return 0
