"""The shipped nginx config over TLS, in front of a real ``jtutor serve``: HSTS on every
answer, ``X-Forwarded-For`` set from the connection (so a made-up header cannot give a
client a fresh sign-in count), and request rates limited per client."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.deploy.proxy import Proxy
from tests.reliability.live import ROOT, LiveServer

EMAIL = "prof@example.org"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    folder = tmp_path_factory.mktemp("tls")
    url = f"sqlite:///{folder / 'jtutor.db'}"
    app = LiveServer(
        database_url=url,
        workdir=folder / "app",
        env={"JTUTOR_TRUSTED_PROXIES": "127.0.0.1", "JTUTOR_HTTPS": "true"},
    )
    app.start()
    added = subprocess.run(
        [sys.executable, "-m", "app", "instructor", "--db", url, "add", EMAIL, "--password-stdin"],
        input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    proxy = Proxy([f"127.0.0.1:{app.port}"], folder / "nginx", tls=True)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()
        app.stop()


def _sign_in(client: httpx.Client, password: str, forwarded_for: str) -> httpx.Response:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None, page.text[:300]
    return client.post(
        "/login",
        data={"email": EMAIL, "password": password, "csrf_token": token.group(1)},
        headers={"X-Forwarded-For": forwarded_for},
    )


@pytest.mark.timeout(120)
def test_https_answers_carry_hsts(proxied: Proxy) -> None:
    reply = httpx.get(proxied.url + "/healthz", verify=False, timeout=10)
    assert reply.status_code == 200
    assert proxied.url.startswith("https://")
    hsts = reply.headers["strict-transport-security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000  # type: ignore[union-attr]
    missing = httpx.get(proxied.url + "/no-such-page", verify=False, timeout=10)
    assert missing.status_code == 404 and "strict-transport-security" in missing.headers


@pytest.mark.timeout(120)
def test_made_up_forwarded_for_does_not_reset_the_sign_in_delay(proxied: Proxy) -> None:
    with httpx.Client(base_url=proxied.url, verify=False, timeout=30) as stranger:
        statuses = [_sign_in(stranger, f"guess-{i}", f"203.0.113.{i}") for i in range(3)]
        assert [r.status_code for r in statuses] == [401, 401, 401]
        throttled = _sign_in(stranger, PASSWORD, "198.51.100.99")
    assert throttled.status_code == 429
    assert "Too many failed sign-ins" in throttled.text  # the app's delay, not nginx's limit
    assert "retry-after" in throttled.headers


@pytest.mark.timeout(120)
def test_one_client_flooding_pages_is_limited(proxied: Proxy) -> None:
    with httpx.Client(base_url=proxied.url, verify=False, timeout=30) as client:
        counts = Counter(client.get("/healthz").status_code for _ in range(150))
    assert counts[429] > 0, counts
    assert set(counts) <= {200, 429}, counts
