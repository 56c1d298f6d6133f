"""The self-check at start: the same check as ``jtutor check``, over the app's catalogue,
graded in the app's workers; a failing exercise is reported and the site stays up."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.bank import Bank, load_exercise_text
from app.settings import Settings
from app.store.migrate import upgrade
from app.web.main import create_app
from tests.bank.test_loader import GOOD


def _bank() -> Bank:
    good = load_exercise_text(GOOD, "good.yaml")
    bad = load_exercise_text(
        GOOD.replace("id: t-wx", "id: t-bad").replace("reference: W\n", "reference: W^T\n"),
        "bad.yaml",
    )
    return Bank([good, bad])


def _app(tmp_path: Path, check_on_start: bool) -> TestClient:
    url = f"sqlite:///{tmp_path / 'start.db'}"
    upgrade(url)
    settings = Settings(database_url=url, check_on_start=check_on_start)
    return TestClient(create_app(settings, bank=_bank()))


def test_the_start_up_check_reports_an_exercise_learners_cannot_answer(tmp_path: Path) -> None:
    with _app(tmp_path, check_on_start=True) as client:
        state = client.app.state.tutor.startup_check  # type: ignore[attr-defined]
        assert state.done.wait(120)
        assert state.checked == 2
        assert len(state.failures) == 1
        assert state.failures[0].startswith("bad.yaml: reference: 'W^T'")
        assert client.get("/exercises/t-bad").status_code == 200  # still served
        client.app.state.tutor.database.dispose()  # type: ignore[attr-defined]


def test_the_start_up_check_can_be_turned_off(tmp_path: Path) -> None:
    with _app(tmp_path, check_on_start=False) as client:
        state = client.app.state.tutor.startup_check  # type: ignore[attr-defined]
        assert not state.done.wait(0.5) and state.checked == 0
        client.app.state.tutor.database.dispose()  # type: ignore[attr-defined]
