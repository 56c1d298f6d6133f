"""HEAD requests answered as GET without the body.

Uptime monitors and load balancers often probe with HEAD; FastAPI routes declared with
``@router.get`` would answer them 405. HTTP says HEAD is GET without the body, so this
middleware runs the GET and drops what it would have sent (the headers, including
Content-Length, stay as they are).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
