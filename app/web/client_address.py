"""The address of the client that sent a request, as this server sees it.

Everything that limits or records per client (sign-in throttling, the admission limits of
grading and preview) asks this one function, so that the rule for which ``X-Forwarded-For``
headers are believed lives in one place. Today that rule is uvicorn's: the peer address,
or the forwarded one when uvicorn trusts the proxy.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

UNKNOWN = "unknown"


def client_address(request: HTTPConnection) -> str:
    """The client's IP address as a string (``"unknown"`` when the server has none, as for
    a test client or a Unix socket)."""
    client = request.client
    return client.host if client is not None and client.host else UNKNOWN
