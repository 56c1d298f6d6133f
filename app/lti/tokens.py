"""id_token validation (IMS Security Framework §5.1.3) and the JWTs the tool signs.

Every check of the specification is made and each refusal names the check that failed, so
a self-hoster registering a platform can tell a wrong client id from a clock skew. The
nonce's single use is the store's business (:func:`app.store.lti.use_nonce`): this module
only checks that it is the one the login step issued.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
AGS_SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
LEEWAY_SECONDS = 60
MAX_AGE_SECONDS = 600
INSTRUCTOR_ROLES = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
)


class LaunchRefused(ValueError):
    """The id_token failed a check; the message says which."""


class KeyMismatch(LaunchRefused):
    """No key of the key set verifies the id_token (a forgery, or a key set out of date)."""


@dataclass(frozen=True)
class Launch:
    """What the tool needs from a validated launch."""

    claims: dict[str, Any]
    message_type: str
    subject: str
    deployment_id: str
    name: str
    roles: tuple[str, ...]
    context_id: str | None
    context_title: str | None
    target_link_uri: str | None
    custom: dict[str, Any] = field(default_factory=dict)
    lineitem: str | None = None
    ags_scopes: tuple[str, ...] = ()
    deep_linking: dict[str, Any] | None = None

    @property
    def is_instructor(self) -> bool:
        return any(role in INSTRUCTOR_ROLES for role in self.roles)


def _key_for(token: str, key_set: dict[str, Any]) -> Any:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise LaunchRefused(f"the id_token is not a JWT ({error})") from None
    if header.get("alg") != "RS256":
        raise LaunchRefused("the id_token is not signed with RS256")
    keys = [k for k in key_set.get("keys", []) if isinstance(k, dict)]
    kid = header.get("kid")
    chosen = [k for k in keys if k.get("kid") == kid] if kid else keys[:1] if len(keys) == 1 else []
    if not chosen:
        raise KeyMismatch("no key of the platform's JWKS matches the id_token's kid")
    try:
        return RSAAlgorithm.from_jwk(chosen[0])
    except (jwt.PyJWTError, ValueError, KeyError) as error:
        raise LaunchRefused(f"the platform's key is unusable ({error})") from None


def validate_id_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    key_set: dict[str, Any],
    expected_nonce: str,
    deployment_known: Callable[[str], bool],
    now: float | None = None,
) -> Launch:
    """Verify signature, iss, aud/azp, exp/iat, nonce, deployment, version and message type."""
    key = _key_for(token, key_set)
    moment = time.time() if now is None else now
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=client_id,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"], "verify_sub": False},
        )
    except jwt.InvalidSignatureError:
        raise KeyMismatch("the id_token's signature does not verify") from None
    except jwt.ExpiredSignatureError:
        raise LaunchRefused("the id_token has expired") from None
    except jwt.InvalidAudienceError:
        raise LaunchRefused("the id_token is not addressed to this tool's client id") from None
    except jwt.InvalidIssuerError:
        raise LaunchRefused("the id_token's issuer is not the registered platform") from None
    except jwt.PyJWTError as error:
        raise LaunchRefused(f"the id_token is invalid ({error})") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise LaunchRefused("the id_token's azp is not this tool's client id")
    iat = float(claims["iat"])
    if iat > moment + LEEWAY_SECONDS or iat < moment - MAX_AGE_SECONDS:
        raise LaunchRefused("the id_token was issued too far from now (iat)")
    if not secrets.compare_digest(str(claims["nonce"]), expected_nonce):
        raise LaunchRefused("the id_token's nonce is not the one this login issued")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchRefused("the launch is not LTI version 1.3.0")
    message_type = claims.get(CLAIM + "message_type")
    if message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise LaunchRefused(f"unsupported LTI message type {message_type!r}")
    deployment_id = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment_id, str) or not deployment_known(deployment_id):
        raise LaunchRefused("the deployment id is not registered for this platform")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise LaunchRefused("the launch names no user (sub)")
    resource_link = claims.get(CLAIM + "resource_link")
    if message_type == RESOURCE_LINK and not (
        isinstance(resource_link, dict) and resource_link.get("id")
    ):
        raise LaunchRefused("a resource link launch without a resource link id")
    settings = claims.get(DL_CLAIM + "deep_linking_settings")
    if message_type == DEEP_LINKING and not (
        isinstance(settings, dict) and settings.get("deep_link_return_url")
    ):
        raise LaunchRefused("a deep-linking request without a return URL")
    context = claims.get(CLAIM + "context") or {}
    ags = claims.get(AGS_CLAIM) or {}
    name = claims.get("name") or " ".join(
        str(claims.get(part, "")) for part in ("given_name", "family_name")
    )
    return Launch(
        claims=claims,
        message_type=str(message_type),
        subject=subject,
        deployment_id=deployment_id,
        name=str(name).strip() or str(claims.get("email") or "LMS learner"),
        roles=tuple(str(r) for r in claims.get(CLAIM + "roles") or ()),
        context_id=str(context["id"]) if isinstance(context, dict) and context.get("id") else None,
        context_title=str(context.get("title")) if isinstance(context, dict) else None,
        target_link_uri=claims.get(CLAIM + "target_link_uri"),
        custom=dict(claims.get(CLAIM + "custom") or {}),
        lineitem=ags.get("lineitem") if isinstance(ags, dict) else None,
        ags_scopes=tuple(ags.get("scope") or ()) if isinstance(ags, dict) else (),
        deep_linking=settings if message_type == DEEP_LINKING else None,
    )


def deep_linking_response(
    *,
    deployment_id: str,
    data: Any,
    issuer: str,
    client_id: str,
    content_items: list[dict[str, Any]],
    private_pem: str,
    kid: str,
    now: float | None = None,
) -> str:
    """The signed LtiDeepLinkingResponse JWT to post back to ``deep_link_return_url``
    (Deep Linking 2.0 §4.2: iss is the tool's client id, aud the platform's issuer)."""
    moment = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": client_id,
        "aud": issuer,  # a single audience, as a string: the simplest form for any verifier
        "iat": moment,
        "exp": moment + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": deployment_id,
        DL_CLAIM + "content_items": content_items,
    }
    if data is not None:  # the request's opaque ``data``, returned as it came
        claims[DL_CLAIM + "data"] = data
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid})


def client_assertion(
    *, client_id: str, token_url: str, private_pem: str, kid: str, now: float | None = None
) -> str:
    """The JWT bearer client assertion (RFC 7523) for the platform's token endpoint."""
    moment = int(time.time() if now is None else now)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": moment,
        "exp": moment + 300,
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid})
