"""``/author/api/...``: the authoring checks and the exercise list as JSON, for scripts.

The same guards as the pages (``app.web.auth``): without a session the answer is 401, and
a POST needs the session's token in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from app.web.auth import SignedIn, instructor_router, require_instructor
from app.web.routes.author_checks import grade_with, run_checks
from app.web.routes.author_exercises import LearnerServices, services_of

router = instructor_router()

InstructorDep = Annotated[SignedIn, Depends(require_instructor)]
CatalogueDep = Annotated[LearnerServices, Depends(services_of)]


class CheckRequest(BaseModel):
    yaml: str = Field(description="an exercise file's text", max_length=200_000)


@router.get("/author/api/exercises")
def api_exercises(who: InstructorDep, services: CatalogueDep) -> dict[str, Any]:
    files = [{"id": e.id, "title": e.title, "source": "file"} for e in services.file_exercises()]
    stored = [
        {"id": e.id, "title": e.title, "source": "database"} for e in services.catalogue.all()
    ]
    return {"exercises": files + stored}


@router.post("/author/api/check")
async def api_check(body: CheckRequest, who: InstructorDep, services: CatalogueDep) -> Any:
    report = await run_in_threadpool(run_checks, body.yaml, grade_with(services))
    return report.to_dict()
