"""``jtutor lti``: platforms registered from the command line, and key rotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main as jtutor
from app.store import Database
from app.store.lti import deployment_known, platform_for

REGISTRATION = [
    "--issuer", "https://lms.example.edu",
    "--client-id", "10000000000042",
    "--auth-url", "https://lms.example.edu/api/lti/authorize_redirect",
    "--token-url", "https://lms.example.edu/login/oauth2/token",
    "--jwks-url", "https://lms.example.edu/api/lti/security/jwks",
]  # fmt: skip


def test_add_platform_then_more_deployments_then_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert (
        jtutor(["lti", "--db", url, "add-platform", *REGISTRATION, "--deployment-id", "1:a"]) == 0
    )
    assert (
        jtutor(["lti", "--db", url, "add-platform", *REGISTRATION, "--deployment-id", "2:b"]) == 0
    )
    assert jtutor(["lti", "--db", url, "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].split("\t")[1:] == [
        "https://lms.example.edu",
        "10000000000042",
        "1:a,2:b",
    ]
    db = Database(url)
    with db.read() as s:
        platform = platform_for(s, issuer="https://lms.example.edu", client_id="10000000000042")
        assert platform is not None
        assert deployment_known(s, platform_id=platform.id, deployment_id="2:b")
    db.dispose()


def test_a_url_that_is_not_http_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    bad = [*REGISTRATION[:-1], "file:///etc/passwd", "--deployment-id", "d"]
    assert jtutor(["lti", "--db", url, "add-platform", *bad]) == 2
    assert "--jwks-url must be an http(s) URL" in capsys.readouterr().err


def test_rotate_key_prints_a_new_kid_each_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert jtutor(["lti", "--db", url, "rotate-key"]) == 0
    assert jtutor(["lti", "--db", url, "rotate-key"]) == 0
    kids = [line.split()[-1] for line in capsys.readouterr().out.splitlines()]
    assert len(kids) == 2 and kids[0] != kids[1]
