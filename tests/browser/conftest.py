"""Shared fixtures for the browser tests: a real ``jtutor serve`` and headless Chromium.

``server`` starts ``jtutor serve`` once per session on a free port with a temporary
SQLite database and yields its base URL; ``browser`` is Debian's Chromium driven by
Playwright; ``page`` is a fresh context per test (its own cookie, so its own learner),
``phone_page`` the same at 390x844. Screenshots go to ``SHOTS`` (/tmp/shots).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SHOTS = Path(os.environ.get("JTUTOR_SHOTS", "/tmp/shots"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jtutor serve exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"jtutor serve did not answer within 60 s:\n{log.read_text()}")


@contextmanager
def serving(
    folder: Path, *, instructor: tuple[str, str] | None = None, secrets: tuple[str, ...] = ()
) -> Iterator[str]:
    """``jtutor serve`` on a free port with a SQLite database in ``folder`` (its instructor
    added first, when given); yields the base URL. On the way out the server's log must not
    hold any of ``secrets`` (passwords typed during the test)."""
    url = f"sqlite:///{folder / 'browser.db'}"
    if instructor is not None:
        email, password = instructor
        added = subprocess.run(
            [sys.executable, "-m", "app", "instructor", "--db", url, "add", email,
             "--password-stdin"],
            input=password + "\n", capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        secrets = (*secrets, password)
    port = _free_port()
    log = folder / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    command = [
        sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--db", url, "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log.read_text(errors="replace")
    assert not [s for s in secrets if s in text], "a password reached the server's log"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("server")) as url:
        yield url


class CspBypassingBrowser:
    """Chromium whose new contexts bypass the site's Content-Security-Policy: Playwright's
    ``wait_for_function`` evaluates its predicate as text, which the policy (rightly) refuses.
    ``tests/browser/test_csp.py`` checks the policy itself, without the bypass."""

    def __init__(self, chromium: Any) -> None:
        self._chromium = chromium

    def new_context(self, **options: Any) -> Any:
        options.setdefault("bypass_csp", True)
        return self._chromium.new_context(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chromium, name)


@pytest.fixture(scope="session")
def browser(chromium_browser: object) -> object:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return CspBypassingBrowser(chromium_browser)


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser: object) -> Iterator[object]:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
