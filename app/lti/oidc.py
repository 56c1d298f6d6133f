"""OIDC third-party-initiated login (IMS Security Framework §5.1.1): the first leg of a launch.

The platform sends the browser to ``/lti/login`` with ``iss``, ``login_hint`` and
``target_link_uri`` (and optionally ``lti_message_hint``, ``client_id``,
``lti_deployment_id``); the tool answers with a redirect to the platform's authorisation
URL carrying a fresh ``state`` and ``nonce``, which the launch must then bring back.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit


class LoginRefused(ValueError):
    """The login initiation request lacks what the specification requires."""


@dataclass(frozen=True)
class LoginRequest:
    issuer: str
    login_hint: str
    target_link_uri: str
    client_id: str | None
    message_hint: str | None
    deployment_id: str | None


def read_login(params: Mapping[str, str]) -> LoginRequest:
    """The login initiation parameters (GET query or POST form alike)."""
    issuer = (params.get("iss") or "").strip()
    login_hint = params.get("login_hint") or ""
    target = params.get("target_link_uri") or ""
    if not issuer:
        raise LoginRefused("the login request names no issuer (iss)")
    if not login_hint:
        raise LoginRefused("the login request has no login_hint")
    if not target:
        raise LoginRefused("the login request has no target_link_uri")
    return LoginRequest(
        issuer=issuer,
        login_hint=login_hint,
        target_link_uri=target,
        client_id=params.get("client_id") or None,
        message_hint=params.get("lti_message_hint") or None,
        deployment_id=params.get("lti_deployment_id") or None,
    )


def new_state_and_nonce() -> tuple[str, str]:
    return secrets.token_urlsafe(32), secrets.token_urlsafe(32)


def authorisation_redirect(
    *,
    auth_url: str,
    client_id: str,
    redirect_uri: str,
    login: LoginRequest,
    state: str,
    nonce: str,
) -> str:
    """The platform's authorisation URL with the authentication request (§5.1.1.2)."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "login_hint": login.login_hint,
        "state": state,
        "nonce": nonce,
    }
    if login.message_hint is not None:
        params["lti_message_hint"] = login.message_hint
    parts = urlsplit(auth_url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
