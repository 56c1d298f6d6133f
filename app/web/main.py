"""``create_app()``: the FastAPI application with its middleware, error handler and routers.

The app holds one :class:`~app.web.tutor.Tutor`, built here from the settings; routes get
it through ``app.web.deps.TutorDep``. When the app starts, the self-check of every
exercise runs in the background (``JTUTOR_CHECK_ON_START``), through the grading workers.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.settings import Settings
from app.store import Database
from app.web import auth_routes
from app.web.catalogue import ExerciseBank
from app.web.client_address import ClientAddressMiddleware, TrustedProxies
from app.web.errors import install_error_handlers
from app.web.exam import exam_guard
from app.web.head import HeadAsGetMiddleware
from app.web.learner import LearnerCookieMiddleware
from app.web.limits import BodySizeLimitMiddleware
from app.web.offload import keep_loop_responsive
from app.web.routes import (
    accounts,
    api_attempts,
    api_exercises,
    api_grade,
    author,
    courses,
    derivations,
    docs,
    exercises,
    explore,
    health,
    lti,
    pages,
    practice,
    solutions,
)
from app.web.security import SecurityHeadersMiddleware
from app.web.tutor import Grader, Tutor, build_tutor


def _lifespan(tutor: Tutor) -> object:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keep_loop_responsive()
        threading.Thread(target=tutor.start_workers, name="jtutor-workers", daemon=True).start()
        if tutor.settings.check_on_start:
            threading.Thread(
                target=tutor.run_startup_check, name="jtutor-self-check", daemon=True
            ).start()
        if tutor.score_sender is not None:
            tutor.score_sender.start_if_pending()  # scores an earlier process left queued
        yield

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    bank: ExerciseBank | None = None,
    grader: Grader | None = None,
) -> FastAPI:
    settings = settings or Settings()
    tutor = build_tutor(settings, database=database, bank=bank, grader=grader)
    app = FastAPI(
        title="jacobian-tutor",
        version=__version__,
        summary="Matrix derivatives, graded against finite differences.",
        docs_url=None,  # served by routes.docs with the vendored Swagger UI
        redoc_url=None,
        lifespan=_lifespan(tutor),  # type: ignore[arg-type]
        dependencies=[Depends(exam_guard)],
    )
    app.state.tutor = tutor

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
    # outermost: every later reader of the client address sees the one a trusted proxy gave
    app.add_middleware(
        ClientAddressMiddleware, trusted=TrustedProxies(settings.trusted_proxy_networks)
    )

    app.mount("/static", StaticFiles(directory=settings.home / "static"), name="static")
    for module in (
        pages,
        practice,
        exercises,
        api_grade,
        api_exercises,
        api_attempts,
        health,
        docs,
        derivations,
        explore,
        solutions,
        lti,
        accounts,
        courses,
        author,
        auth_routes,
    ):
        app.include_router(module.router)
    return app
