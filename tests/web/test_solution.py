"""The worked solution: its API, the page after the last hint, and the record of opening it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.bank import default_bank


@pytest.fixture(scope="module")
def real_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from app.settings import Settings
    from app.store.migrate import upgrade
    from app.web.main import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('solution') / 'bank.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, check_on_start=False), bank=default_bank())
    with TestClient(app) as client:
        yield client
    app.state.tutor.database.dispose()


def _views(client: TestClient, exercise_id: str) -> int:
    from app.store.solutions import solution_views

    database = client.app.state.tutor.database  # type: ignore[attr-defined]
    with database.read() as session:
        return solution_views(session, exercise_id=exercise_id).get(exercise_id, 0)


def test_solution_api_is_the_derivation_of_the_variant(real_client: TestClient) -> None:
    before = _views(real_client, "u02-quadratic-gradient")
    data = real_client.get("/api/v1/exercises/u02-quadratic-gradient/solution?seed=5").json()
    assert data["steps"] and all({"title", "latex", "verified"} <= set(s) for s in data["steps"])
    assert data["result"]["expression"]
    assert data["seed"] == 5 and data["diverged_step"] is None
    assert _views(real_client, "u02-quadratic-gradient") == before + 1
    # the result is graded correct for this very variant
    graded = real_client.post(
        "/api/v1/exercises/u02-quadratic-gradient/attempts",
        json={"answer": data["result"]["expression"], "seed": 5},
    ).json()
    assert graded["verdict"] == "correct"


def test_wrong_answer_names_the_step_where_it_left_the_path(real_client: TestClient) -> None:
    graded = real_client.post(
        "/api/v1/exercises/u02-quadratic-gradient/attempts", json={"answer": "2 A x", "seed": 8}
    ).json()
    assert graded["misconception"]["id"] == "assumed_symmetric"
    step = graded["misconception"]["step"]
    assert isinstance(step, int)
    data = real_client.get("/api/v1/exercises/u02-quadratic-gradient/solution?seed=8").json()
    assert data["diverged_step"] == step
    assert data["answer"] == "2 A x"
    page = real_client.get("/exercises/u02-quadratic-gradient/solution?seed=8")
    assert page.status_code == 200
    assert 'id="diverged-step"' in page.text
    assert page.text.count("solution-step diverged") == 1
    # another variant has no wrong answer: nothing highlighted
    other = real_client.get("/exercises/u02-quadratic-gradient/solution?seed=9")
    assert "solution-step diverged" not in other.text


def test_solution_link_comes_after_the_last_hint(real_client: TestClient) -> None:
    exercise = next(e for e in default_bank().exercises if e.id == "u02-quadratic-gradient")
    last = len(exercise.hints)
    before = real_client.get(f"/exercises/{exercise.id}?seed=3&hints={last - 1}")
    assert 'id="open-solution"' not in before.text
    after = real_client.get(f"/exercises/{exercise.id}?seed=3&hints={last}")
    assert 'id="open-solution"' in after.text
    assert f"/exercises/{exercise.id}/solution?seed=3" in after.text


def test_solution_needs_a_valid_seed_and_exercise(real_client: TestClient) -> None:
    assert real_client.get("/api/v1/exercises/u02-quadratic-gradient/solution").status_code == 422
    assert (
        real_client.get("/api/v1/exercises/u02-quadratic-gradient/solution?seed=-1").status_code
        == 422
    )
    assert real_client.get("/api/v1/exercises/nope/solution?seed=1").status_code == 404


def test_misconception_shown_in_the_feedback(real_client: TestClient) -> None:
    page = real_client.get("/exercises/u02-quadratic-gradient?seed=2")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = real_client.post(
        "/exercises/u02-quadratic-gradient/submit",
        data={"answer": "2 A x", "seed": "2", "csrf_token": token.group(1)},
    )
    assert response.status_code == 200
    assert 'class="misconception"' in response.text and "symmetric" in response.text


def test_the_learners_attempts_list_the_solutions_they_opened(real_client: TestClient) -> None:
    exercise = "u07-sum-of-squares"
    learner = TestClient(real_client.app)
    learner.post(f"/api/v1/exercises/{exercise}/attempts", json={"answer": "x^T", "seed": 2})
    assert learner.get(f"/api/v1/attempts?exercise_id={exercise}").json()["solution_views"] == []
    assert learner.get(f"/api/v1/exercises/{exercise}/solution?seed=2").status_code == 200
    data = learner.get(f"/api/v1/attempts?exercise_id={exercise}").json()
    assert [a["answer"] for a in data["attempts"]] == ["x^T"]
    (view,) = data["solution_views"]
    assert view["exercise_id"] == exercise and view["seed"] == 2
    assert isinstance(view["diverged_step"], int)  # x^T: the power rule, at its step
    assert view["created_at"].endswith("+00:00")
    # another exercise's filter, and another learner, see none of it
    assert learner.get("/api/v1/attempts?exercise_id=u03-core-wx").json()["solution_views"] == []
    assert TestClient(real_client.app).get("/api/v1/attempts").json()["solution_views"] == []
