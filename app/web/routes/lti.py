"""The LTI 1.3 tool's endpoints: ``/lti/login``, ``/lti/launch``, ``/lti/deep-link``, ``/lti/jwks``.

* ``/lti/login`` (GET or POST): OIDC third-party-initiated login. The platform must be
  registered (``jtutor lti add-platform``); a fresh state and nonce are stored and the
  browser goes on to the platform's authorisation URL.
* ``/lti/launch`` (POST ``id_token`` + ``state``): the state is taken (one use, ten
  minutes), the id_token validated against the platform's JWKS (fetched and cached), its
  nonce spent; a resource link lands on its tool page signed in as the LMS user, a
  deep-linking request shows the picker.
* ``/lti/deep-link`` (the picker's POST): the signed ``LtiDeepLinkingResponse`` goes back
  to the platform in an auto-submitted form.

State is kept in the database, so any server process can take the launch. The login also
sets a short-lived state cookie; when the launch brings it back it must match (a launch
started in another browser is refused), but its absence is tolerated, because browsers
that block third-party cookies drop it inside an LMS iframe: the stored, single-use state
and nonce still tie the launch to its login.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadData, URLSafeTimedSerializer

from app.lti.keys import jwks, signing_key
from app.lti.launch import Landed, record_launch
from app.lti.oidc import LoginRefused, authorisation_redirect, new_state_and_nonce, read_login
from app.lti.platform_keys import KeySetUnavailable, PlatformKeys
from app.lti.tokens import (
    DEEP_LINKING,
    LEEWAY_SECONDS,
    KeyMismatch,
    Launch,
    LaunchRefused,
    deep_linking_response,
    validate_id_token,
)
from app.store import courses
from app.store import lti as store
from app.web.deps import TutorDep
from app.web.errors import WebError
from app.web.learner import cookie_header, serializer_for
from app.web.rendering import render
from app.web.tutor import Tutor

router = APIRouter(tags=["lti"])

STATE_COOKIE = "jtutor_lti_state"
STATE_LIFETIME = timedelta(minutes=10)
DEEP_LINK_LIFETIME_SECONDS = 3600
_platform_keys = PlatformKeys()


class Refused(WebError):
    status = 403
    title = "Launch refused"


def _public_base(request: Request) -> str:
    """The tool's address as the LMS knows it: the request's Host, and https whenever
    ``JTUTOR_HTTPS`` is on (behind a TLS-terminating proxy the app itself sees http)."""
    base = str(request.base_url).rstrip("/")
    if request.app.state.tutor.settings.https and base.startswith("http://"):
        base = "https://" + base.removeprefix("http://")
    return base


@router.get("/lti/jwks", summary="The tool's public keys (JWKS, RFC 7517)")
def lti_jwks(tutor: TutorDep) -> JSONResponse:
    with tutor.database.write() as session:  # makes the first key on first need
        key_set = jwks(session)
    return JSONResponse(key_set, headers={"Cache-Control": "public, max-age=300"})


@router.get(
    "/lti/login",
    summary="OIDC third-party-initiated login (LTI 1.3), as a GET",
    response_class=RedirectResponse,
    status_code=302,
)
async def lti_login_get(request: Request, tutor: TutorDep) -> Response:
    return await _login(request, tutor)


@router.post(
    "/lti/login",
    summary="OIDC third-party-initiated login (LTI 1.3), as a form POST",
    response_class=RedirectResponse,
    status_code=302,
)
async def lti_login_post(request: Request, tutor: TutorDep) -> Response:
    return await _login(request, tutor)


async def _login(request: Request, tutor: Tutor) -> Response:
    """Store a fresh state and nonce; send the browser on to the platform's authorisation."""
    params: dict[str, str] = {k: v for k, v in request.query_params.items()}
    if request.method == "POST":
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    try:
        login = read_login(params)
    except LoginRefused as refusal:
        raise WebError(str(refusal), status=400) from None
    state, nonce = new_state_and_nonce()
    with tutor.database.write() as session:
        platform = store.platform_for(session, issuer=login.issuer, client_id=login.client_id)
        if platform is None:
            raise Refused(
                "This LMS is not registered with the tool (unknown issuer or client id); "
                "an administrator registers it with jtutor lti add-platform."
            )
        if login.deployment_id is not None and not store.deployment_known(
            session, platform_id=platform.id, deployment_id=login.deployment_id
        ):
            raise Refused("This deployment id is not registered for the LMS.")
        store.save_state(
            session, state=state, nonce=nonce, platform_id=platform.id, ttl=STATE_LIFETIME
        )
        auth_url, client_id = platform.auth_url, platform.client_id
    target = authorisation_redirect(
        auth_url=auth_url,
        client_id=client_id,
        redirect_uri=f"{_public_base(request)}/lti/launch",
        login=login,
        state=state,
        nonce=nonce,
    )
    response = RedirectResponse(target, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=int(STATE_LIFETIME.total_seconds()),
        path="/lti/",
        httponly=True,
        secure=tutor.settings.https,
        samesite="none" if tutor.settings.https else "lax",
    )
    return response


