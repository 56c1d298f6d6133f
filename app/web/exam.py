"""Exam mode (``JTUTOR_EXAM_MODE``): the public tools that would do a learner's work for them
are turned off while learners sit a test on the tutor.

``POST /api/v1/grade`` grades any answer to any problem and ``POST /api/v1/derive`` (with the
``/explore`` pages built on it) derives any function step by step; either would answer an
exam's question. In exam mode they answer 403 with a short reason; exercises, their
graded attempts and everything else work as usual. One app-wide dependency checks the
path, so a route added under these addresses is covered without touching it.
"""

from __future__ import annotations

from fastapi import Request

from app.web.errors import WebError
from app.web.exam_paths import is_turned_off


class TurnedOff(WebError):
    status = 403
    title = "Turned off during the exam"


def exam_guard(request: Request) -> None:
    """App-wide dependency: refuse the turned-off paths when exam mode is on."""
    if request.app.state.tutor.settings.exam_mode and is_turned_off(request.url.path):
        raise TurnedOff(
            "This part of the tutor is turned off while the exam is on "
            "(exam mode); exercises still work."
        )
