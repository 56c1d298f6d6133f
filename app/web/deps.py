"""The dependencies of the routes, as ``Annotated`` aliases: the tutor and the learner.

``TutorDep`` is the running tutor (``app.web.tutor.Tutor``: settings, database, exercise
catalogue, grading), built once by ``create_app``; ``LearnerDep`` is the calling learner.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.web.tutor import Tutor


def get_tutor(request: Request) -> Tutor:
    tutor: Tutor = request.app.state.tutor
    return tutor


def get_learner_id(request: Request) -> str:
    """The calling learner, from the signed cookie (issued by ``LearnerCookieMiddleware``)."""
    learner_id: str = request.state.learner_id
    return learner_id


TutorDep = Annotated[Tutor, Depends(get_tutor)]
LearnerDep = Annotated[str, Depends(get_learner_id)]
