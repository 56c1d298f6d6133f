"""The paths exam mode turns off, apart from the guard that refuses them: the templates ask
:func:`offered` before linking to one, and the error pages the guard raises are rendered by
the same templates (so this module imports nothing of the web layer)."""

from __future__ import annotations

from fastapi import Request

TURNED_OFF = ("/api/v1/grade", "/api/v1/derive", "/explore")
"""Paths (and everything below them) that exam mode turns off."""


def is_turned_off(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in TURNED_OFF)


def offered(request: Request, path: str) -> bool:
    """Whether a page may link to ``path``: not to a page exam mode has turned off."""
    return not (request.app.state.tutor.settings.exam_mode and is_turned_off(path))
