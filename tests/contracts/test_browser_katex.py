"""What a reader's browser gets: KaTeX-rendered formulas, no console errors, nothing fetched
from another host (DESIGN §8, §10; issue 4 acceptance), in headless Debian Chromium."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.contracts.conftest import Server

pytestmark = pytest.mark.browser


@dataclass
class Visit:
    katex: int
    katex_errors: int
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    status: int | None = None


@pytest.fixture(scope="module")
def browser(chromium_browser: Any) -> Any:
    return chromium_browser


@pytest.fixture(scope="module")
def lesson_paths(server: Server) -> list[str]:
    html = httpx.get(server.base_url + "/lessons", timeout=60).text
    slugs = sorted(set(re.findall(r"""href\s*=\s*["']/lessons/([A-Za-z0-9_-]+)/?["']""", html)))
    return [f"/lessons/{slug}" for slug in slugs]


def visit(browser: Any, server: Server, path: str, *, math: bool = True) -> Visit:
    own = urlsplit(server.base_url).netloc
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def on_request(request: Any) -> None:
        target = urlsplit(request.url)
        if target.scheme in ("http", "https", "ws", "wss") and target.netloc != own:
            foreign.append(request.url)

    page.on("request", on_request)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        response = page.goto(server.base_url + path, wait_until="load", timeout=60_000)
        page.wait_for_load_state("networkidle", timeout=60_000)
        if math:
            # A page that should have formulas but has none waits out the timeout: zero below.
            # (A locator wait: wait_for_function would evaluate a string, which the page's CSP
            # rightly refuses, and that refusal would show up as a console error of our own.)
            with contextlib.suppress(PlaywrightTimeout):
                page.locator(".katex").first.wait_for(state="attached", timeout=15_000)
        return Visit(
            katex=page.locator(".katex").count(),
            katex_errors=page.locator(".katex-error").count(),
            console_errors=errors,
            foreign_requests=foreign,
            failed_responses=failed,
            status=response.status if response else None,
        )
    finally:
        context.close()


@pytest.fixture(scope="module")
def visits(browser: Any, server: Server, lesson_paths: list[str]) -> dict[str, Visit]:
    return {path: visit(browser, server, path) for path in lesson_paths}


def test_twelve_lesson_pages_visited(visits: dict[str, Visit]) -> None:
    assert len(visits) == 12, list(visits)
    assert "/lessons/y-equals-wx" in visits


def test_y_equals_wx_renders_many_formulas(visits: dict[str, Visit]) -> None:
    seen = visits["/lessons/y-equals-wx"]
    assert seen.status == 200
    assert seen.katex > 5, seen


def test_every_lesson_renders_formulas_without_errors(visits: dict[str, Visit]) -> None:
    bad = {
        path: seen
        for path, seen in visits.items()
        if seen.status != 200
        or seen.katex == 0
        or seen.katex_errors
        or seen.console_errors
        or seen.failed_responses
    }
    assert not bad, bad


def test_no_lesson_fetches_from_another_host(visits: dict[str, Visit]) -> None:
    fetched = {
        path: seen.foreign_requests for path, seen in visits.items() if seen.foreign_requests
    }
    assert not fetched, fetched


@pytest.mark.parametrize("path", ["/", "/lessons", "/exercises/u03-core-wx", "/docs"])
def test_other_pages_are_clean(browser: Any, server: Server, path: str) -> None:
    seen = visit(browser, server, path, math=path.startswith("/exercises/"))
    assert seen.status == 200
    assert not seen.console_errors, seen.console_errors
    assert not seen.failed_responses, seen.failed_responses
    assert not seen.foreign_requests, seen.foreign_requests
    assert not seen.katex_errors
    if path.startswith("/exercises/"):
        assert seen.katex > 0
