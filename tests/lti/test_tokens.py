"""id_token validation refuses every forged or stale launch and accepts a proper one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from app.lti import keys
from app.lti.tokens import (
    CLAIM,
    DEEP_LINKING,
    DL_CLAIM,
    LaunchRefused,
    client_assertion,
    deep_linking_response,
    validate_id_token,
)

ISSUER, CLIENT, DEPLOYMENT, NONCE = "https://lms.example", "tool-client", "dep-1", "n-123"
PLATFORM_PEM = keys.new_private_pem()
OTHER_PEM = keys.new_private_pem()
PLATFORM_JWKS = {"keys": [keys.public_jwk(PLATFORM_PEM, "plat-1")]}


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "user-7",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "name": "Ann Learner",
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": DEPLOYMENT,
        CLAIM + "resource_link": {"id": "rl-1"},
        CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        CLAIM + "context": {"id": "ctx-1", "title": "Calculus"},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict[str, Any], pem: str = PLATFORM_PEM, kid: str = "plat-1") -> str:
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})


def _validate(token: str, nonce: str = NONCE) -> Any:
    return validate_id_token(
        token,
        issuer=ISSUER,
        client_id=CLIENT,
        key_set=PLATFORM_JWKS,
        expected_nonce=nonce,
        deployment_known=lambda d: d == DEPLOYMENT,
    )


def test_a_proper_launch_is_accepted() -> None:
    launch = _validate(_token(_claims()))
    assert (launch.subject, launch.name, launch.context_id) == ("user-7", "Ann Learner", "ctx-1")
    assert not launch.is_instructor


# Tokens are made when the test runs, not when it is collected: a token made at collection
# would have expired by the time a long suite reaches it, and be refused for that instead.
@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda: _token(_claims(), pem=OTHER_PEM), "signature"),
        (lambda: _token(_claims(aud="another-tool")), "client id"),
        (lambda: _token(_claims(aud=[CLIENT, "x"])), "azp"),
        (lambda: _token(_claims(aud=[CLIENT, "x"], azp="x")), "azp"),
        (lambda: _token(_claims(iss="https://evil.example")), "issuer"),
        (
            lambda: _token(_claims(exp=int(time.time()) - 3600, iat=int(time.time()) - 4000)),
            "expired",
        ),
        (lambda: _token(_claims(iat=int(time.time()) - 3000)), "iat"),
        (lambda: _token(_claims(nonce="other")), "nonce"),
        (lambda: _token(_claims(**{CLAIM + "deployment_id": "dep-2"})), "deployment"),
        (lambda: _token(_claims(**{CLAIM + "version": "1.1"})), "version"),
        (
            lambda: _token(_claims(**{CLAIM + "message_type": "LtiSubmissionReview"})),
            "message type",
        ),
        (lambda: _token(_claims(**{CLAIM + "resource_link": None})), "resource link"),
        (lambda: _token(_claims(), kid="unknown"), "kid"),
        (lambda: "not.a.jwt", "JWT"),
        (
            lambda: jwt.encode(_claims(), "secret-of-32-bytes-at-least-here", algorithm="HS256"),
            "RS256",
        ),
    ],
)
def test_forged_or_stale_launches_are_refused(make_token: Callable[[], str], reason: str) -> None:
    token = make_token()
    with pytest.raises(LaunchRefused, match=reason):
        _validate(token)


def test_deep_linking_response_is_signed_by_the_tool_and_verifies_with_its_jwks() -> None:
    settings = {"deep_link_return_url": "https://lms.example/dl", "data": "opaque"}
    launch = _validate(
        _token(
            _claims(
                **{
                    CLAIM + "message_type": DEEP_LINKING,
                    DL_CLAIM + "deep_linking_settings": settings,
                }
            )
        )
    )
    tool_pem = keys.new_private_pem()
    tool_jwk = keys.public_jwk(tool_pem, "tool-1")
    items = [{"type": "ltiResourceLink", "title": "Ex", "url": "https://tool/lti/launch"}]
    assert launch.deep_linking is not None
    token = deep_linking_response(
        deployment_id=launch.deployment_id,
        data=launch.deep_linking.get("data"),
        issuer=ISSUER,
        client_id=CLIENT,
        content_items=items,
        private_pem=tool_pem,
        kid="tool-1",
    )
    assert jwt.get_unverified_header(token)["kid"] == "tool-1"
    claims = jwt.decode(
        token, jwt.PyJWK(tool_jwk).key, algorithms=["RS256"], audience=ISSUER, issuer=CLIENT
    )
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[DL_CLAIM + "content_items"] == items and claims[DL_CLAIM + "data"] == "opaque"
    assert claims[CLAIM + "deployment_id"] == DEPLOYMENT


def test_client_assertion_names_the_tool_and_the_token_endpoint() -> None:
    token = client_assertion(
        client_id=CLIENT, token_url="https://lms/token", private_pem=PLATFORM_PEM, kid="k"
    )
    claims = jwt.decode(
        token,
        jwt.PyJWK(PLATFORM_JWKS["keys"][0]).key,
        algorithms=["RS256"],
        audience="https://lms/token",
    )
    assert claims["iss"] == claims["sub"] == CLIENT and claims["jti"]
