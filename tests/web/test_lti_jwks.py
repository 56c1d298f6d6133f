"""``/lti/jwks`` publishes the signing key (public parts only) and follows a rotation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.lti.keys import rotate_key
from tests.web import test_author_support as support

make_database = support.make_database
make_app_client = support.make_app_client
anon = support.anon


def test_jwks_publishes_public_keys_and_the_rotated_one(anon: TestClient) -> None:
    first = anon.get("/lti/jwks")
    assert first.status_code == 200
    [key] = first.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["n"] and "d" not in key
    assert anon.get("/lti/jwks").json()["keys"] == [key]  # made once
    with anon.app.state.tutor.database.write() as session:  # type: ignore[attr-defined]
        new = rotate_key(session).kid
    kids = [k["kid"] for k in anon.get("/lti/jwks").json()["keys"]]
    assert kids == [new, key["kid"]]
