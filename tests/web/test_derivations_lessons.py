"""The lesson texts and this part's exercises: every lesson has a body with math, a
derivation widget, and its page links each of its exercises once; every exercise passes its
self-tests, and the bank reaches 30 exercises spread over the twelve lessons."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.bank.curriculum import LESSONS
from app.bank.loader import load_exercise_file
from app.bank.selfcheck import check_exercise
from app.calculus.derivation.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
LESSON_DIR = ROOT / "templates" / "lessons"
OWN_EXERCISES = sorted(
    p for p in (ROOT / "exercises").glob("u[0-9][0-9]-*.yaml") if "-core-" not in p.name
)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_lesson_body_has_math_widget_links_and_credit(client: TestClient, lesson: object) -> None:
    slug = lesson.slug  # type: ignore[attr-defined]
    body = (LESSON_DIR / f"{slug}.html").read_text()
    assert body.count("\\(") >= 5 and "\\[" in body
    keys = re.findall(r'key="([a-z-]+)"', body)
    assert keys and all(key in EXAMPLES for key in keys)
    assert "sources" in body
    page = client.get(f"/lessons/{slug}")
    assert page.status_code == 200
    assert 'class="derivation-shell"' in page.text
    assert "lessons.css" in page.text


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_lesson_page_links_its_exercises_once(
    make_client: Callable[..., TestClient], lesson: object
) -> None:
    from app.bank import default_bank

    client = make_client(bank=default_bank())
    page = client.get(f"/lessons/{lesson.slug}")  # type: ignore[attr-defined]
    links = re.findall(r'href="/exercises/([a-z0-9-]+)"', page.text)
    assert len(links) >= 2 and len(links) == len(set(links))
    for exercise_id in links:
        assert (ROOT / "exercises" / f"{exercise_id}.yaml").exists(), exercise_id


def test_layouts_lesson_contrasts_the_two_conventions() -> None:
    body = (LESSON_DIR / "layouts.html").read_text()
    assert "numerator layout" in body and "denominator layout" in body
    assert "MIT 6.390" in body and "Parr" in body and "Wu" in body
    xw = (LESSON_DIR / "y-equals-xw.html").read_text()
    assert "Learned-Miller" in xw and "W^\\top" in xw


def test_own_exercises_are_many_and_cover_every_lesson_and_form() -> None:
    exercises = [load_exercise_file(path) for path in OWN_EXERCISES]
    assert len(exercises) >= 18
    lessons = Counter(e.data.lesson for e in exercises)
    assert set(lessons) == {lesson.slug for lesson in LESSONS}
    forms = {e.data.answer_form for e in exercises}
    assert forms == {"expression", "index", "numeric", "compact"}
    for exercise in exercises:
        verdicts = [t["verdict"] if isinstance(t, dict) else t.verdict for t in exercise.data.tests]
        assert "correct" in verdicts and "incorrect" in verdicts, exercise.id


@pytest.mark.parametrize("path", OWN_EXERCISES[::4], ids=lambda p: p.stem)
def test_a_sample_of_own_exercises_pass_their_self_tests(path: Path) -> None:
    report = check_exercise(load_exercise_file(path))
    assert report.ok, report.summary()
