"""LTI 1.3 in a real browser: a simulated platform's deep-linking launch, the picker, and
the signed response posted back to the platform by the page itself (the page's
Content-Security-Policy must let that one form go to the LMS), then a learner's launch
landing on the placed exercise. Screenshots: /tmp/shots/lti-picker*.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import SHOTS
from tests.lti.platform import Message, Platform
from tests.reliability.live import ROOT, LiveServer

pytestmark = pytest.mark.browser
EXERCISE = "u03-core-wx"


@pytest.fixture(scope="module")
def lti_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Platform]]:
    folder: Path = tmp_path_factory.mktemp("lti-browser")
    url = f"sqlite:///{folder / 'lti.db'}"
    server = LiveServer(
        database_url=url, workdir=folder / "server", env={"JTUTOR_CHECK_ON_START": "false"}
    )
    platform = Platform(tool_url=server.url).start()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    added = subprocess.run(
        [sys.executable, "-m", "app", "lti", "--db", url, *platform.add_platform_args()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    server.start()
    try:
        yield server, platform
    finally:
        server.stop()
        platform.stop()


def _login_url(platform: Platform, message: Message) -> str:
    hint = platform.prepare(message)
    params = {
        "iss": platform.issuer,
        "login_hint": str(message.claims["sub"]),
        "target_link_uri": str(
            message.claims["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"]
        ),
        "lti_message_hint": hint,
        "client_id": platform.client_id,
    }
    return f"{platform.tool_url}/lti/login?{urlencode(params)}"


def test_deep_linking_in_a_browser_posts_the_choice_back_to_the_lms(
    browser: Any, lti_pair: tuple[LiveServer, Platform]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    server, platform = lti_pair
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(_login_url(platform, Message(platform.deep_linking(subject="teacher-1"))))
    tab.get_by_role("heading", name="Choose what to place in the LMS").wait_for()
    tab.screenshot(path=str(SHOTS / "lti-picker.png"))
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.screenshot(path=str(SHOTS / "lti-picker-phone.png"))
    tab.locator(f'input[name="exercise"][value="{EXERCISE}"]').check()
    tab.get_by_role("button", name="Place in the LMS").click()
    tab.get_by_text("Links added").wait_for()  # the platform's page: the form went through
    (claims,) = platform.deep_link_returns
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["url"] == f"{server.url}/exercises/{EXERCISE}"
    context.close()

    learner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    message = Message(
        platform.resource_link(subject="learner-1", target_path=f"/exercises/{EXERCISE}")
    )
    learner.goto(_login_url(platform, message))
    learner.wait_for_url(f"{server.url}/exercises/{EXERCISE}")
    learner.get_by_role("heading", name="The Jacobian of y = Wx").wait_for()
    learner.context.close()
