"""Cross-site request forgery tokens for every state-changing instructor request.

SameSite=Lax cookies already keep most cross-site POSTs from carrying a session, but not
all (a sibling subdomain, old browsers), so each unsafe request must also prove it came
from one of our pages: it carries a token in the ``csrf_token`` form field or, for htmx,
in the ``X-CSRF-Token`` header (set with ``hx-headers``). A token is an HMAC of the
session it belongs to under the server's secret key, so nothing is stored, it changes with
every sign-in, and a page from another origin cannot compute it. The sign-in form, used
before there is a session, binds its token to the signed learner cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfRejected(Exception):
    """An unsafe request without the token of its session (answered with 403)."""


def token_for(secret_key: str, binding: str) -> str:
    """The token of ``binding`` (``session:<token>`` or ``login:<learner id>``)."""
    mac = hmac.new(secret_key.encode(), f"jtutor.csrf:{binding}".encode(), hashlib.sha256)
    return mac.hexdigest()


async def submitted_token(request: Request) -> str:
    """The token a request carries: the header first, else the form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached by Starlette: the route reads the same form
        value = form.get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check(request: Request, *, secret_key: str, binding: str) -> None:
    """Raise :class:`CsrfRejected` unless the request carries the token of ``binding``."""
    expected = token_for(secret_key, binding)
    given = await submitted_token(request)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected("the form is missing its security token or it has expired")
