"""Lesson pages served from a frame rendered once (``app.web.page_frames``): the same bytes
as the whole template rendered for the same learner, fresh after any edit, and nothing of
one learner in another's page."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.bank.curriculum import LESSONS, lesson
from app.settings import Settings
from app.store.authored import create_authored, update_authored
from app.store.migrate import upgrade
from app.web.learner import serializer_for
from app.web.main import create_app
from app.web.progress import exercise_progress
from app.web.routes.pages import lesson_parts
from app.web.tutor import Tutor

ROOT = Path(__file__).resolve().parents[2]
SLUGS = [item.slug for item in LESSONS]


def app_at(home: Path, database: Path, **overrides: Any) -> FastAPI:
    url = f"sqlite:///{database}"
    upgrade(url)
    return create_app(Settings(database_url=url, home=home, check_on_start=False, **overrides))


def tutor_of(client: TestClient) -> Tutor:
    tutor: Tutor = client.app.state.tutor  # type: ignore[attr-defined]
    return tutor


def learner_id(client: TestClient) -> str:
    """The id in the client's learner cookie (issued on its first request)."""
    tutor = tutor_of(client)
    if tutor.settings.cookie_name not in client.cookies:
        client.get("/healthz")
    value: str = serializer_for(tutor.settings.secret_key).loads(
        client.cookies[tutor.settings.cookie_name]
    )
    return value


def answer(client: TestClient, exercise_id: str, *verdicts: str) -> None:
    for verdict in verdicts:
        tutor_of(client).record_attempt(
            learner_id=learner_id(client),
            exercise_id=exercise_id,
            answer="W",
            seed=1,
            result={"verdict": verdict},
        )


def whole_page(client: TestClient, slug: str, progress_of: str | None) -> str:
    """``lesson.html`` rendered in one piece, without the frame, for a learner's progress."""
    tutor = tutor_of(client)
    found = lesson(slug)
    assert found is not None
    progress = exercise_progress(tutor.database, progress_of) if progress_of else {}
    shared, learner_part = lesson_parts(tutor, found, progress=progress)
    request = Request({"type": "http", "app": client.app, "headers": [], "path": "/"})
    page: str = tutor.templates.get_template("lesson.html").render(
        {**shared, **learner_part, "request": request}
    )
    return page


