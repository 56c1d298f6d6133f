"""Instructor sign-in: argon2 accounts, the session cookie, throttling, sign-out."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from app.settings import DEFAULT_SECRET, Settings
from app.store.instructors import Instructor, InstructorSession
from app.web import auth
from tests.web import test_author_support as support
from tests.web.test_author_support import (
    EMAIL,
    PASSWORD,
    add_account,
    database_of,
    login_token,
    sign_in,
)

make_database = support.make_database
make_app_client = support.make_app_client
anon = support.anon
instructor = support.instructor


def _post_login(client: TestClient, password: str, email: str = EMAIL) -> int:
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    return response.status_code


def test_hash_is_argon2_and_verifies() -> None:
    hashed = auth.hash_password("s3cret-words")
    assert hashed.startswith("$argon2id$")
    assert "s3cret-words" not in hashed
    assert auth.verify_password(hashed, "s3cret-words")
    assert not auth.verify_password(hashed, "s3cret-wordz")
    assert not auth.verify_password("not a hash", "s3cret-words")


def test_sign_in_sets_a_hardened_session_cookie(anon: TestClient) -> None:
    response = anon.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": login_token(anon)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/author"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    assert anon.get("/author").status_code == 200


def test_cookie_is_secure_behind_https(make_app_client: Callable[..., TestClient]) -> None:
    client = make_app_client(https=True)
    add_account(client)
    client.base_url = client.base_url.copy_with(scheme="https")  # type: ignore[misc]
    response = client.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_email_is_case_insensitive_and_next_is_kept_local(anon: TestClient) -> None:
    token = login_token(anon)
    response = anon.post(
        "/login",
        data={
            "email": EMAIL.upper(),
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/author/dashboard",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/author/dashboard"
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert auth.safe_next(hostile) == "/author"


def test_wrong_password_and_unknown_account_are_refused_alike(anon: TestClient) -> None:
    wrong = anon.post(
        "/login",
        data={"email": EMAIL, "password": "nope", "csrf_token": login_token(anon)},
    )
    unknown = anon.post(
        "/login",
        data={"email": "who@example.org", "password": "nope", "csrf_token": login_token(anon)},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match" in wrong.text and "do not match" in unknown.text
    assert auth.SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    assert anon.get("/author", follow_redirects=False).status_code == 303


def test_login_form_from_a_browser_needs_its_token(anon: TestClient) -> None:
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
        {"Referer": "https://evil.example/page"},
    ):
        response = anon.post("/login", data={"email": EMAIL, "password": PASSWORD}, headers=headers)
        assert response.status_code == 403, headers
    forged = anon.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    assert anon.get("/author", follow_redirects=False).status_code == 303


def test_a_script_needs_the_login_token_too(anon: TestClient) -> None:
    response = anon.post(
        "/login", data={"email": EMAIL, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert auth.SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert anon.get("/author", follow_redirects=False).status_code == 303


def _from(client: TestClient, host: str) -> TestClient:
    """Another visitor of the same app, connecting from ``host``."""
    other = TestClient(client.app, client=(host, 40000))
    other.__enter__()
    return other


class _Clock:
    """``auth.now`` that a test moves forward."""

    def __init__(self) -> None:
        self.moment = auth.now()

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    """Time stands still unless a test moves it, so a slow machine cannot let a delay
    run out between two requests."""
    clock = _Clock()
    monkeypatch.setattr(auth, "now", clock)
    return clock


def test_the_delay_grows_with_each_failure() -> None:
    free = auth.FREE_FAILURES_PER_PAIR
    assert [auth.throttle_delay(n, free).total_seconds() for n in range(free + 5)] == [
        *([0.0] * free),
        *[1.0, 2.0, 4.0, 8.0, 16.0],
    ]
    assert auth.throttle_delay(10_000, free) == auth.MAX_DELAY


def test_after_the_free_failures_the_client_must_wait_even_with_the_right_password(
    anon: TestClient, clock: _Clock
) -> None:
    for _ in range(auth.FREE_FAILURES_PER_PAIR):
        assert _post_login(anon, "wrong-password") == 401
    refused = anon.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": login_token(anon)}
    )
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "Too many failed sign-ins" in refused.text
    clock.advance(1)
    assert _post_login(anon, "wrong-password") == 401  # 4 failures: now 2 s
    clock.advance(1.5)
    assert _post_login(anon, PASSWORD) == 429
    clock.advance(0.5)
    assert _post_login(anon, PASSWORD) == 303


def test_a_strangers_failures_do_not_lock_the_instructor_out(anon: TestClient) -> None:
    stranger = _from(anon, "127.0.0.2")
    instructor = _from(anon, "127.0.0.1")
    statuses = [_post_login(stranger, f"guess-{i}") for i in range(8)]
    assert statuses[: auth.FREE_FAILURES_PER_PAIR] == [401] * auth.FREE_FAILURES_PER_PAIR
    assert set(statuses[auth.FREE_FAILURES_PER_PAIR :]) == {429}  # the stranger waits
    assert _post_login(stranger, PASSWORD) == 429
    assert _post_login(instructor, PASSWORD) == 303  # from elsewhere: unaffected


def test_made_up_forwarded_headers_do_not_reset_a_clients_delay(
    make_app_client: Callable[..., TestClient],
) -> None:
    # no trusted proxies, then a proxy network the stranger is not in (one database)
    for trusted, host in (("", "127.0.0.2"), ("10.0.0.0/8", "127.0.0.4")):
        app_client = make_app_client(trusted_proxies=trusted)
        if not trusted:
            add_account(app_client)
        stranger = _from(app_client, host)
        for i in range(auth.FREE_FAILURES_PER_PAIR):
            assert _post_login(stranger, f"guess-{i}") == 401
        for i in range(6):
            forged = {"X-Forwarded-For": f"10.0.0.{i}", "X-Forwarded-Proto": "https"}
            response = stranger.post(
                "/login",
                data={"email": EMAIL, "password": PASSWORD, "csrf_token": login_token(stranger)},
                headers=forged,
                follow_redirects=False,
            )
            assert response.status_code == 429, (trusted, i)


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_delay(
    make_app_client: Callable[..., TestClient],
) -> None:
    client = make_app_client(trusted_proxies="127.0.0.3")
    add_account(client)
    proxy = _from(client, "127.0.0.3")

    def through_proxy(visitor: str, password: str) -> int:
        token = login_token(proxy)
        return proxy.post(
            "/login",
            data={"email": EMAIL, "password": password, "csrf_token": token},
            headers={"X-Forwarded-For": visitor},
            follow_redirects=False,
        ).status_code

    for i in range(auth.FREE_FAILURES_PER_PAIR):
        assert through_proxy("198.51.100.66", f"guess-{i}") == 401
    assert through_proxy("198.51.100.66", PASSWORD) == 429
    assert through_proxy("198.51.100.7", PASSWORD) == 303


def test_throttling_holds_across_two_server_processes(
    make_app_client: Callable[..., TestClient],
) -> None:
    first = make_app_client()
    add_account(first)
    second = make_app_client()  # another app on the same database, as a second process
    for i in range(auth.FREE_FAILURES_PER_PAIR):
        client = first if i % 2 else second
        assert _post_login(client, "wrong") == 401
    assert _post_login(first, PASSWORD) == 429
    assert _post_login(second, PASSWORD) == 429


def test_failures_are_throttled_per_client_over_all_emails(
    anon: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "FREE_FAILURES_PER_CLIENT", 3)
    for i in range(3):
        assert _post_login(anon, "wrong", email=f"guess{i}@example.org") == 401
    assert _post_login(anon, PASSWORD) == 429
    assert _post_login(_from(anon, "127.0.0.9"), PASSWORD) == 303


def test_success_clears_the_clients_failures(anon: TestClient) -> None:
    for _ in range(auth.FREE_FAILURES_PER_PAIR - 1):
        assert _post_login(anon, "wrong") == 401
    assert _post_login(anon, PASSWORD) == 303
    for _ in range(auth.FREE_FAILURES_PER_PAIR - 1):
        assert _post_login(anon, "wrong") == 401
    assert _post_login(anon, PASSWORD) == 303


def test_sign_out_ends_the_session_everywhere(instructor: tuple[TestClient, str]) -> None:
    client, token = instructor
    cookie = client.cookies.get(auth.SESSION_COOKIE)
    assert cookie
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert "Max-Age=0" in response.headers["set-cookie"] or "expires=" in (
        response.headers["set-cookie"].lower()
    )
    client.cookies.set(auth.SESSION_COOKIE, cookie)  # a copy of the old cookie is dead too
    assert client.get("/author", follow_redirects=False).status_code == 303


def test_sign_out_needs_the_csrf_token(instructor: tuple[TestClient, str]) -> None:
    client, token = instructor
    assert client.post("/logout", follow_redirects=False).status_code == 403
    page = client.get("/logout")  # a GET only offers the button
    assert page.status_code == 200 and f'value="{token}"' in page.text
    assert client.get("/author").status_code == 200
    stranger = TestClient(client.app)
    assert stranger.get("/logout", follow_redirects=False).headers["location"] == "/login"


def test_expired_session_is_refused(instructor: tuple[TestClient, str]) -> None:
    client, _ = instructor
    with database_of(client).write() as session:
        for row in session.scalars(select(InstructorSession)):
            row.expires_at = auth.now() - timedelta(seconds=1)
    assert client.get("/author", follow_redirects=False).status_code == 303


def test_database_keeps_only_hashes(instructor: tuple[TestClient, str]) -> None:
    client, _ = instructor
    cookie = client.cookies.get(auth.SESSION_COOKIE) or ""
    with database_of(client).read() as session:
        account = session.scalars(select(Instructor)).one()
        sessions = list(session.scalars(select(InstructorSession)))
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    assert [s.token_hash for s in sessions] == [auth.token_hash(cookie)]
    assert cookie not in sessions[0].token_hash


def test_a_new_sign_in_gets_a_new_session(anon: TestClient) -> None:
    sign_in(anon)
    first = anon.cookies.get(auth.SESSION_COOKIE)
    anon.cookies.clear()
    sign_in(anon)
    assert anon.cookies.get(auth.SESSION_COOKIE) != first


def test_login_page_escapes_the_echoed_email(anon: TestClient) -> None:
    response = anon.post(
        "/login",
        data={
            "email": '"><script>window.x=1</script>@x.org',
            "password": "nope",
            "csrf_token": login_token(anon),
        },
    )
    assert response.status_code == 401
    assert "<script>window.x=1</script>" not in response.text
    assert re.search(r"&lt;script&gt;|&#34;&gt;&lt;script", response.text)


def test_hashes_with_old_parameters_are_upgraded_at_sign_in(
    make_app_client: Callable[..., TestClient],
) -> None:
    client = make_app_client()
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=2).hash(PASSWORD)
    with database_of(client).write() as session:
        session.add(Instructor(email=EMAIL, password_hash=old))
    sign_in(client)
    with database_of(client).read() as session:
        upgraded = session.scalars(select(Instructor)).one().password_hash
    assert upgraded != old and "m=19456,t=2,p=1" in upgraded
    assert auth.verify_password(upgraded, PASSWORD)


class _CountingHasher:
    """The real argon2 hasher, counting every hash and verify it is asked for."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.calls: list[tuple[str, int]] = []

    def hash(self, password: str) -> str:
        self.calls.append(("hash", len(password)))
        return self.real.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append(("verify", len(password)))
        return self.real.verify(password_hash, password)

    def check_needs_rehash(self, password_hash: str) -> bool:
        return self.real.check_needs_rehash(password_hash)


def test_overlong_passwords_are_refused_without_hashing(
    anon: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = _CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", hasher)
    overlong = PASSWORD + "x" * auth.MAX_PASSWORD_CHARS
    assert _post_login(anon, "x" * auth.MAX_PASSWORD_CHARS) == 401  # at the limit: checked
    assert hasher.calls == [("verify", auth.MAX_PASSWORD_CHARS)]  # the counter sees argon2
    hasher.calls.clear()
    assert _post_login(anon, overlong) == 401
    assert _post_login(anon, "y" * 60_000, email="x@y.org") == 401
    assert hasher.calls == []  # refused before argon2 ever saw them
    with pytest.raises(ValueError, match="longer than"):
        auth.hash_password("x" * (auth.MAX_PASSWORD_CHARS + 1))
    assert hasher.calls == []


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError):
        Settings(production=True, secret_key=DEFAULT_SECRET)
    assert Settings(production=True, secret_key="x" * 40).production
