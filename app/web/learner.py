"""Anonymous learners: a signed, HttpOnly cookie issued on the first visit.

The cookie holds a random id signed with the secret key (itsdangerous), so a learner
cannot claim another learner's id. It is ``SameSite=Lax`` and, behind https, ``Secure``.
No database row is written for a visit: the learner row appears with the first attempt.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SALT = "jtutor.learner"


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
        self.serializer = URLSafeSerializer(secret_key, salt=SALT)
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
        parts = [
            f"{self.cookie_name}={self.serializer.dumps(learner_id)}",
            "Path=/",
            f"Max-Age={self.max_age}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        learner_id = self.read(headers.get("cookie", ""))
        new = learner_id is None
        if learner_id is None:
            learner_id = secrets.token_hex(16)
        scope.setdefault("state", {})["learner_id"] = learner_id

        async def send_with_cookie(message: Message) -> None:
            if new and message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "set-cookie", self.set_cookie_header(learner_id)
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
