"""The factory: one tutor from the settings, only routers in routes/, production secret
refusal, settings documented."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from pydantic import ValidationError

import app.web.routes as routes_package
from app.settings import DEFAULT_SECRET, Settings, is_loopback
from app.web import main
from app.web.tutor import Tutor


def test_the_tutor_is_built_once_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("JTUTOR_GRADING_WORKERS", "JTUTOR_GRADING_TIMEOUT", "JTUTOR_GRADING_MEMORY_MB"):
        monkeypatch.delenv(name, raising=False)
    before = dict(os.environ)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        grading_workers=1,
        grading_timeout=3.5,
        grading_memory_mb=300,
    )
    app = main.create_app(settings)
    tutor = app.state.tutor
    assert isinstance(tutor, Tutor) and tutor.settings is settings
    pool = tutor.pool
    try:
        assert (pool.size, pool.timeout, pool.memory_mb) == (1, 3.5, 300)
        assert tutor.pool is pool  # one pool per set of limits, not one per request
    finally:
        pool.close()
    assert dict(os.environ) == before  # the limits reach the pool as arguments
    tutor.database.dispose()


def _included(routes: list[Any]) -> Iterator[Any]:
    """Every router included in the app, directly or inside another router."""
    for route in routes:
        router = getattr(route, "original_router", None)
        if router is not None:
            yield router
            yield from _included(router.routes)


def test_routes_hold_only_routers_and_every_router_is_served(tmp_path: Path) -> None:
    app = main.create_app(Settings(database_url=f"sqlite:///{tmp_path / 'y.db'}"))
    served = {id(router) for router in _included(app.routes)}
    for info in pkgutil.iter_modules(routes_package.__path__):
        module = importlib.import_module(f"app.web.routes.{info.name}")
        assert isinstance(getattr(module, "router", None), APIRouter), info.name
        assert id(module.router) in served, info.name
    app.state.tutor.database.dispose()


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(production=True, secret_key=DEFAULT_SECRET)
    assert Settings(production=True, secret_key="a" * 40).production is True


@pytest.mark.parametrize("secret", ["", "short", "x" * 15])
def test_production_refuses_an_empty_or_short_secret(secret: str) -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        Settings(production=True, secret_key=secret)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("JTUTOR_HTTPS", "true")
    monkeypatch.setenv("JTUTOR_MAX_BODY_BYTES", "5000")
    settings = Settings()
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.https is True
    assert settings.max_body_bytes == 5000


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    match = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert match, "README.md needs a '## Settings' section"
    section = match.group(1)
    for field, env_name in Settings.env_names().items():
        assert f"`{env_name}`" in section, f"setting {field} ({env_name}) is not documented"
        assert Settings.model_fields[field].description, f"setting {field} has no help text"


def test_serve_refuses_production_with_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from app.cli import main as jtutor

    monkeypatch.setenv("JTUTOR_PRODUCTION", "true")
    monkeypatch.delenv("JTUTOR_SECRET_KEY", raising=False)
    status = jtutor(["serve", "--db", f"sqlite:///{tmp_path / 'p.db'}", "--port", "1"])
    assert status == 2
    assert "JTUTOR_SECRET_KEY" in capsys.readouterr().err
    assert not (tmp_path / "p.db").exists()  # refused before touching the database


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True), ("::1", True),
     ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.0.2.4", False),
     ("tutor.example.org", False), ("", False)],
)  # fmt: skip
def test_the_development_secret_is_only_for_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    refusal = Settings(secret_key=DEFAULT_SECRET).listen_refusal(host)
    assert (refusal is None) is loopback
    assert Settings(secret_key="s" * 32).listen_refusal(host) is None
    assert (Settings(secret_key="short").listen_refusal(host) is None) is loopback


def test_serve_refuses_the_development_secret_off_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main as jtutor

    for name in ("JTUTOR_SECRET_KEY", "JTUTOR_PRODUCTION"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert jtutor(["serve", "--host", "0.0.0.0", "--port", "1", "--db", url]) == 2
    assert "refusing to listen on 0.0.0.0 with the development secret key" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "never.db").exists()  # refused before migrating or listening
    monkeypatch.setenv("JTUTOR_PRODUCTION", "true")
    assert jtutor(["serve", "--host", "127.0.0.1", "--port", "1", "--db", url]) == 2
    assert "JTUTOR_SECRET_KEY" in capsys.readouterr().err  # production: not even loopback
