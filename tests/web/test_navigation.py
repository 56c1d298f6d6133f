"""Finding one's way: the /exercises index, the next exercise, the attempt count, the API page."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.bank import default_bank
from app.bank.curriculum import LESSONS
from tests.web.test_attempts import submit

HTMX = {"HX-Request": "true"}


def test_the_exercise_index_lists_the_bank_by_lesson_with_status(client: TestClient) -> None:
    submit(client, "wx-jacobian", data={"answer": "W", "seed": "3"}, headers=HTMX)
    page = client.get("/exercises")
    assert page.status_code == 200
    for lesson in LESSONS:
        assert f'id="lesson-{lesson.slug}"' in page.text
    section = page.text.split('id="lesson-y-equals-wx"')[1].split("</section>")[0]
    assert 'href="/exercises/wx-jacobian"' in section and 'href="/exercises/xw-numeric"' in section
    solved = section.split('href="/exercises/wx-jacobian"')[1].split("</li>")[0]
    assert "solved" in solved and "on attempt 1" in solved
    assert "new" in section.split('href="/exercises/xw-numeric"')[1].split("</li>")[0]


def test_the_index_lists_every_shipped_exercise_once(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(bank=default_bank())
    text = client.get("/exercises").text
    ids = re.findall(r'href="/exercises/([\w-]+)"', text)
    assert sorted(ids) == sorted(e.id for e in default_bank().exercises)
    assert len(ids) == len(set(ids))


def test_each_lesson_lists_its_exercises_once(make_client: Callable[..., TestClient]) -> None:
    client = make_client(bank=default_bank())
    for lesson in LESSONS:
        text = client.get(f"/lessons/{lesson.slug}").text
        ids = re.findall(r'href="/exercises/([\w-]+)"', text)
        assert len(ids) == len(set(ids)), (lesson.slug, ids)


def test_a_correct_answer_links_to_the_next_exercise(client: TestClient) -> None:
    wrong = submit(client, "wx-jacobian", data={"answer": "W^T", "seed": "3"}, headers=HTMX)
    assert 'id="next-exercise"' not in wrong.text
    right = submit(client, "wx-jacobian", data={"answer": "W", "seed": "3"}, headers=HTMX)
    assert re.search(r'id="next-exercise" href="/exercises/xw-numeric"', right.text)


def test_the_attempt_counter_stops_at_the_first_success(client: TestClient) -> None:
    submit(client, "wx-jacobian", data={"answer": "W", "seed": "3"}, headers=HTMX)
    later = submit(client, "wx-jacobian", data={"answer": "W^T", "seed": "3"}, headers=HTMX)
    again = submit(client, "wx-jacobian", data={"answer": "W", "seed": "3"}, headers=HTMX)
    for response in (later, again, client.get("/exercises/wx-jacobian")):
        assert "solved</span> on attempt 1" in response.text
        assert "after 3 attempts" not in response.text


def test_the_menus_api_link_opens_a_page_for_developers(client: TestClient) -> None:
    home = client.get("/").text
    nav = home.split('aria-label="Main"')[1].split("</nav>")[0]
    assert 'href="/developers">API</a>' in nav and 'href="/docs"' not in nav
    assert 'href="/exercises"' in nav
    page = client.get("/developers")
    assert page.status_code == 200
    assert "/api/v1/grade" in page.text and 'href="/docs"' in page.text


def test_the_exercise_page_offers_the_vendored_visual_editor(client: TestClient) -> None:
    page = client.get("/exercises/wx-jacobian?seed=3").text
    assert 'data-mathlive="/static/vendor/mathlive/mathlive.min.js"' in page
    assert 'id="visual-toggle"' in page and "/static/js/visual-input.js" in page
    script = client.get("/static/vendor/mathlive/mathlive.min.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert "mathlive 0.111.1" in client.get("/static/vendor/VERSIONS").text
