"""Black-box harness: the product is driven only from outside, as an independent checker would.

Every call goes through the ``jtutor`` command (a subprocess) or through HTTP against a real
``jtutor serve`` subprocess on a free port with its own SQLite file. Nothing from ``app`` is
imported here, so these tests check the published contracts of DESIGN §3, §4, §5, §9 and §11
and not the way the product happens to be built.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Generous: the machine is shared, and a hang is what we want to catch, not slowness.
CALL_TIMEOUT = 60.0
PARALLEL_CALLS = 3


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> object:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError:
            raise AssertionError(
                f"{self.command()} did not print JSON (exit {self.returncode}):\n"
                f"stdout: {self.stdout[:1000]!r}\nstderr: {self.stderr[-2000:]}"
            ) from None

    def command(self) -> str:
        return "jtutor " + " ".join(self.args)


def environment() -> dict[str, str]:
    """The caller's environment without a database URL, so every run names its own database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "PYTHONPATH": str(ROOT)}


def jtutor(
    args: Sequence[str],
    *,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = CALL_TIMEOUT,
) -> Completed:
    """Run ``python -m app ARGS`` (the same program as the ``jtutor`` script)."""
    proc = subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=timeout,
        env=environment(),
    )
    return Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def jtutor_many(calls: Sequence[Sequence[str]]) -> list[Completed]:
    """Run independent ``jtutor`` calls a few at a time (the machine has two cores)."""
    with ThreadPoolExecutor(max_workers=PARALLEL_CALLS) as pool:
        return list(pool.map(lambda a: jtutor(a), calls))


def var_flags(variables: dict[str, str]) -> list[str]:
    flags: list[str] = []
    for name, shape in variables.items():
        flags += ["--var", f"{name}={shape}"]
    return flags


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    base_url: str
    log: Path
    database_url: str


def _wait_until_up(base_url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jtutor serve exited {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base_url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"jtutor serve did not answer /healthz within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real ``jtutor serve`` (SQLite in a temp folder) shared by the HTTP and browser tests."""
    workdir = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = workdir / "serve.log"
    database_url = f"sqlite:///{workdir / 'contracts.db'}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--db",
                database_url,
            ],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment(),
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, proc, log)
        yield Server(base_url=base_url, log=log, database_url=database_url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
