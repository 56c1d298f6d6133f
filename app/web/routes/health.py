"""``/healthz`` for load balancers and container probes: 200 only when the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app import __version__
from app.web.deps import TutorDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Health check (database reachable)")
def healthz(tutor: TutorDep) -> JSONResponse:
    ok = tutor.database.ping()
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "database": ok, "version": __version__},
        status_code=200 if ok else 503,
    )