def _validated(
    tutor: Tutor, *, id_token: str, state: str, cookie_state: str | None
) -> tuple[Launch, int]:
    """The launch of a valid id_token and its platform's row id; :class:`Refused` otherwise."""
    with tutor.database.write() as session:
        stored = store.take_state(session, state=state)  # spent whatever happens next
        platform = session.get(store.LtiPlatform, stored.platform_id) if stored else None
        if stored is None or platform is None:
            raise Refused(
                "This launch's state is unknown, used or expired; open the link in the LMS again."
            )
        issuer, client_id, jwks_url = platform.issuer, platform.client_id, platform.jwks_url
        platform_id, nonce = platform.id, stored.nonce
    if cookie_state is not None and cookie_state != state:
        raise Refused("This launch was started in another browser window or session.")

    def deployment_known(deployment_id: str) -> bool:
        with tutor.database.read() as session:
            return store.deployment_known(
                session, platform_id=platform_id, deployment_id=deployment_id
            )

    def validate(key_set: dict[str, Any]) -> Launch:
        return validate_id_token(
            id_token,
            issuer=issuer,
            client_id=client_id,
            key_set=key_set,
            expected_nonce=nonce,
            deployment_known=deployment_known,
        )

    try:
        key_set, fetched_now = _platform_keys.key_set(jwks_url, id_token)
        try:
            launch = validate(key_set)
        except KeyMismatch:
            # A cached key set may be out of date (the platform rotated its key): fetch
            # it again once, if it was not fetched a moment ago, and check again.
            fresh = None if fetched_now else _platform_keys.refreshed(jwks_url)
            if fresh is None:
                raise
            launch = validate(fresh)
    except KeySetUnavailable as problem:
        raise WebError(str(problem), status=502) from None
    except LaunchRefused as refusal:
        raise Refused(f"The launch was refused: {refusal}.") from None
    expires = datetime.fromtimestamp(float(launch.claims["exp"]) + LEEWAY_SECONDS, UTC)
    with tutor.database.write() as session:
        if not store.use_nonce(
            session, platform_id=platform_id, nonce=str(launch.claims["nonce"]), expires_at=expires
        ):
            raise Refused("The launch was refused: this id_token was used before (replay).")
    return launch, platform_id


def _land(tutor: Tutor, launch: Launch, platform_id: int) -> Landed:
    with tutor.database.write() as session:
        return record_launch(session, platform_id=platform_id, launch=launch)


@router.post("/lti/launch", summary="LTI 1.3 launch: the platform's id_token form post")
async def lti_launch(request: Request, tutor: TutorDep) -> Response:
    form = await request.form()
    if form.get("error"):
        detail = str(form.get("error_description") or form.get("error"))
        raise Refused(f"The LMS did not authorise the launch: {detail}")
    id_token, state = form.get("id_token"), form.get("state")
    if not isinstance(id_token, str) or not id_token or not isinstance(state, str) or not state:
        raise WebError("A launch needs the id_token and state the LMS posts.", status=400)
    launch, platform_id = await run_in_threadpool(
        _validated,
        tutor,
        id_token=id_token,
        state=state,
        cookie_state=request.cookies.get(STATE_COOKIE),
    )
    landed = await run_in_threadpool(_land, tutor, launch, platform_id)
    if launch.message_type == DEEP_LINKING:
        response: Response = _picker(request, tutor, launch, platform_id, landed)
    else:
        response = RedirectResponse(landed.target.path, status_code=303)
    settings = tutor.settings
    response.headers.append(
        "set-cookie",
        cookie_header(
            serializer_for(settings.secret_key),
            cookie_name=settings.cookie_name,
            learner_id=landed.learner_id,
            max_age=settings.cookie_max_age_days * 86_400,
            secure=settings.https,
            cross_site=True,
        ),
    )
    response.delete_cookie(STATE_COOKIE, path="/lti/")
    return response


# -- deep linking ----------------------------------------------------------------------------


def _deep_link_serializer(tutor: Tutor) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(tutor.settings.secret_key, salt="jtutor.lti.deep-link")


