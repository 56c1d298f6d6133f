"""The Content-Security-Policy in a real browser, without the bypass the other browser tests
use: markup injected into a page runs nothing, whether an inline script, an inline handler,
or an ``hx-on`` attribute that htmx would evaluate as code if the policy allowed eval."""

from __future__ import annotations

from typing import Any

INJECT = """() => {
    document.body.insertAdjacentHTML('beforeend',
        '<button id="pwn-htmx" hx-on:click="window.__pwned = (window.__pwned || 0) + 1">a</button>'
        + '<button id="pwn-inline" onclick="window.__pwned = 99">b</button>'
        + '<img src="data:," onerror="window.__pwned = 98">');
    const script = document.createElement('script');
    script.textContent = 'window.__pwned = 97';
    document.body.appendChild(script);
    window.htmx.process(document.body);
}"""


def test_injected_markup_runs_nothing_under_the_policy(chromium_browser: Any, server: str) -> None:
    context = chromium_browser.new_context()  # the policy enforced, as for a learner
    tab = context.new_page()
    violations: list[str] = []
    tab.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else None)
    try:
        tab.goto(f"{server}/lessons/y-equals-wx")
        assert tab.evaluate("() => typeof window.htmx") == "object"
        tab.evaluate(INJECT)
        tab.click("#pwn-htmx")
        tab.click("#pwn-inline")
        tab.wait_for_timeout(300)
        assert tab.evaluate("() => window.__pwned === undefined")
        assert violations, "the browser reported no refusal: was the policy sent?"
    finally:
        context.close()
