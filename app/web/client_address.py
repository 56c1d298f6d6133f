"""The client address of a request, and when ``X-Forwarded-For`` may say what it is.

Behind a reverse proxy every request comes from the proxy's address, so limits per client
need the address the proxy saw. A header is only as trustworthy as whoever wrote it:
``X-Forwarded-For`` is believed only when the connection comes from one of the networks in
``JTUTOR_TRUSTED_PROXIES`` (none by default), whatever the scheme. Then the header is read
from the right: each trusted hop is skipped and the first address that is not a trusted
proxy is the client, so addresses a client made up and put at the left are never used.
(The shipped nginx sets the header to ``$remote_addr``, dropping whatever the client sent.)
Everything that limits or records per client (sign-in throttling, the admission limits of
grading and preview) asks :func:`client_address`, so this rule lives in one place.

:class:`ClientAddressMiddleware` rewrites the ASGI ``client`` (and the scheme from
``X-Forwarded-Proto``) once, before anything else reads it; :func:`client_address` is the
one function the rest of the app asks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import Network, parse_networks

__all__ = ["ClientAddressMiddleware", "TrustedProxies", "client_address", "parse_networks"]

UNKNOWN = "unknown"


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxies:
    """The networks whose ``X-Forwarded-For`` is believed."""

    def __init__(self, networks: Iterable[Network]) -> None:
        self.networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client_of(self, peer: str, forwarded_for: str) -> str:
        """The client behind ``peer`` given the header's value (``peer`` when not trusted)."""
        if not self.trusts(peer):
            return peer
        client = peer
        for hop in reversed(forwarded_for.split(",")):
            address = _address(hop)
            if address is None:  # garbage: stop at the last address a trusted hop gave
                break
            client = str(address)
            if not any(address in network for network in self.networks):
                break
        return client


class ClientAddressMiddleware:
    """Sets the ASGI ``client`` to the real client when a trusted proxy forwarded it."""

    def __init__(self, app: ASGIApp, *, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if self.trusted and scope["type"] in ("http", "websocket") and peer:
            host = str(peer[0])
            if self.trusted.trusts(host):
                forwarded: list[str] = []
                proto = ""
                for name, value in scope["headers"]:
                    if name == b"x-forwarded-for":
                        forwarded.append(value.decode("latin-1"))
                    elif name == b"x-forwarded-proto":
                        proto = value.decode("latin-1").strip().lower()
                if forwarded:
                    scope["client"] = (self.trusted.client_of(host, ",".join(forwarded)), 0)
                if scope["type"] == "http" and proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)


def client_address(connection: HTTPConnection | Scope) -> str:
    """The client's IP address as a string, from a ``Request`` or an ASGI scope: the peer,
    or the client a trusted proxy forwarded (see the module's docstring); ``"unknown"``
    when the server has none (a Unix socket)."""
    scope = connection.scope if isinstance(connection, HTTPConnection) else connection
    peer = scope.get("client")
    return str(peer[0]) if peer and peer[0] else UNKNOWN
