"""``/lti/jwks``: the tool's public keys, fetched by LTI 1.3 platforms to verify what the tool
signs (deep-linking responses, client assertions for score passback)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.lti.keys import jwks
from app.web.deps import TutorDep

router = APIRouter(tags=["lti"])


@router.get("/lti/jwks", summary="The tool's public keys (JWKS, RFC 7517)")
def lti_jwks(tutor: TutorDep) -> JSONResponse:
    with tutor.database.write() as session:  # makes the first key on first need
        key_set = jwks(session)
    return JSONResponse(key_set, headers={"Cache-Control": "public, max-age=300"})
