"""Pages of a real ``jtutor serve``: all lessons and exercises, nothing from elsewhere (DESIGN §8).

Issue 4's held-out check: fetch ``/``, ``/lessons`` and every lesson linked from it (the 12,
including the design card's four slugs), every ``/exercises/{id}`` the API lists, and find no
``src``/``href`` pointing to another host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.contracts.conftest import Server

CARD_SLUGS = {"y-equals-wx", "y-equals-xw", "dy-dw", "neuron-gradient"}
ATTRIBUTE = re.compile(r"""\b(?:src|href|action|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
SRCSET = re.compile(r"""\bsrcset\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""", re.I)


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=60) as c:
        yield c


def links(html: str) -> list[str]:
    found = [a or b for a, b in ATTRIBUTE.findall(html)]
    for a, b in SRCSET.findall(html):
        found += [part.strip().split(" ")[0] for part in (a or b).split(",") if part.strip()]
    found += CSS_URL.findall(html)
    return found


def foreign(page_url: str, html: str) -> list[str]:
    """Every reference in the page that resolves to another host (or scheme-relative)."""
    own = urlsplit(page_url).netloc
    bad = []
    for link in links(html):
        target = urlsplit(urljoin(page_url, link.replace("&amp;", "&")))
        if target.scheme in ("http", "https", "ws", "wss", "") and target.netloc not in ("", own):
            bad.append(link)
    return bad


@pytest.fixture(scope="module")
def lesson_slugs(client: httpx.Client) -> list[str]:
    page = client.get("/lessons")
    assert page.status_code == 200
    slugs = re.findall(r"""href\s*=\s*["']/lessons/([A-Za-z0-9_-]+)/?["']""", page.text)
    return sorted(set(slugs))


@pytest.fixture(scope="module")
def exercise_ids(client: httpx.Client) -> list[str]:
    response = client.get("/api/v1/exercises")
    assert response.status_code == 200
    body = response.json()
    items = body["exercises"] if isinstance(body, dict) else body
    return [item["id"] for item in items]


@pytest.fixture(scope="module")
def pages(
    client: httpx.Client, lesson_slugs: list[str], exercise_ids: list[str]
) -> dict[str, httpx.Response]:
    paths = ["/", "/lessons", "/docs", "/login"]
    paths += [f"/lessons/{slug}" for slug in lesson_slugs]
    paths += [f"/exercises/{i}" for i in exercise_ids]
    return {path: client.get(path) for path in paths}


def test_home_and_lessons_index(pages: dict[str, httpx.Response]) -> None:
    for path in ("/", "/lessons"):
        assert pages[path].status_code == 200
        assert "text/html" in pages[path].headers["content-type"]


def test_the_twelve_lessons_are_linked(lesson_slugs: list[str]) -> None:
    assert len(lesson_slugs) == 12, lesson_slugs
    assert set(lesson_slugs) >= CARD_SLUGS


def test_every_lesson_page_answers(
    pages: dict[str, httpx.Response], lesson_slugs: list[str]
) -> None:
    for slug in lesson_slugs:
        page = pages[f"/lessons/{slug}"]
        assert page.status_code == 200, slug
        assert "text/html" in page.headers["content-type"]
        assert "<math" in page.text and "data-latex" in page.text, f"no math on {slug}"


def test_every_exercise_page_answers(
    pages: dict[str, httpx.Response], exercise_ids: list[str]
) -> None:
    assert len(exercise_ids) >= 30
    for exercise in exercise_ids:
        page = pages[f"/exercises/{exercise}"]
        assert page.status_code == 200, exercise
        assert "<form" in page.text or "<textarea" in page.text or "<input" in page.text


def test_no_page_refers_to_another_host(pages: dict[str, httpx.Response], server: Server) -> None:
    offenders = {
        path: foreign(server.base_url + path, page.text)
        for path, page in pages.items()
        if foreign(server.base_url + path, page.text)
    }
    assert not offenders, offenders


def test_every_local_asset_is_served(
    pages: dict[str, httpx.Response], client: httpx.Client
) -> None:
    assets = set()
    for page in pages.values():
        for link in links(page.text):
            if link.startswith("/static/"):
                assets.add(link.split("#")[0].split("?")[0])
    assert assets
    missing = {a: client.get(a).status_code for a in sorted(assets)}
    assert all(code == 200 for code in missing.values()), missing


def test_stylesheets_load_nothing_from_another_host(
    pages: dict[str, httpx.Response], client: httpx.Client, server: Server
) -> None:
    sheets = {
        link
        for page in pages.values()
        for link in links(page.text)
        if link.startswith("/static/") and link.endswith(".css")
    }
    assert sheets
    for sheet in sorted(sheets):
        css = client.get(sheet).text
        external = [
            u
            for u in CSS_URL.findall(css)
            if urlsplit(urljoin(server.base_url + sheet, u)).netloc
            not in ("", urlsplit(server.base_url).netloc)
        ]
        assert not external, (sheet, external)


def test_health_docs_and_openapi(client: httpx.Client) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/api/v1/grade",
        "/api/v1/parse",
        "/api/v1/derive",
        "/api/v1/exercises",
        "/api/v1/exercises/{exercise_id}",
        "/api/v1/attempts",
    ):
        assert _generic(path) in {_generic(p) for p in paths}, (path, list(paths))


def _generic(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_unknown_pages_are_404_not_5xx(client: httpx.Client) -> None:
    for path in (
        "/lessons/no-such-lesson",
        "/exercises/no-such-exercise",
        "/api/v1/exercises/nope",
    ):
        assert client.get(path).status_code == 404, path


SEED_AUTHORS = ("Parr", "Learned-Miller", "Wu", "6.390")


def test_every_lesson_credits_a_seed(
    pages: dict[str, httpx.Response], lesson_slugs: list[str]
) -> None:
    """DESIGN §0: credit each lesson's source by author and title."""
    uncredited = [
        slug
        for slug in lesson_slugs
        if not any(author in pages[f"/lessons/{slug}"].text for author in SEED_AUTHORS)
    ]
    assert not uncredited


def test_every_lesson_has_exercises_and_shows_them(
    client: httpx.Client, pages: dict[str, httpx.Response], lesson_slugs: list[str]
) -> None:
    """Issue 3: one or more exercises per curriculum unit; issue 4: each lesson shows its own."""
    body = client.get("/api/v1/exercises").json()
    items = body["exercises"] if isinstance(body, dict) else body
    by_lesson: dict[str, list[str]] = {}
    for item in items:
        by_lesson.setdefault(item["lesson"], []).append(item["id"])
    assert set(by_lesson) <= set(lesson_slugs), set(by_lesson) - set(lesson_slugs)
    for slug in lesson_slugs:
        assert by_lesson.get(slug), f"no exercise for lesson {slug}"
        html = pages[f"/lessons/{slug}"].text
        shown = [i for i in by_lesson[slug] if f"/exercises/{i}" in html]
        assert shown, f"/lessons/{slug} links none of {by_lesson[slug]}"


def test_all_four_answer_forms_are_used(client: httpx.Client) -> None:
    """Issue 5: expression, index, numeric and compact answers all appear in the bank."""
    body = client.get("/api/v1/exercises").json()
    items = body["exercises"] if isinstance(body, dict) else body
    forms = {item["answer_form"] for item in items}
    assert forms >= {"expression", "index", "numeric", "compact"}, forms
