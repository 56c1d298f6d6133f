"""The tool's RSA signing keys: made on first need, rotated by ``jtutor lti rotate-key``.

The newest active key signs (deep-linking responses, client assertions for the platform's
token endpoint); retired keys stay published in the JWKS for a grace period so that a
platform holding a cached key set still verifies what was signed just before a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.lti import LtiKey

KEY_BITS = 2048
RETIRED_KEPT = timedelta(days=7)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(private_pem: str, kid: str) -> dict[str, Any]:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    numbers = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": _b64(numbers.n),
        "e": _b64(numbers.e),
    }


def new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _kid(private_pem: str) -> str:
    """RFC 7638 thumbprint of the public key: stable, and says nothing of the private part."""
    jwk = public_jwk(private_pem, "")
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def rotate_key(session: Session) -> LtiKey:
    """A new signing key; the old ones stop signing but stay published for a while."""
    for old in session.scalars(select(LtiKey).where(LtiKey.active.is_(True))):
        old.active = False
        old.created_at = datetime.now(UTC)  # the start of its retirement
    pem = new_private_pem()
    key = LtiKey(kid=_kid(pem), private_pem=pem, active=True)
    session.add(key)
    session.flush()
    return key


def signing_key(session: Session) -> LtiKey:
    key = session.scalar(
        select(LtiKey).where(LtiKey.active.is_(True)).order_by(LtiKey.created_at.desc())
    )
    return key if key is not None else rotate_key(session)


def jwks(session: Session) -> dict[str, Any]:
    """The key set the platforms fetch: the signing key and recently retired ones."""
    signing_key(session)
    cutoff = datetime.now(UTC) - RETIRED_KEPT
    keys = []
    for key in session.scalars(select(LtiKey).order_by(LtiKey.created_at.desc())):
        created = key.created_at if key.created_at.tzinfo else key.created_at.replace(tzinfo=UTC)
        if key.active or created >= cutoff:
            keys.append(public_jwk(key.private_pem, key.kid))
    return {"keys": keys}