@pytest.fixture(scope="module", params=[False, True], ids=["open", "exam"])
def shipped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An app with the shipped lessons and bank, a learner with progress, a new visitor."""
    app = app_at(ROOT, tmp_path_factory.mktemp("pages") / "p.db", exam_mode=request.param)
    with TestClient(app) as learner:
        exercises = tutor_of(learner).catalogue.exercises()
        assert len(exercises) > 12
        for number, exercise in enumerate(exercises[::2]):
            verdicts = ["incorrect"] * (number % 3) + ["correct"] * (number % 2)
            answer(learner, exercise.id, *(verdicts or ["incorrect"]))
        yield learner
    tutor_of(learner).database.dispose()


@pytest.mark.parametrize("slug", SLUGS)
def test_a_lesson_from_its_frame_is_the_whole_page_for_each_learner(
    shipped: TestClient, slug: str
) -> None:
    visitor = TestClient(shipped.app)
    for _ in range(2):  # the first request renders the frame, the second reuses it
        mine = shipped.get(f"/lessons/{slug}")
        theirs = visitor.get(f"/lessons/{slug}")
        assert mine.status_code == theirs.status_code == 200
        assert mine.text == whole_page(shipped, slug, learner_id(shipped))
        assert theirs.text == whole_page(shipped, slug, None)
        assert mine.headers["content-type"] == "text/html; charset=utf-8"
        assert mine.headers["vary"] == "HX-Request"
        assert mine.headers["content-length"] == str(len(mine.content))
    assert "<math" in mine.text  # the lesson's formulas, as MathML


def test_the_learners_block_shows_their_progress_and_only_theirs(
    shipped: TestClient,
) -> None:
    mine = shipped.get("/lessons/y-equals-wx").text
    solved = mine.count('class="badge ok">solved')
    started = mine.count('class="badge">started')
    assert solved + started > 0
    visitor = TestClient(shipped.app)
    assert visitor.get("/lessons/y-equals-wx").text.count('class="badge') == 0
    another = TestClient(shipped.app)
    learner_id(another)
    theirs = another.get("/lessons/y-equals-wx").text
    assert theirs.count('class="badge') == 0
    assert shipped.get("/lessons/y-equals-wx").text == mine


@pytest.fixture
def editable(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    """An app whose templates are a copy the test may edit (static and exercises shared)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ROOT / "templates", home / "templates")
    (home / "static").symlink_to(ROOT / "static")
    (home / "exercises").symlink_to(ROOT / "exercises")
    app = app_at(home, tmp_path / "e.db")
    with TestClient(app) as client:
        yield client, home / "templates"
    tutor_of(client).database.dispose()


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` with a modification time Jinja cannot mistake for the old one."""
    before = path.stat().st_mtime if path.exists() else 0.0
    path.write_text(text)
    os.utime(path, (before + 10, before + 10))


def test_an_edited_lesson_text_or_layout_shows_at_once(
    editable: tuple[TestClient, Path],
) -> None:
    client, templates = editable
    lesson_file = templates / "lessons" / "y-equals-wx.html"
    assert "building block" in client.get("/lessons/y-equals-wx").text
    rewrite(lesson_file, lesson_file.read_text().replace("building block", "corner stone"))
    page = client.get("/lessons/y-equals-wx").text
    assert "corner stone" in page and "building block" not in page
    base = templates / "base.html"
    rewrite(base, base.read_text().replace("Skip to the content", "Skip to the lesson"))
    assert "Skip to the lesson" in client.get("/lessons/y-equals-wx").text


def test_a_lesson_written_where_there_was_a_draft_shows_at_once(
    editable: tuple[TestClient, Path],
) -> None:
    client, templates = editable
    lesson_file = templates / "lessons" / "layouts.html"
    text = lesson_file.read_text()
    lesson_file.unlink()
    assert "being written" in client.get("/lessons/layouts").text  # _lesson_draft.html
    rewrite(lesson_file, text)
    page = client.get("/lessons/layouts").text
    assert "being written" not in page
    assert page == whole_page(client, "layouts", None)


def test_an_instructors_exercise_shows_in_its_lesson_at_once(
    editable: tuple[TestClient, Path],
) -> None:
    client, _ = editable
    source = (ROOT / "exercises" / "u03-core-wx.yaml").read_text()
    text = source.replace("id: u03-core-wx", "id: t-own-wx")
    assert text != source
    assert "t-own-wx" not in client.get("/lessons/y-equals-wx").text
    with tutor_of(client).database.write() as session:
        create_authored(session, exercise_id="t-own-wx", yaml_text=text, author_email="a@b.c")
    assert 'href="/exercises/t-own-wx">The Jacobian' in client.get("/lessons/y-equals-wx").text
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    edited = text.replace(title, "title: Renamed by the instructor")
    with tutor_of(client).database.write() as session:
        update_authored(session, exercise_id="t-own-wx", yaml_text=edited, author_email="a@b.c")
    page = client.get("/lessons/y-equals-wx").text
    assert 'href="/exercises/t-own-wx">Renamed by the instructor' in page
    assert page == whole_page(client, "y-equals-wx", None)


class NoDatabase:
    def read(self) -> Any:
        raise AssertionError("the database was asked")


def test_a_learner_whose_id_this_request_drew_has_no_progress_to_read() -> None:
    assert exercise_progress(NoDatabase(), "f" * 32, new_learner=True) == {}  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="was asked"):
        exercise_progress(NoDatabase(), "f" * 32)  # type: ignore[arg-type]
