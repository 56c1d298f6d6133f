"""Courses in a real browser (issue 17 acceptance): an instructor creates a course and an
assignment; a learner joins by code, answers, and appears in the gradebook and its CSV;
the learner signs in from a fresh browser context and sees the same progress.

Screenshots of the course page, the gradebook and the learner's account, at desktop and
phone width, go to /tmp/shots/courses-*.png.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import SHOTS, serving

pytestmark = pytest.mark.browser

EMAIL = "course-prof@example.org"
PASSWORD = "a course-test password"
LEARNER_EMAIL = "ada@example.org"
LEARNER_PASSWORD = "ada's long password"
EXERCISE = "u03-core-wx"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def course_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("course-server")
    with serving(folder, instructor=(EMAIL, PASSWORD), secrets=(LEARNER_PASSWORD,)) as base:
        yield base


def _tab(browser: Any, **options: Any) -> Any:
    context = browser.new_context(**options)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    return tab


def _shots(tab: Any, url: str, name: str, browser: Any) -> None:
    tab.goto(url)
    tab.screenshot(path=str(SHOTS / f"courses-{name}.png"), full_page=True)
    phone = browser.new_context(**PHONE, storage_state=tab.context.storage_state()).new_page()
    phone.goto(url)
    phone.screenshot(path=str(SHOTS / f"courses-{name}-phone.png"), full_page=True)
    phone.context.close()


def test_course_assignment_join_answer_gradebook_and_second_device(
    browser: Any, course_server: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    server = course_server
    # The instructor creates a course and an assignment.
    prof = _tab(browser, **DESKTOP)
    prof.goto(f"{server}/courses")
    assert "/login" in prof.url
    prof.get_by_label("E-mail address").fill(EMAIL)
    prof.get_by_label("Password").fill(PASSWORD)
    prof.get_by_role("button", name="Sign in").click()
    prof.wait_for_url(f"{server}/courses")
    prof.get_by_label("Title").fill("Matrix calculus, spring")
    prof.get_by_role("button", name="Create the course").click()
    prof.wait_for_url(re.compile(r".*/courses/\d+$"))
    course_url = prof.url
    code = prof.locator("#join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code)
    prof.locator("#assignment-title").fill("Week 1: Wx")
    prof.get_by_label("Exercises, in order").fill(EXERCISE)
    prof.get_by_label("Attempts counted per exercise").fill("3")
    prof.get_by_role("button", name="Create the assignment").click()
    prof.get_by_role("link", name="Week 1: Wx").wait_for()
    assignment_url = prof.get_by_role("link", name="Week 1: Wx").get_attribute("href")
    _shots(prof, course_url, "course", browser)

    # A learner joins by code (with an e-mail address and password for later) and answers.
    learner = _tab(browser, **DESKTOP)
    learner.goto(f"{server}/join")
    learner.get_by_label("Course code").fill(code.lower())
    learner.get_by_label("Your name").fill("Ada Lovelace")
    learner.get_by_label("E-mail address").fill(LEARNER_EMAIL)
    learner.get_by_label("Password").fill(LEARNER_PASSWORD)
    learner.get_by_role("button", name="Join").click()
    learner.wait_for_url(f"{server}/account")
    learner.get_by_role("link", name="Week 1: Wx").click()
    learner.get_by_role("link", name="The Jacobian of y = Wx").click()
    learner.locator("#answer").fill("W")
    learner.get_by_role("button", name="Check my answer").click()
    learner.locator("#feedback .feedback.correct").wait_for()
    learner.goto(f"{server}{assignment_url}")
    assert "Solved at the first try" in learner.locator("table.data").inner_text()

    # The learner is in the gradebook and its CSV.
    prof.goto(f"{course_url}/gradebook")
    row = prof.locator("#gradebook tbody tr", has_text="Ada Lovelace")
    assert "1 / 1 of 1" in row.inner_text()
    _shots(prof, f"{course_url}/gradebook", "gradebook", browser)
    download = prof.request.get(f"{course_url}/gradebook.csv")
    assert download.status == 200
    rows = list(csv.DictReader(io.StringIO(download.text())))
    assert [(r["learner"], r["email"]) for r in rows] == [("Ada Lovelace", LEARNER_EMAIL)]
    assert rows[0]["Week 1: Wx first try"] == "1" and rows[0]["Week 1: Wx solved"] == "1"

    # A fresh browser context: sign in, same progress.
    other = _tab(browser, **DESKTOP)
    other.goto(f"{server}{assignment_url}")
    assert "Not started" in other.locator("table.data").inner_text()
    other.goto(f"{server}/account")
    other.get_by_label("E-mail address").first.fill(LEARNER_EMAIL)
    other.locator("#signin-password").fill(LEARNER_PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    other.wait_for_url(f"{server}/")
    other.goto(f"{server}{assignment_url}")
    assert "Solved at the first try" in other.locator("table.data").inner_text()
    other.goto(f"{server}/account")
    assert "1 of 1 solved" in other.locator("main").inner_text()
    _shots(other, f"{server}/account", "account", browser)
    for tab in (prof, learner, other):
        tab.context.close()
