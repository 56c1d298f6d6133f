from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.bank.curriculum import LESSONS

DESIGN_CARD_SLUGS = ("y-equals-wx", "y-equals-xw", "dy-dw", "neuron-gradient")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "action", "hx-get", "hx-post"} and value:
                self.urls.append(value)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


def test_home_says_what_the_tutor_is_and_where_to_start(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "matrix derivatives" in response.text.lower()
    assert 'href="/lessons/partial-derivatives"' in response.text
    assert "0 of 2 exercises solved" in response.text


def test_lessons_page_links_all_twelve_lessons(client: TestClient) -> None:
    response = client.get("/lessons")
    assert response.status_code == 200
    slugs = {u.split("/lessons/")[1] for u in links(response.text) if u.startswith("/lessons/")}
    assert slugs == {lesson.slug for lesson in LESSONS}
    assert set(DESIGN_CARD_SLUGS) <= slugs


@pytest.mark.parametrize("slug", [lesson.slug for lesson in LESSONS])
def test_every_lesson_page_exists_and_credits_its_sources(client: TestClient, slug: str) -> None:
    response = client.get(f"/lessons/{slug}")
    assert response.status_code == 200
    lesson = next(item for item in LESSONS if item.slug == slug)
    assert lesson.title in response.text.replace("&amp;", "&")
    author = lesson.sources[0].split(",")[0].split(" and ")[0]
    assert author in response.text


def test_lesson_page_lists_its_exercises(client: TestClient) -> None:
    response = client.get("/lessons/y-equals-wx")
    assert 'href="/exercises/wx-jacobian"' in response.text
    assert 'href="/exercises/xw-numeric"' in response.text


def test_unknown_lesson_is_a_404_page(client: TestClient) -> None:
    response = client.get("/lessons/no-such-lesson")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "no-such-lesson" in response.text


def test_exercise_page_has_prompt_instance_and_answer_box(client: TestClient) -> None:
    response = client.get("/exercises/wx-jacobian?seed=5")
    assert response.status_code == 200
    assert "<strong>numerator</strong>" in response.text  # prompt Markdown rendered
    assert "W \\in \\mathbb{R}^{3 \\times 4}" in response.text  # LaTeX kept for KaTeX
    assert "3×4" in response.text
    assert 'name="answer"' in response.text
    assert 'name="seed" value="5"' in response.text


def test_numeric_exercise_gets_a_grid_of_the_expected_shape(client: TestClient) -> None:
    response = client.get("/exercises/xw-numeric?seed=1")
    cells = re.findall(r'name="cell-(\d+)-(\d+)"', response.text)
    assert len(cells) == 6
    assert ("2", "3") in cells and ("3", "2") not in cells


def test_hints_are_revealed_one_at_a_time(client: TestClient) -> None:
    page = client.get("/exercises/wx-jacobian?seed=1")
    assert "sum_k W_{ik}" not in page.text
    one = client.get("/exercises/wx-jacobian?seed=1&hints=1")
    assert "sum_k W_{ik}" in one.text and "Differentiate one entry" not in one.text
    partial = client.get(
        "/exercises/wx-jacobian/hints?seed=1&shown=2", headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text
    assert "Differentiate one entry" in partial.text
    assert "every hint" in partial.text


def test_unknown_exercise_is_a_404(client: TestClient) -> None:
    assert client.get("/exercises/nope").status_code == 404


def test_pages_load_nothing_from_another_host(client: TestClient) -> None:
    pages = ["/", "/lessons", "/exercises/wx-jacobian?seed=2", "/exercises/xw-numeric"]
    pages += [f"/lessons/{lesson.slug}" for lesson in LESSONS]
    for page in pages:
        for url in links(client.get(page).text):
            parts = urlsplit(url)
            assert not parts.netloc and parts.scheme in ("", "mailto"), (page, url)


def test_static_assets_are_served_locally(client: TestClient) -> None:
    html = client.get("/").text
    for url in links(html):
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


def test_instructor_text_is_escaped_and_sanitised(
    make_client: Callable[..., TestClient], stub_bank: object
) -> None:
    from tests.web.conftest import StubBank, StubExercise

    evil = StubExercise(
        id="evil",
        title="<script>alert(1)</script>",
        lesson="layouts",
        prompt="Hi <img src=x onerror=alert(1)> [x](javascript:alert(1)) $a*b*c$",
        variables={"x": "3"},
        function="x",
        wrt=["x"],
        expected_shape=[3, 3],
    )
    client = make_client(bank=StubBank([evil]))
    html = client.get("/exercises/evil").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert 'data-latex="a*b*c"' in html  # math is not read as Markdown emphasis


def test_htmx_requests_get_the_partial_only(client: TestClient) -> None:
    full = client.post("/exercises/wx-jacobian/preview", data={"answer": "", "seed": "1"})
    partial = client.post(
        "/exercises/wx-jacobian/preview",
        data={"answer": "", "seed": "1"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200 and full.status_code == 200
    assert "<html" not in partial.text
    assert "Start typing" in partial.text


def test_pages_carry_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/lessons/y-equals-wx")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "unsafe-eval" not in policy  # htmx would run an injected hx-on attribute
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in client.get("/docs").headers
