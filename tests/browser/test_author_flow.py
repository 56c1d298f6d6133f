"""The instructor's path in a real browser (issue 6 acceptance), and hostile prompts.

A server of its own (its database holds an account made by ``jtutor instructor add``):
sign in, write an exercise whose reference is deliberately wrong and watch the live panel
flag it, fix it, save, answer it as a learner in a fresh browser context, and find the
attempt on the dashboard and in the CSV. Screenshots of the sign-in page, the editor with
its live panel and the dashboard, at desktop and phone width, go to /tmp/shots/author-*.png.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import SHOTS, serving

pytestmark = pytest.mark.browser

EMAIL = "prof@example.org"
PASSWORD = "a browser-test password"
EXERCISE = "flow-wx"
HOSTILE = "xss-wx"
HOSTILE_PROMPT = (
    "Hostile <script>window.__pwned = 1; alert(1)</script> "
    '<img src=x onerror="window.__pwned = 2; alert(2)"> '
    "[click me](javascript:window.__pwned=3) "
    "$\\href{javascript:window.__pwned=4}{href}$ and $\\url{javascript:window.__pwned=5}$ "
    '<a id="raw" href="javascript:window.__pwned=6">raw</a>\n'
)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def author_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("author-server")
    with serving(folder, instructor=(EMAIL, PASSWORD), secrets=()) as base:
        yield base


def _tab(browser: Any, **options: Any) -> Any:
    context = browser.new_context(**options)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    return tab


def _sign_in(tab: Any, server: str, shot: str | None = None) -> None:
    tab.goto(f"{server}/author")
    assert "/login?next=/author" in tab.url
    if shot:
        tab.screenshot(path=str(SHOTS / shot), full_page=True)
    tab.get_by_label("E-mail address").fill(EMAIL)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{server}/author")


def _fill_new_exercise(tab: Any, server: str, exercise_id: str, reference: str) -> None:
    tab.goto(f"{server}/author/new")
    tab.locator("#check-status").wait_for()  # the first check, of the starter
    tab.get_by_label("Id").fill(exercise_id)
    tab.get_by_label("Title").fill("Flow: the Jacobian of Wx")
    tab.get_by_label("Reference answer").fill(reference)


def test_author_writes_checks_saves_and_reads_the_dashboard(
    browser: Any, author_server: str
) -> None:
    server = author_server
    tab = _tab(browser, **DESKTOP)
    _sign_in(tab, server, "author-login-desktop.png")

    _fill_new_exercise(tab, server, EXERCISE, "W^T")
    flagged = tab.locator('#reference-checks li[data-ok="false"]').first
    flagged.wait_for()
    assert tab.locator("#check-status").get_attribute("data-ok") == "false"
    assert "reference: 'W^T' is incorrect/transposed" in tab.locator("#check-failures").inner_text()
    tab.wait_for_function("document.querySelectorAll('#check-panel .katex').length > 0")
    assert tab.locator("#check-panel .katex-error").count() == 0
    tab.screenshot(path=str(SHOTS / "author-editor-flagged-desktop.png"), full_page=True)

    tab.get_by_role("button", name="Save").click()  # refused, and says why
    assert "Not saved: reference" in tab.locator(".problem").first.inner_text()

    tab.get_by_label("Reference answer").fill("W")
    tab.locator('#check-status[data-ok="true"]').wait_for()
    assert tab.locator(".save-refused").is_hidden()  # the refusal note is out of date
    assert tab.locator('#reference-checks li[data-ok="true"]').count() == 3
    tab.wait_for_function("document.querySelectorAll('#check-panel .katex').length > 0")
    tab.screenshot(path=str(SHOTS / "author-editor-desktop.png"), full_page=True)
    tab.get_by_role("button", name="Save").click()
    tab.wait_for_url(f"{server}/author/exercises/{EXERCISE}?notice=created")
    assert "Saved" in tab.locator(".notice").inner_text()
    tab.goto(f"{server}/author")
    assert tab.get_by_role("link", name=EXERCISE).count() == 1
    tab.screenshot(path=str(SHOTS / "author-list-desktop.png"), full_page=True)

    learner = _tab(browser, **DESKTOP)  # a fresh context: a new learner, no session
    learner.goto(f"{server}/exercises/{EXERCISE}?seed=3")
    learner.wait_for_function("document.querySelectorAll('.katex').length > 0")
    assert "Flow: the Jacobian of Wx" in learner.locator("h1").inner_text()
    learner.locator("#answer").fill("W^T")
    learner.get_by_role("button", name="Check my answer").click()
    learner.locator("#feedback .feedback.incorrect").wait_for()
    learner.goto(f"{server}/author")
    assert "/login" in learner.url  # the learner is not an instructor
    learner.context.close()

    tab.goto(f"{server}/author/dashboard")
    row = tab.locator(f'tr[data-exercise="{EXERCISE}"]')
    assert row.locator("td.num").all_inner_texts()[:2] == ["1", "1"]
    tab.screenshot(path=str(SHOTS / "author-dashboard-desktop.png"), full_page=True)
    row.get_by_role("link", name=EXERCISE).click()
    tab.locator("svg.bar-chart").first.wait_for()
    assert "W^T" in tab.locator("#wrong-answers").inner_text()
    # W^T for Wx in numerator layout: the linear map read the other way round, charted too
    assert "linear_map_transposed" in tab.locator("#misconceptions").inner_text()
    tab.screenshot(path=str(SHOTS / "author-dashboard-exercise-desktop.png"), full_page=True)

    download = tab.request.get(f"{server}/author/attempts.csv")
    assert download.ok
    rows = list(csv.DictReader(io.StringIO(download.text())))
    assert [(r["exercise_id"], r["answer"], r["verdict"]) for r in rows] == [
        (EXERCISE, "W^T", "incorrect")
    ]

    state = tab.context.storage_state()
    phone = _tab(browser, **PHONE, storage_state=state)
    for path, name in (
        ("/author/exercises/" + EXERCISE, "author-editor-phone.png"),
        ("/author/dashboard", "author-dashboard-phone.png"),
        ("/author/dashboard/" + EXERCISE, "author-dashboard-exercise-phone.png"),
    ):
        phone.goto(server + path)
        if "exercises" in path:
            phone.locator('#check-status[data-ok="true"]').wait_for()
            phone.wait_for_function("document.querySelectorAll('#check-panel .katex').length > 0")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at phone width ({width}px)"
        phone.screenshot(path=str(SHOTS / name), full_page=True)
    phone.context.close()
    login_phone = _tab(browser, **PHONE)
    login_phone.goto(f"{server}/login")
    login_phone.screenshot(path=str(SHOTS / "author-login-phone.png"), full_page=True)
    login_phone.context.close()
    tab.context.close()


def test_hostile_prompt_runs_nothing(browser: Any, author_server: str) -> None:
    server = author_server
    tab = _tab(browser, **DESKTOP)
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _sign_in(tab, server)
    _fill_new_exercise(tab, server, HOSTILE, "W")
    tab.locator("#f-prompt").fill(HOSTILE_PROMPT)
    tab.locator('#check-status[data-ok="true"]').wait_for()
    tab.wait_for_function(
        "document.querySelector('#check-panel .prompt-sample').textContent.includes('Hostile')"
    )
    tab.get_by_role("button", name="Save").click()
    tab.wait_for_url(f"{server}/author/exercises/{HOSTILE}?notice=created")

    learner = _tab(browser, **DESKTOP)
    learner.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    learner.goto(f"{server}/exercises/{HOSTILE}")
    learner.wait_for_function("document.querySelectorAll('.prompt .katex').length >= 2")
    for link in learner.locator(".prompt a").all():
        link.click(no_wait_after=True)
    learner.wait_for_timeout(300)
    for page in (tab, learner):
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator('a[href^="javascript:" i]').count() == 0
        assert page.locator("img[onerror]").count() == 0
    assert dialogs == []
    learner.context.close()
    tab.context.close()


@pytest.fixture(autouse=True)
def _shots_folder() -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
