"""``client_address``: the one place that says who a request came from."""

from __future__ import annotations

from starlette.requests import Request

from app.web.client_address import UNKNOWN, client_address


def _request(client: tuple[str, int] | None) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "client": client}
    return Request(scope)


def test_the_peer_address_is_the_client() -> None:
    assert client_address(_request(("127.0.0.2", 5000))) == "127.0.0.2"


def test_a_request_without_a_peer_is_unknown() -> None:
    assert client_address(_request(None)) == UNKNOWN
