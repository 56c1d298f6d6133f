"""The one family of errors the web app raises, and the one handler that shows them.

A route raises a :class:`WebError` carrying what the person needs (a message, a status,
optionally the position of the offending character); the handler decides the form: JSON
for the API, a partial for an htmx request, a full page otherwise. Framework errors
(unknown route, failed request validation) go through the same handler so that an
integrator always gets ``{"detail": ...}`` with a 4xx, never a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.rendering import is_api, render

log = logging.getLogger("jtutor.web")


class WebError(Exception):
    status = 400
    title = "That did not work"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        position: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.position = position
        self.field = field
        self.headers: dict[str, str] = {}
        """Response headers the error needs (``Retry-After`` of an overload)."""

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.message, "status": self.status}
        if self.field is not None:
            body["field"] = self.field
        if self.position is not None:
            body["position"] = self.position
        return body


class NotFound(WebError):
    status = 404
    title = "Not found"


class BadInput(WebError):
    status = 422
    title = "That input cannot be used"


class BodyTooLarge(WebError):
    status = 413
    title = "Request too large"


class Unavailable(WebError):
    status = 503
    title = "Temporarily unavailable"


def _respond(request: Request, error: WebError) -> Response:
    if is_api(request):
        return JSONResponse(error.to_dict(), status_code=error.status)
    return render(
        request,
        "error.html",
        {"error": error, "title": error.title},
        partial="_error.html",
        status_code=error.status,
    )


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "the request is not valid", None
    first = errors[0]
    where = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = ".".join(where) or None
    message = str(first.get("msg", "invalid value"))
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    return (f"{field}: {message}" if field else message), field


def install_error_handlers(app: FastAPI) -> None:
    async def on_web_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        response = _respond(request, exc)
        response.headers.update(exc.headers)
        return response

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = str(exc.detail) if exc.detail else "error"
        error: WebError
        if exc.status_code == 404:
            error = NotFound("There is no page at this address.")
        elif exc.status_code == 413:
            error = BodyTooLarge(message)
        else:
            error = WebError(message, status=exc.status_code)
        response = _respond(request, error)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        message, field = _validation_message(exc)
        return _respond(request, BadInput(message, field=field))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(request, WebError("Something went wrong on our side.", status=500))

    app.add_exception_handler(WebError, on_web_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
