"""Suite-wide test policy.

Browser tests need Debian's Chromium and PostgreSQL tests need ``TEST_DATABASE_URL``.
On a developer machine without them those tests are deselected (and said so); with
``CI=true`` they are always collected, so a missing browser or database fails loudly
instead of hiding tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IN_CI:
        return
    reasons = {
        "browser": None if CHROMIUM else "no chromium on PATH",
        "postgres": None if os.environ.get("TEST_DATABASE_URL") else "TEST_DATABASE_URL unset",
    }
    keep, drop = [], []
    for item in items:
        missing = [r for m, r in reasons.items() if r and item.get_closest_marker(m)]
        (drop if missing else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        why = "; ".join(r for r in reasons.values() if r)
        print(f"\ndeselected {len(drop)} tests ({why}); CI=true runs them all")


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """One headless Chromium (Debian's, driven by Playwright) for the whole run.

    Playwright's sync API allows one running instance per thread, so every browser test,
    wherever it lives, shares this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM or "/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()
