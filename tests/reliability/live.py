"""A real ``jtutor serve`` process for tests that need one: start, wait, kill -9, restart.

The reliability and deploy tests talk to the server over HTTP exactly as a browser or a
load balancer would, so what they prove (no 5xx, nothing acknowledged lost) is about the
program an operator runs, not about an in-process test client. The server runs in its own
process group, so a crash can take its grading workers with it, as a machine failure would.

PostgreSQL databases are isolated per test by a fresh schema picked through the
connection's ``search_path`` (``fresh_postgres_url``), so two server processes on the same
URL share one database while other suites on the same server see nothing of it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[2]
SECRET = "reliability-tests-" + "k" * 32
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """One ``jtutor serve`` on loopback; ``start()`` returns once ``/healthz`` says 200."""

    database_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"serve-{self.port}.log"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "app",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db",
            self.database_url,
            "--log-level",
            "warning",
        ]

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start the server and wait for its first 200 on ``/healthz``; the seconds it took."""
        assert self.process is None or self.process.poll() is not None, "already running"
        environment = {
            **os.environ,
            "JTUTOR_SECRET_KEY": SECRET,
            "JTUTOR_HOME": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        environment.pop("DATABASE_URL", None)
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.workdir,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jtutor serve exited early:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill9()
        raise RuntimeError(f"jtutor serve did not become healthy:\n{self.log_tail()}")

    def kill9(self) -> None:
        """SIGKILL the server and every process it started (its grading workers)."""
        if self.process is None:
            return
        pid = self.process.pid
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # the server itself first, as `kill -9 PID` does
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # then what it started (forkserver, workers)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A polite stop (SIGTERM, as an orchestrator sends), then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            self._reap_group()
            return
        self.process.terminate()
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        self.kill9()

    def _reap_group(self) -> None:
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def rss_bytes(self) -> int:
        """Resident memory of the server process and its children (workers), in bytes."""
        assert self.process is not None
        return sum(_rss(pid) for pid in _tree(self.process.pid))

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextmanager
def fresh_postgres_url(base_url: str) -> Iterator[str]:
    """A URL on ``base_url``'s database whose tables live in a new schema, dropped after."""
    from sqlalchemy import text

    from app.store.database import make_engine

    schema = f"rel_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    url = f"{base_url}{separator}options={quote(f'-csearch_path={schema}', safe='')}"
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def postgres_base_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    assert url, "PostgreSQL tests need TEST_DATABASE_URL"
    return url


class Learner:
    """One browser: its own cookie jar, talking to one or more servers."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.client = httpx.Client(timeout=timeout)

    def attempt(self, base: str, exercise_id: str, answer: str, seed: int) -> httpx.Response:
        return self.client.post(
            f"{base}/api/v1/exercises/{exercise_id}/attempts",
            json={"answer": answer, "seed": seed},
        )

    def stored_ids(self, base: str) -> set[int]:
        """Every attempt id the server lists for this learner (all pages)."""
        ids: set[int] = set()
        offset = 0
        while True:
            response = self.client.get(
                f"{base}/api/v1/attempts", params={"limit": 500, "offset": offset}
            )
            response.raise_for_status()
            page: list[dict[str, Any]] = response.json()["attempts"]
            ids.update(int(a["id"]) for a in page)
            if len(page) < 500:
                return ids
            offset += 500

    def close(self) -> None:
        self.client.close()
