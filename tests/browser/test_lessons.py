"""The lessons in a real browser: formulas render, the derivation widget reveals steps,
sizes and layout re-derive, one component can be picked, and pages fit a phone.

Screenshots of every lesson at desktop and phone width go to ``SHOTS`` (/tmp/shots).
"""

from __future__ import annotations

from typing import Any

import pytest

from app.bank.curriculum import LESSONS
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser


def _open(page: Any, server: str, slug: str) -> None:
    page.goto(f"{server}/lessons/{slug}")
    page.wait_for_selector(".derivation ol.steps li.step")
    page.wait_for_function("document.querySelectorAll('.step .katex').length > 0")


def test_widget_reveals_the_next_step_with_rendered_math(page: Any, server: str) -> None:
    _open(page, server, "y-equals-wx")
    steps = page.locator("#steps-wx li.step")
    assert steps.count() == 1
    before = page.locator(".katex").count()
    page.locator("#next-wx button.reveal").click()
    page.wait_for_function("document.querySelectorAll('#steps-wx li.step').length == 2")
    page.wait_for_function(
        "document.querySelectorAll('#steps-wx li.step')[1].querySelector('.katex') !== null"
    )
    assert page.locator(".katex").count() > before
    assert page.locator(".katex-error").count() == 0
    assert "Reveal step 3" in page.locator("#next-wx").inner_text()
    assert page.locator("#steps-wx li.step .badge.ok").count() == 2


def test_changing_sizes_re_derives(page: Any, server: str) -> None:
    _open(page, server, "dy-dw")
    page.locator("#d-dydw input[name=m]").fill("2")
    page.locator("#d-dydw input[name=m]").dispatch_event("change")
    page.wait_for_function(
        "document.querySelector('#d-dydw .derivation-result').textContent.includes('2 × 2 × 4')"
    )
    assert page.locator("#d-dydw .slices svg").count() == 3  # two slices and the compact form


def test_layout_switch_transposes_the_result(page: Any, server: str) -> None:
    _open(page, server, "y-equals-xw")
    page.locator("#d-xw select[name=layout]").select_option("denominator")
    page.wait_for_function(
        "document.querySelector('#d-xw .derivation-result code').textContent.trim() === 'W'"
    )
    page.wait_for_function("document.querySelectorAll('#d-xw .katex').length > 0")
    assert page.locator("#d-xw .katex-error").count() == 0


def test_picking_a_component_shows_its_sum(page: Any, server: str) -> None:
    _open(page, server, "y-equals-wx")
    page.locator("#d-wx .entry-picker input[name=i]").fill("3")
    page.locator("#d-wx .entry-picker input[name=j]").fill("2")
    page.locator("#d-wx .entry-picker button").click()
    page.wait_for_selector("#entry-wx .entry-worked .katex")
    text = page.locator("#entry-wx").inner_text()
    assert "agree" in text.lower()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_every_lesson_renders_on_desktop_and_phone(
    page: Any, phone_page: Any, server: str, lesson: Any
) -> None:
    for tab, tag in ((page, "desk"), (phone_page, "phone")):
        _open(tab, server, lesson.slug)
        assert tab.locator(".prose .katex").count() >= 5
        assert tab.locator(".katex-error").count() == 0
        assert tab.locator(".step .badge.ok").count() >= 1
        width = tab.evaluate("document.documentElement.scrollWidth")
        viewport = tab.evaluate("window.innerWidth")
        assert width <= viewport + 1, f"{lesson.slug} scrolls sideways at {viewport}px"
        tab.screenshot(path=str(SHOTS / f"lesson-{lesson.slug}-{tag}.png"), full_page=True)
