"""/practice and its API: the next item follows the learner's diagnosed mistakes."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.practice import SKILL_IDS
from app.practice.tracing import DEFAULT
from tests.web.conftest import StubBank, StubExercise


def _bank() -> StubBank:
    def exercise(id: str, lesson: str, skills: tuple[str, ...], **kw: object) -> StubExercise:
        return StubExercise(
            id=id,
            title=id,
            lesson=lesson,
            prompt="Give the Jacobian.",
            variables={"W": "3x4", "x": "4"},
            function="W x",
            wrt=["x"],
            expected_shape=[3, 4],
            skills=skills,
            **kw,  # type: ignore[arg-type]
        )

    return StubBank(
        [
            exercise("first", "partial-derivatives", ("partials", "shapes")),
            exercise("wx", "y-equals-wx", ("layout", "shapes")),
            exercise("wx-again", "y-equals-wx", ("layout", "shapes")),
            exercise("chain", "chain-rules", ("chain_rule", "layout")),
        ]
    )


def _attempt(client: TestClient, exercise_id: str, answer: str, seed: int = 3) -> str:
    response = client.post(
        f"/api/v1/exercises/{exercise_id}/attempts", json={"answer": answer, "seed": seed}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["diagnosis"] or response.json()["verdict"])


def test_a_new_learner_gets_an_item(make_client: Callable[..., TestClient]) -> None:
    client = make_client(bank=_bank())
    item = client.get("/api/v1/practice/next").json()
    assert set(item) == {"exercise_id", "seed", "skill", "reason"}
    assert item["exercise_id"] == "first" and item["skill"] == "partials"
    assert isinstance(item["seed"], int) and item["reason"]
    assert client.get("/api/v1/practice/next").json() == item  # stable until answered
    skills = client.get("/api/v1/practice/skills").json()
    assert set(skills) == set(SKILL_IDS)
    assert skills["layout"] == {"mastery": DEFAULT.prior, "attempts": 0, "due": None}


def test_three_transposes_bring_layout_and_right_answers_raise_it(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(bank=_bank())
    for _ in range(3):
        assert _attempt(client, "wx", "W^T") == "transposed"
    item = client.get("/api/v1/practice/next").json()
    assert item["skill"] == "layout"
    assert "transpose three times" in item["reason"]
    skills = client.get("/api/v1/practice/skills").json()
    low = skills["layout"]["mastery"]
    assert low < DEFAULT.prior and skills["layout"]["attempts"] == 3
    assert skills["shapes"]["attempts"] == 0  # the mistake says nothing about shapes
    masteries = [low]
    assert _attempt(client, item["exercise_id"], "W", item["seed"]) == "correct"
    masteries.append(client.get("/api/v1/practice/skills").json()["layout"]["mastery"])
    for seed in (5, 6):
        assert _attempt(client, "wx", "W", seed) == "correct"
        masteries.append(client.get("/api/v1/practice/skills").json()["layout"]["mastery"])
    assert masteries == sorted(masteries) and masteries[-1] > DEFAULT.mastered
    # layout is mastered now: the next item leaves it for the weakest skill
    assert client.get("/api/v1/practice/next").json()["skill"] == "partials"
    due = client.get("/api/v1/practice/skills").json()["layout"]["due"]
    assert due is not None and due.endswith("+00:00")


def test_the_form_route_updates_the_model_too(make_client: Callable[..., TestClient]) -> None:
    client = make_client(bank=_bank())
    page = client.get("/practice")
    assert page.status_code == 200
    assert 'id="practice-reason"' in page.text and "Partial derivatives" in page.text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None and 'name="practice" value="1"' in page.text
    response = client.post(
        "/exercises/wx/submit",
        data={"answer": "W^T", "seed": "3", "csrf_token": token.group(1), "practice": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="skills"' in response.text and 'hx-swap-oob="true"' in response.text
    skills = client.get("/api/v1/practice/skills").json()
    assert skills["layout"]["attempts"] == 1 and skills["layout"]["mastery"] < DEFAULT.prior
    page = client.get("/practice").text
    assert "You gave the transpose once: a few layout drills." in page
    assert 'aria-label="Layouts: 19 % mastery"' in page


def test_home_lessons_and_the_nav_offer_practice(make_client: Callable[..., TestClient]) -> None:
    client = make_client(bank=_bank())
    for path in ("/", "/lessons/y-equals-wx", "/lessons/matrix-scalar"):
        assert 'href="/practice"' in client.get(path).text, path


def test_an_empty_bank_has_nothing_to_practise(make_client: Callable[..., TestClient]) -> None:
    client = make_client(bank=StubBank([]))
    assert client.get("/api/v1/practice/next").status_code == 404
    assert client.get("/practice").status_code == 200


def test_without_javascript_the_answer_page_has_the_bars_once_and_a_next_link(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(bank=_bank())
    page = client.get("/practice").text
    assert "Next practice item" not in page  # only once answered
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert token is not None
    response = client.post(
        "/exercises/wx/submit",
        data={"answer": "W", "seed": "3", "csrf_token": token.group(1), "practice": "1"},
    )
    assert response.text.count('id="skills"') == 1
    assert 'href="/practice">Next practice item' in response.text


def test_a_misconception_named_by_the_grader_steers_practice(
    make_client: Callable[..., TestClient],
) -> None:
    from app.bank.loader import default_bank

    client = make_client(bank=default_bank())
    response = client.post(
        "/api/v1/exercises/u09-core-neuron/attempts", json={"answer": "x^T", "seed": 3}
    ).json()
    assert response["misconception"]["id"] == "missing_activation_derivative"
    skills = client.get("/api/v1/practice/skills").json()
    assert skills["activation_derivative"]["attempts"] == 1
    assert skills["chain_rule"]["attempts"] == 0  # the exercise's other skill is untouched
    item = client.get("/api/v1/practice/next").json()
    assert item["skill"] == "activation_derivative"
    assert item["reason"].startswith("You left out the activation's derivative once")
