"""Anonymous learners: a signed, HttpOnly cookie issued on the first visit.

The cookie holds a random id signed with the secret key (itsdangerous), so a learner
cannot claim another learner's id. It is ``SameSite=Lax`` and, behind https, ``Secure``;
an LTI launch sets it itself (to the LMS user's learner id) as ``SameSite=None; Secure``
behind https, so the tool keeps its learner inside the LMS's iframe (a cross-site frame,
where Lax cookies are not sent); this middleware then leaves that cookie alone.
No database row is written for a visit: the learner row appears with the first attempt.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SALT = "jtutor.learner"


def serializer_for(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def cookie_header(
    serializer: URLSafeSerializer,
    *,
    cookie_name: str,
    learner_id: str,
    max_age: int,
    secure: bool,
    cross_site: bool = False,
) -> str:
    """The Set-Cookie value carrying ``learner_id``; ``cross_site`` (only behind https,
    where ``Secure`` is possible) makes it ``SameSite=None`` for an LMS iframe."""
    parts = [
        f"{cookie_name}={serializer.dumps(learner_id)}",
        "Path=/",
        f"Max-Age={max_age}",
        "HttpOnly",
        "SameSite=None" if cross_site and secure else "SameSite=Lax",
    ]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class LearnerCookieMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        secret_key: str,
        cookie_name: str,
        max_age: int,
        secure: bool,
    ) -> None:
        self.app = app
        self.serializer = serializer_for(secret_key)
        self.cookie_name = cookie_name
        self.max_age = max_age
        self.secure = secure

    def read(self, cookie_header: str) -> str | None:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(cookie_header)
        except Exception:  # a malformed Cookie header is treated as no cookie
            return None
        morsel = cookie.get(self.cookie_name)
        if morsel is None:
            return None
        try:
            value = self.serializer.loads(morsel.value)
        except BadSignature:
            return None
        return value if isinstance(value, str) and 0 < len(value) <= 64 else None

    def set_cookie_header(self, learner_id: str) -> str:
        return cookie_header(
            self.serializer,
            cookie_name=self.cookie_name,
            learner_id=learner_id,
            max_age=self.max_age,
            secure=self.secure,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        learner_id = self.read(headers.get("cookie", ""))
        new = learner_id is None
        if learner_id is None:
            learner_id = secrets.token_hex(16)
        state = scope.setdefault("state", {})
        state["learner_id"] = learner_id
        state["learner_is_new"] = new  # admission control keys new learners by address

        async def send_with_cookie(message: Message) -> None:
            if new and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                prefix = f"{self.cookie_name}="
                if not any(v.startswith(prefix) for v in headers.getlist("set-cookie")):
                    headers.append("set-cookie", self.set_cookie_header(learner_id))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