def _picker(
    request: Request, tutor: Tutor, launch: Launch, platform_id: int, landed: Landed
) -> HTMLResponse:
    settings = launch.deep_linking or {}
    accepted = settings.get("accept_types") or ["ltiResourceLink"]
    if "ltiResourceLink" not in accepted:
        raise Refused("The LMS accepts no LTI resource links here, the only kind the tool offers.")
    ticket = _deep_link_serializer(tutor).dumps(
        {
            "platform": platform_id,
            "deployment": launch.deployment_id,
            "return_url": settings["deep_link_return_url"],
            "data": settings.get("data"),
            "course": landed.course_id,
            "lineitems": settings.get("accept_lineitem") is not False,
        }
    )
    assignments = []
    if landed.course_id is not None:
        with tutor.database.read() as session:
            assignments = courses.course_assignments(session, course_id=landed.course_id)
    context = {
        "title": "Choose what to place in the LMS",
        "ticket": ticket,
        "multiple": settings.get("accept_multiple", True) is not False,
        "exercises": tutor.catalogue.exercises(),
        "assignments": assignments,
        "course_title": launch.context_title,
    }
    response = render(request, "lti/deep_link.html", context)
    response.headers["Content-Security-Policy"] = _framed_policy(
        _origin(settings["deep_link_return_url"])
    )
    return response


def _content_items(
    request: Request,
    tutor: Tutor,
    exercise_ids: list[str],
    assignment_ids: list[int],
    *,
    lineitems: bool = True,
) -> list[dict[str, Any]]:
    """Resource links to tool pages, each with a line item for its grade unless the
    platform said it accepts none (``accept_lineitem: false``)."""
    base = _public_base(request)
    items: list[dict[str, Any]] = []
    for exercise_id in exercise_ids:
        exercise = tutor.catalogue.exercise(exercise_id)
        items.append(
            {
                "type": "ltiResourceLink",
                "title": exercise.title,
                "url": f"{base}/exercises/{exercise.id}",
                "custom": {"exercise_id": exercise.id},
                "lineItem": {
                    "scoreMaximum": 1,
                    "label": exercise.title,
                    "resourceId": f"exercise:{exercise.id}",
                },
            }
        )
    with tutor.database.read() as session:
        for assignment_id in assignment_ids:
            assignment = session.get(courses.Assignment, assignment_id)
            if assignment is None:
                raise WebError(f"There is no assignment {assignment_id}.", status=404)
            count = len(courses.assignment_exercises(session, assignment_id=assignment_id))
            items.append(
                {
                    "type": "ltiResourceLink",
                    "title": assignment.title,
                    "url": f"{base}/assignments/{assignment.id}",
                    "custom": {"assignment_id": str(assignment.id)},
                    "lineItem": {
                        "scoreMaximum": max(count, 1),
                        "label": assignment.title,
                        "resourceId": f"assignment:{assignment.id}",
                    },
                }
            )
    if not lineitems:
        for item in items:
            del item["lineItem"]
    return items


@router.post("/lti/deep-link", include_in_schema=False)
async def lti_deep_link(request: Request, tutor: TutorDep) -> HTMLResponse:
    """The picker's choice, signed and sent back to the platform (an empty choice cancels)."""
    form = await request.form()
    try:
        ticket = _deep_link_serializer(tutor).loads(
            str(form.get("ticket") or ""), max_age=DEEP_LINK_LIFETIME_SECONDS
        )
    except BadData:
        raise Refused(
            "This choice has expired or was not made here; launch again from the LMS."
        ) from None
    exercise_ids = [str(v) for v in form.getlist("exercise") if str(v)]
    assignment_ids = [int(str(v)) for v in form.getlist("assignment") if str(v).isdigit()]
    if form.get("cancel"):
        exercise_ids, assignment_ids = [], []
    items = _content_items(
        request, tutor, exercise_ids, assignment_ids, lineitems=ticket.get("lineitems", True)
    )
    with tutor.database.write() as session:
        platform = session.get(store.LtiPlatform, int(ticket["platform"]))
        if platform is None:
            raise Refused("The LMS this choice was for is no longer registered.")
        key = signing_key(session)
        token = deep_linking_response(
            deployment_id=str(ticket["deployment"]),
            data=ticket.get("data"),
            issuer=platform.issuer,
            client_id=platform.client_id,
            content_items=items,
            private_pem=key.private_pem,
            kid=key.kid,
        )
    return_url = str(ticket["return_url"])
    response = render(
        request,
        "lti/deep_link_return.html",
        {"title": "Back to the LMS", "return_url": return_url, "jwt": token, "items": items},
    )
    # The form posts to the LMS, so this page alone may submit a form to its origin.
    response.headers["Content-Security-Policy"] = _framed_policy(
        _origin(return_url), form_action=True
    )
    return response


def _framed_policy(lms_origin: str, *, form_action: bool = False) -> str:
    """The site's policy, but the LMS may frame the page (an LMS shows the deep-linking
    picker in a frame of its own; a frame-ancestors directive overrides X-Frame-Options)
    and, for the return page, the page may post its form to the LMS."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        f"base-uri 'self'; form-action 'self'{' ' + lms_origin if form_action else ''}; "
        f"frame-ancestors 'self' {lms_origin}"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
