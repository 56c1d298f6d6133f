"""The factory: optional routers, production secret refusal, settings documented."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.settings import DEFAULT_SECRET, Settings
from app.web import main


def test_optional_routers_are_included_when_present(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    module = types.ModuleType("app.web.routes.fake_optional")
    module.router = APIRouter()  # type: ignore[attr-defined]

    @module.router.get("/fake-optional")  # type: ignore[attr-defined]
    def fake() -> dict[str, bool]:
        return {"ok": True}

    monkeypatch.setitem(sys.modules, "app.web.routes.fake_optional", module)
    monkeypatch.setattr(
        main, "OPTIONAL_ROUTERS", ("app.web.routes.fake_optional", "app.web.routes.missing_one")
    )
    app = main.create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    assert TestClient(app).get("/fake-optional").json() == {"ok": True}


def test_a_broken_optional_router_is_not_hidden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(main, "OPTIONAL_ROUTERS", ("app.web.routes.broken_optional",))
    broken = tmp_path / "broken_optional.py"
    broken.write_text("import a_module_that_does_not_exist\n")
    import app.web.routes as routes_package

    monkeypatch.setattr(routes_package, "__path__", [*routes_package.__path__, str(tmp_path)])
    with pytest.raises(ModuleNotFoundError, match="a_module_that_does_not_exist"):
        main.create_app(Settings(database_url=f"sqlite:///{tmp_path / 'y.db'}"))


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
