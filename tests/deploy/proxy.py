"""nginx in front of several ``jtutor serve`` processes on loopback, from the shipped config.

The ``server`` block is ``deploy/nginx.conf`` itself (the one compose mounts), with only
the upstream servers and the listening port replaced, so the scale-out test also proves
the proxy configuration operators run. Everything nginx writes (pid, logs, temp files)
goes in the test's folder; the access log records which upstream served each request.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.reliability.live import ROOT, free_port

SHIPPED = ROOT / "deploy" / "nginx.conf"
LOG_FORMAT = "$request_method $uri $status $upstream_addr"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    assert found, "nginx is not installed (Debian package nginx)"
    return found


def site_config(upstreams: list[str], port: int, tls: tuple[Path, Path] | None = None) -> str:
    """``deploy/nginx.conf`` with these upstream servers, its https server listening on
    loopback ``port``: with ``tls`` (certificate, key) over TLS with them, else over plain
    http with the TLS lines and the port-80 redirect left out (the locations, headers and
    rate limits are the shipped ones either way)."""
    text = SHIPPED.read_text()
    servers = "".join(f"    server {address};\n" for address in upstreams)
    text, replaced = re.subn(r"(?m)^\s*server\s+app:8000;\n", servers, text)
    assert replaced == 1, "deploy/nginx.conf no longer has `server app:8000;`"
    text, replaced = re.subn(r"(?ms)^server \{\n    listen 80;.*?^\}\n", "", text)
    assert replaced == 1, "deploy/nginx.conf no longer has its port-80 redirect server"
    listen = f"listen 127.0.0.1:{port}{' ssl' if tls else ''};"
    text, replaced = re.subn(r"listen\s+443\s+ssl;", listen, text)
    assert replaced == 1, "deploy/nginx.conf no longer has `listen 443 ssl;`"
    if tls:
        text = text.replace("/etc/nginx/certs/fullchain.pem", str(tls[0]))
        text = text.replace("/etc/nginx/certs/privkey.pem", str(tls[1]))
    else:
        text = re.sub(r"(?m)^\s*ssl_.*\n", "", text)
    return text


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for 127.0.0.1 (openssl)."""
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Proxy:
    upstreams: list[str]
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    tls: bool = False

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    def config(self) -> str:
        d = self.workdir
        temp = "\n".join(
            f"  {kind}_temp_path {d / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""
        return (
            f"{user}worker_processes 1;\npid {d / 'nginx.pid'};\n"
            f"error_log {d / 'error.log'} warn;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"  log_format upstreams '{LOG_FORMAT}';\n"
            f"  access_log {self.access_log} upstreams;\n"
            f"{temp}\n"
            f"{site_config(self.upstreams, self.port, self._certificate)}\n"
            "}\n"
        )

    _certificate: tuple[Path, Path] | None = None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.tls:
            self._certificate = self_signed(self.workdir)
        path = self.workdir / "nginx.conf"
        path.write_text(self.config())
        command = [nginx_binary(), "-p", str(self.workdir), "-c", str(path)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2, verify=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, (self.workdir / "error.log").read_text()
            time.sleep(0.05)
        raise AssertionError("nginx did not pass /healthz through")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def served_by(self, path_prefix: str) -> dict[str, int]:
        """How many requests under ``path_prefix`` each upstream answered with 2xx."""
        counts: dict[str, int] = {}
        for line in self.access_log.read_text().splitlines():
            _method, uri, status, upstream = line.split(" ", 3)
            if uri.startswith(path_prefix) and status.startswith("2"):
                counts[upstream] = counts.get(upstream, 0) + 1
        return counts
