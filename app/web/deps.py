"""Dependencies of the routes, as ``Annotated`` aliases (one place, one name each)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.settings import Settings
from app.store import Database
from app.web.services import Services


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_learner_id(request: Request) -> str:
    """The calling learner, from the signed cookie (issued by ``LearnerCookieMiddleware``)."""
    learner_id: str = request.state.learner_id
    return learner_id


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ServicesDep = Annotated[Services, Depends(get_services)]
LearnerDep = Annotated[str, Depends(get_learner_id)]
