"""A real ``jtutor serve`` and a simulated LTI 1.3 platform registered with it, per backend.

The platform is registered the way an administrator does it, with ``jtutor lti
add-platform``; the server runs on SQLite and, with ``TEST_DATABASE_URL``, on PostgreSQL
(a fresh schema). One server per backend serves the module; each test launches its own
LMS users, so the tests do not see each other's learners.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.lti.platform import Browser, Platform
from tests.reliability.live import ROOT, LiveServer, fresh_postgres_url, postgres_base_url

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def jtutor_lti(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "app", "lti", "--db", database_url, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module", params=BACKENDS)
def lti_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('lti') / 'jtutor.db'}"
        return
    with fresh_postgres_url(postgres_base_url()) as url:
        yield url


@pytest.fixture(scope="module")
def lti_server(lti_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        database_url=lti_database,
        workdir=tmp_path_factory.mktemp("lti-server"),
        env={"JTUTOR_CHECK_ON_START": "false"},
    )
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def platform(lti_server: LiveServer, lti_database: str) -> Iterator[Platform]:
    simulated = Platform(tool_url=lti_server.url).start()
    registered = jtutor_lti(lti_database, *simulated.add_platform_args())
    assert registered.returncode == 0, registered.stderr
    try:
        yield simulated
    finally:
        simulated.stop()


@pytest.fixture(autouse=True)
def _close_browsers() -> Iterator[None]:
    yield
    Browser.close_all()
