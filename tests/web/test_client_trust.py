"""The client address of a request: ``X-Forwarded-For`` only from a trusted proxy."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.settings import Settings, parse_networks
from app.web.client_address import ClientAddressMiddleware, TrustedProxies, client_address
from app.web.main import create_app
from tests.web.conftest import default_stub_bank


def _echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{client_address(request)} {request.url.scheme}")


def _client(trusted: str, peer: str) -> TestClient:
    app = Starlette(routes=[Route("/", _echo)])
    wrapped = ClientAddressMiddleware(app, trusted=TrustedProxies(parse_networks(trusted)))
    return TestClient(wrapped, client=(peer, 40000))


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    client = _client("", "203.0.113.9")
    assert client.get("/", headers={"X-Forwarded-For": "10.9.9.9"}).text == "203.0.113.9 http"


def test_a_trusted_proxy_gives_the_client_and_the_scheme() -> None:
    client = _client("172.30.0.0/24", "172.30.0.5")
    reply = client.get(
        "/", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    )
    assert reply.text == "198.51.100.7 https"


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    client = _client("172.30.0.0/24", "198.51.100.7")
    headers = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https"}
    assert client.get("/", headers=headers).text == "198.51.100.7 http"


def test_made_up_addresses_at_the_left_are_never_used() -> None:
    # a client sent "X-Forwarded-For: 1.2.3.4"; a proxy that appends (not ours) adds the peer
    client = _client("172.30.0.0/24", "172.30.0.5")
    reply = client.get("/", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7"})
    assert reply.text.split()[0] == "198.51.100.7"
    chained = _client("172.30.0.0/24, 10.0.0.1", "172.30.0.5")
    reply = chained.get("/", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7, 10.0.0.1"})
    assert reply.text.split()[0] == "198.51.100.7"


def test_garbage_in_the_header_leaves_the_last_trusted_hop() -> None:
    client = _client("172.30.0.0/24", "172.30.0.5")
    assert client.get("/", headers={"X-Forwarded-For": "not-an-ip"}).text.split()[0] == (
        "172.30.0.5"
    )


def test_the_setting_is_checked_and_independent_of_https() -> None:
    with pytest.raises(ValidationError, match="JTUTOR_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/8, nginx")
    assert Settings().trusted_proxy_networks == ()
    both = Settings(trusted_proxies="10.0.0.0/8 ::1", https=False).trusted_proxy_networks
    assert [str(n) for n in both] == ["10.0.0.0/8", "::1/128"]


def test_the_app_reads_the_header_only_from_its_trusted_proxies(tmp_path: Path) -> None:
    seen: list[str] = []
    for trusted, expected in (("", "127.0.0.1"), ("127.0.0.0/8", "198.51.100.7")):
        url = f"sqlite:///{tmp_path / 'c.db'}"
        settings = Settings(database_url=url, trusted_proxies=trusted, check_on_start=False)
        app = create_app(settings, bank=default_stub_bank())
        seen.clear()

        @app.get("/_who")
        def who(request: Request) -> str:
            seen.append(client_address(request))
            return "ok"

        with TestClient(app, client=("127.0.0.1", 1)) as client:
            client.get("/_who", headers={"X-Forwarded-For": "198.51.100.7"})
        app.state.tutor.database.dispose()
        assert seen == [expected]
