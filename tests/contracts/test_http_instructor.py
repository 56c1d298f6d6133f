"""Instructor sign-in from outside: ``jtutor instructor add`` then ``/login`` (DESIGN §10, §11).

Instructor pages need sign-in; state-changing forms carry CSRF protection; cookies are
HttpOnly and SameSite=Lax.
"""

from __future__ import annotations

import re

import httpx

from tests.contracts.conftest import Server, jtutor

EMAIL = "teacher@example.org"
PASSWORD = "correct horse battery staple 42"
REDIRECTS = (302, 303, 307)


def _login_form(client: httpx.Client) -> dict[str, str]:
    page = client.get("/login")
    assert page.status_code == 200
    fields = dict(re.findall(r"""<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)\"""", page.text))
    assert any("csrf" in name for name in fields), fields
    return fields


def _signed_in(client: httpx.Client) -> bool:
    response = client.get("/author")
    return response.status_code == 200


def test_author_needs_sign_in(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=60) as anonymous:
        response = anonymous.get("/author")
        assert response.status_code in (*REDIRECTS, 401, 403)
        if response.status_code in REDIRECTS:
            assert "/login" in response.headers["location"]


def test_instructor_added_by_the_cli_can_sign_in(server: Server) -> None:
    added = jtutor(
        ["instructor", "--db", server.database_url, "add", EMAIL, "--password-stdin"],
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr[-2000:]
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        form = _login_form(client)
        wrong = client.post("/login", data={**form, "email": EMAIL, "password": "not it"})
        assert wrong.status_code < 500
        assert not _signed_in(client)

        forged = {k: v for k, v in form.items() if "csrf" not in k}
        no_token = client.post("/login", data={**forged, "email": EMAIL, "password": PASSWORD})
        assert no_token.status_code < 500, no_token.status_code
        assert not _signed_in(client), "signed in without the CSRF token"

        form = _login_form(client)
        right = client.post("/login", data={**form, "email": EMAIL, "password": PASSWORD})
        assert right.status_code in (*REDIRECTS, 200), right.text[:300]
        for cookie in right.headers.get_list("set-cookie"):
            assert "httponly" in cookie.lower(), cookie
            assert "samesite=lax" in cookie.lower(), cookie
        assert _signed_in(client)
