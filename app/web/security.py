"""Security headers on every response: a strict Content-Security-Policy and friends.

Scripts may come only from this server (htmx, KaTeX and our own files are vendored), so an
injected ``<script>`` or inline handler would not run even if escaping ever failed. Nor may
a script turn text into code (no ``'unsafe-eval'``): htmx would otherwise run the code in an
injected ``hx-on`` attribute. Styles allow inline attributes because KaTeX positions glyphs
with them. (Browser tests that use Playwright's ``wait_for_function``, which evaluates its
predicate as text, open their pages with ``bypass_csp``.) ``/docs`` is exempt from the
policy: FastAPI's Swagger UI page starts itself with an inline script.

Instructor pages, their exports (the attempts CSV, exercise YAML, course gradebooks),
learners' account pages and the sign-in pages are sent with ``Cache-Control: no-store``:
learners' answers and session-bound CSRF tokens must not stay in a shared computer's
browser cache or in a caching proxy.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
EXEMPT_FROM_CSP = ("/docs",)
NO_STORE_PREFIXES = ("/author", "/courses", "/account", "/login", "/logout", "/lti/deep-link")


def no_store(path: str) -> bool:
    return any(path == p or path.startswith((p + "/", p + ".")) for p in NO_STORE_PREFIXES)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        with_csp = path not in EXEMPT_FROM_CSP
        private = no_store(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if with_csp:
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
