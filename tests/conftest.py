"""Suite-wide test policy.

Browser tests need Debian's Chromium and PostgreSQL tests need ``TEST_DATABASE_URL``.
On a developer machine without them those tests are deselected (and said so); with
``CI=true`` they are always collected, so a missing browser or database fails loudly
instead of hiding tests.

Random draws are repeatable (``tests/randomness.py``): Hypothesis runs derandomized with
no example database, and the draws app code makes without a seed are seeded per test,
unless ``JTUTOR_RANDOM_TESTS`` asks for a random hunt (never under ``CI=true``).
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import settings

from tests.randomness import IN_CI, RANDOM_SCALE

settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("random-hunt", derandomize=False, print_blob=True)
settings.load_profile("random-hunt" if RANDOM_SCALE else "repeatable")

SEEDED_MODULES = ("app.grading.grader", "app.web.routes.exercises", "app.web.routes.api_exercises")
"""Modules that draw a seed (``secrets.randbelow``) when none is given."""


@pytest.fixture(autouse=True)
def seeded_draws(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed, from the test's id, the seeds app code draws in this process when none is
    given, so a test that grades without a seed sees the same instances on every run."""
    if RANDOM_SCALE:
        return
    import importlib

    rng = random.Random(request.node.nodeid)
    draws = SimpleNamespace(randbelow=rng.randrange)
    for name in SEEDED_MODULES:
        monkeypatch.setattr(importlib.import_module(name), "secrets", draws)


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
