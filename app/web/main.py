"""``create_app()``: the FastAPI application with its middleware, error handler and routers.

The optional routers (derivations, instructor authoring, sign-in) are included when their
modules exist, so each can land on its own; only a missing module is skipped, never an
import error inside one.
"""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.settings import Settings
from app.store import Database
from app.web.errors import install_error_handlers
from app.web.head import HeadAsGetMiddleware
from app.web.learner import LearnerCookieMiddleware
from app.web.limits import BodySizeLimitMiddleware
from app.web.rendering import make_templates
from app.web.routes import (
    api_attempts,
    api_exercises,
    api_grade,
    docs,
    exercises,
    health,
    pages,
)
from app.web.security import SecurityHeadersMiddleware
from app.web.services import Grader, Services

OPTIONAL_ROUTERS = ("app.web.routes.derivations", "app.web.routes.author", "app.web.auth_routes")


def _include_optional(app: FastAPI) -> None:
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.include_router(module.router)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    bank: Any | None = None,
    grader: Grader | None = None,
) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="jacobian-tutor",
        version=__version__,
        summary="Matrix derivatives, graded against finite differences.",
        docs_url=None,  # served by routes.docs with the vendored Swagger UI
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database or Database(settings.database_url)
    app.state.services = Services(settings, bank=bank, grader=grader)
    app.state.templates = make_templates(settings.home / "templates")

    install_error_handlers(app)
    app.add_middleware(
        LearnerCookieMiddleware,
        secret_key=settings.secret_key,
        cookie_name=settings.cookie_name,
        max_age=settings.cookie_max_age_days * 86_400,
        secure=settings.https,
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HeadAsGetMiddleware)

    app.mount("/static", StaticFiles(directory=settings.home / "static"), name="static")
    for module in (pages, exercises, api_grade, api_exercises, api_attempts, health, docs):
        app.include_router(module.router)
    _include_optional(app)
    return app
