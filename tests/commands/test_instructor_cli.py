"""``jtutor instructor``: accounts made from the command line sign in on the web."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.cli import main as jtutor
from app.settings import Settings
from app.store import Database
from app.store.instructors import Instructor
from app.web import auth
from app.web.main import create_app

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"


def _run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return jtutor(["instructor", "--db", url, *args])


def test_add_list_remove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert (
        _run(monkeypatch, url, "add", "Ada@Example.org", "--password-stdin", stdin=PASSWORD + "\n")
        == 0
    )
    out = capsys.readouterr()
    assert "added instructor ada@example.org" in out.out
    assert PASSWORD not in out.out + out.err
    assert _run(monkeypatch, url, "add", "ada@example.org", "--password-stdin", stdin=PASSWORD) == 1
    assert "already exists" in capsys.readouterr().err
    assert _run(monkeypatch, url, "list") == 0
    assert re.search(r"^ada@example\.org\tadded \d{4}-\d\d-\d\d$", capsys.readouterr().out, re.M)
    database = Database(url)
    with database.read() as session:
        stored = session.scalars(select(Instructor)).one().password_hash
    database.dispose()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert _run(monkeypatch, url, "remove", "ada@example.org") == 0
    assert _run(monkeypatch, url, "remove", "ada@example.org") == 1
    capsys.readouterr()
    assert _run(monkeypatch, url, "list") == 0
    assert "no instructor accounts" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "is not an e-mail address"),
        ("a@b.org", "short", "at least 8 characters"),
        ("a@b.org", "", "at least 8 characters"),
    ],
)
def test_add_refuses_bad_input(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    email: str,
    password: str,
    message: str,
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run(monkeypatch, url, "add", email, "--password-stdin", stdin=password) == 2
    assert message in capsys.readouterr().err


def test_the_password_never_comes_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with pytest.raises(SystemExit):
        jtutor(["instructor", "--db", url, "add", "a@b.org"])  # --password-stdin is required
    with pytest.raises(SystemExit):
        jtutor(["instructor", "--db", url, "add", "a@b.org", "--password", PASSWORD])


def test_an_account_made_by_the_command_signs_in_on_the_web(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "instructor",
            "--db",
            url,
            "add",
            "prof@example.org",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form)
        assert token is not None
        response = client.post(
            "/login",
            data={"email": "prof@example.org", "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert client.get("/author").status_code == 200
    app.state.tutor.database.dispose()


def _login(client: TestClient, password: str) -> int:
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text)
    assert token is not None
    return client.post(
        "/login",
        data={"email": "prof@example.org", "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    ).status_code


def test_unlock_lifts_every_clients_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert (
        _run(monkeypatch, url, "add", "prof@example.org", "--password-stdin", stdin=PASSWORD) == 0
    )
    app = create_app(Settings(database_url=url, check_on_start=False))
    with TestClient(app, client=("127.0.0.2", 1)) as client:
        for i in range(6):
            _login(client, f"wrong-{i}")
        assert _login(client, PASSWORD) == 429
        capsys.readouterr()
        assert _run(monkeypatch, url, "unlock", "Prof@Example.org") == 0
        assert "unlocked prof@example.org: 3 failed sign-in(s) forgotten" in (
            capsys.readouterr().out
        )
        assert _login(client, PASSWORD) == 303
    app.state.tutor.database.dispose()
    assert _run(monkeypatch, url, "unlock", "nobody@example.org") == 1
    assert "there is no instructor" in capsys.readouterr().err


def test_password_sets_a_new_one_and_ends_every_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert (
        _run(monkeypatch, url, "add", "prof@example.org", "--password-stdin", stdin=PASSWORD) == 0
    )
    new = "another long password"
    app = create_app(Settings(database_url=url, check_on_start=False))
    with TestClient(app) as signed_in, TestClient(app) as later:
        assert _login(signed_in, PASSWORD) == 303
        assert signed_in.get("/author", follow_redirects=False).status_code == 200
        capsys.readouterr()
        code = _run(monkeypatch, url, "password", "prof@example.org", "--password-stdin", stdin=new)
        assert code == 0
        out = capsys.readouterr()
        assert "new password set for prof@example.org; 1 session(s) ended" in out.out
        assert new not in out.out + out.err
        assert signed_in.get("/author", follow_redirects=False).status_code == 303
        assert _login(later, PASSWORD) == 401
        assert _login(later, new) == 303
    app.state.tutor.database.dispose()


def test_password_at_a_terminal_is_typed_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert (
        _run(monkeypatch, url, "add", "prof@example.org", "--password-stdin", stdin=PASSWORD) == 0
    )
    typed = iter(["typed password 1", "typed password 2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    assert jtutor(["instructor", "--db", url, "password", "prof@example.org"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    typed = iter(["typed password 1"] * 2)
    assert jtutor(["instructor", "--db", url, "password", "prof@example.org"]) == 0
    database = Database(url)
    with database.read() as session:
        stored = session.scalars(select(Instructor)).one().password_hash
    database.dispose()
    assert auth.verify_password(stored, "typed password 1")
    assert _run(monkeypatch, url, "password", "nobody@example.org", stdin=PASSWORD) == 1
