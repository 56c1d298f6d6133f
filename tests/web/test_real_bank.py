"""The shipped exercise bank through the web app: every exercise page renders, its
reference answer is read with the expected shape and graded correct through the learners'
attempts API on several seeds, and the core y = Wx exercise is graded."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.bank import default_bank

EXERCISES = default_bank().exercises


@pytest.fixture(scope="module")
def real_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from app.settings import Settings
    from app.store.migrate import upgrade
    from app.web.main import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('bank') / 'bank.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, check_on_start=False))
    with TestClient(app) as client:
        yield client
    app.state.tutor.database.dispose()


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_every_exercise_page_renders_and_reads_its_reference(
    real_client: TestClient, exercise: Any
) -> None:
    page = real_client.get(f"/exercises/{exercise.id}?seed=4")
    assert page.status_code == 200
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', page.text), (
        "a link leaves the host"
    )
    for name, size in exercise.variant(4)["sizes"].items():
        assert f'data-latex="{name} = {size}"' in page.text
    assert exercise.title.split("$")[0].strip()[:10].replace("&", "&amp;") in page.text
    if exercise.answer_form == "numeric":
        assert "cell-1-1" in page.text
        return
    preview = real_client.post(
        f"/exercises/{exercise.id}/preview",
        data={"answer": exercise.reference, "seed": "4"},
        headers={"HX-Request": "true"},
    )
    assert preview.status_code == 200
    assert "read your answer as" in preview.text, preview.text
    expected = "×".join(str(n) for n in exercise.variant(4)["expected_shape"])
    if exercise.answer_form in ("expression", "index"):
        assert expected in preview.text


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_every_reference_is_correct_through_the_learner_route(
    real_client: TestClient, exercise: Any
) -> None:
    """What ``jtutor check`` promises, asked the way a learner asks: the reference answer,
    sent to the attempts API on several variants, is graded correct."""
    learner = TestClient(real_client.app)  # a learner of its own, not the other tests'
    for seed in (1, 2, 3):
        response = learner.post(
            f"/api/v1/exercises/{exercise.id}/attempts",
            json={"answer": exercise.reference, "seed": seed},
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["verdict"] == "correct", (seed, result["message"])


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", html.unescape(text))


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_no_page_hands_out_its_own_answer_as_an_example(
    real_client: TestClient, exercise: Any
) -> None:
    page = real_client.get(f"/exercises/{exercise.id}?seed=1").text
    placeholder = re.search(r'placeholder="([^"]*)"', page)
    help_text = re.search(r'<p class="small muted" id="index-help">(.*?)</p>', page, re.S)
    shown = [placeholder.group(1) if placeholder else ""]
    shown += re.findall(r"<code>(.*?)</code>", help_text.group(1)) if help_text else []
    assert _plain(exercise.reference) not in {_plain(s) for s in shown}
    for example in re.split(r",| and ", placeholder.group(1) if placeholder else ""):
        assert _plain(example.strip().removeprefix("e.g.")) != _plain(exercise.reference)
    if exercise.answer_form == "index":
        assert len(_plain(exercise.reference)) > 6
        assert _plain(exercise.reference) not in _plain(page)
        assert placeholder and "W^T" not in placeholder.group(1)
        names = ", ".join(exercise.data.indices)
        assert placeholder.group(1).startswith(f"a formula in {names}")


def test_every_lesson_lists_its_shipped_exercises(real_client: TestClient) -> None:
    for exercise in EXERCISES:
        page = real_client.get(f"/lessons/{exercise.lesson}")
        assert f'href="/exercises/{exercise.id}"' in page.text


def test_the_core_exercise_is_graded_through_the_api(
    real_client: TestClient, make_client: Callable[..., TestClient]
) -> None:
    wrong = real_client.post(
        "/api/v1/exercises/u03-core-wx/attempts", json={"answer": "W^T", "seed": 3}
    ).json()
    right = real_client.post(
        "/api/v1/exercises/u03-core-wx/attempts", json={"answer": "W", "seed": 3}
    ).json()
    assert (wrong["verdict"], wrong["diagnosis"]) == ("incorrect", "transposed")
    assert right["verdict"] == "correct"
    mine = real_client.get("/api/v1/attempts?exercise_id=u03-core-wx").json()["attempts"]
    assert [a["attempt_id"] if "attempt_id" in a else a["id"] for a in mine] == [
        right["attempt_id"],
        wrong["attempt_id"],
    ]
