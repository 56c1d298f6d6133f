"""``/lti/login`` behind a TLS-terminating proxy: the app sees http, the LMS must see https."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from app.store.lti import add_platform


def test_behind_a_tls_proxy_the_redirect_uri_is_https(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(https=True)
    with client.app.state.tutor.database.write() as session:  # type: ignore[attr-defined]
        add_platform(
            session,
            issuer="https://lms",
            client_id="c",
            deployment_ids=["d"],
            auth_url="https://lms/auth",
            token_url="https://lms/token",
            jwks_url="https://lms/jwks",
        )
    started = client.get(
        "/lti/login",
        params={"iss": "https://lms", "login_hint": "h", "target_link_uri": "https://tool/"},
        follow_redirects=False,
    )
    assert started.status_code == 302
    query = parse_qs(urlsplit(started.headers["location"]).query)
    assert query["redirect_uri"] == ["https://testserver/lti/launch"]
    state_cookie = started.headers["set-cookie"].lower()
    assert "jtutor_lti_state=" in state_cookie
    assert "samesite=none" in state_cookie and "secure" in state_cookie
