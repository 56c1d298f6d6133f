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
from app.web.author_forms import refuse_hostile_yaml
from app.web.deps import TutorDep

router = instructor_router()

InstructorDep = Annotated[SignedIn, Depends(require_instructor)]


class CheckRequest(BaseModel):
    yaml: str = Field(description="an exercise file's text", max_length=200_000)


@router.get("/author/api/exercises")
def api_exercises(who: InstructorDep, tutor: TutorDep) -> dict[str, Any]:
    catalogue = tutor.catalogue
    files = [{"id": e.id, "title": e.title, "source": "file"} for e in catalogue.file_exercises()]
    stored = [
        {"id": e.id, "title": e.title, "source": "database"} for e in catalogue.authored.all()
    ]
    return {"exercises": files + stored}


@router.post("/author/api/check")
async def api_check(body: CheckRequest, who: InstructorDep, tutor: TutorDep) -> Any:
    refuse_hostile_yaml(body.yaml, field="yaml")
    report = await run_in_threadpool(tutor.check, body.yaml)
    return report.to_dict()
