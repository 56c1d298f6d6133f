"""An accessibility audit with axe-core (vendored for the tests only, tests/browser/vendor):
no serious or critical violation on the home page, a lesson, an exercise showing feedback,
and /author."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_author_flow import _sign_in, author_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def audited(browser: Any) -> Iterator[Any]:
    # axe is injected as a script of its own; the page's CSP is not what is under test here
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def _serious(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", ["/", "/lessons/y-equals-wx", "/exercises", "/author"])
def test_pages_have_no_serious_violations(audited: Any, server: str, path: str) -> None:
    audited.goto(server + path)
    audited.wait_for_load_state("networkidle")
    assert _serious(audited) == []


def test_an_exercise_with_feedback_has_no_serious_violations(audited: Any, server: str) -> None:
    page = audited
    page.goto(f"{server}/exercises/u03-core-wx?seed=3")
    page.locator("#answer").fill("W^T")
    page.get_by_role("button", name="Check my answer").click()
    page.locator("#feedback .feedback").wait_for()
    page.get_by_role("link", name="Show a hint (1 of 2)").click()
    page.locator("#hints .hint-list li").first.wait_for()
    assert _serious(page) == []


def test_the_audit_finds_a_planted_violation(audited: Any, server: str) -> None:
    """The audit is live: an image without a text alternative is reported."""
    audited.goto(server + "/")
    audited.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/static/favicon.svg';"
        " document.querySelector('main').appendChild(i); }"
    )
    assert any(v.startswith("image-alt") for v in _serious(audited))


def test_the_signed_in_author_pages_have_no_serious_violations(
    browser: Any,
    author_server: str,  # noqa: F811 (the fixture imported above)
) -> None:
    """/author itself (the exercise list) and its editor, as a signed-in instructor sees them."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    try:
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        _sign_in(tab, author_server)
        assert _serious(tab) == []
        tab.goto(f"{author_server}/author/new")
        tab.locator("#check-status").wait_for()
        assert _serious(tab) == []
    finally:
        context.close()
