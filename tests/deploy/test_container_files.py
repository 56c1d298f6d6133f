"""The self-hosting files say what the README promises: checked by reading them.

No Docker engine runs in the test suite (the image itself is built and served by
``container-smoke`` in CI), so these tests read ``Dockerfile``, ``compose.yaml`` and
``.dockerignore`` and hold them to issue 7: the official slim Python base, a non-root
user, the assets inside, a health check; two app replicas on PostgreSQL (with a health
check the app waits on) behind a reverse proxy, secrets that must be given, a volume.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("JTUTOR_SECRET_KEY", "POSTGRES_PASSWORD")

# ---------------------------------------------------------------- Dockerfile


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions((ROOT / "Dockerfile").read_text())


def test_every_stage_starts_from_the_slim_python_image(dockerfile: list[tuple[str, str]]) -> None:
    bases = [args.split()[0] for keyword, args in dockerfile if keyword == "FROM"]
    assert bases
    assert all(re.fullmatch(r"python:3\.11-slim(-bookworm)?", base) for base in bases), bases


def test_the_server_runs_as_a_user_that_is_not_root(dockerfile: list[tuple[str, str]]) -> None:
    stage = final_stage(dockerfile)
    users = [args for keyword, args in stage if keyword == "USER"]
    assert users, "the final stage never leaves root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    user_at = max(i for i, (keyword, _) in enumerate(stage) if keyword == "USER")
    cmd_at = max(i for i, (keyword, _) in enumerate(stage) if keyword in {"CMD", "ENTRYPOINT"})
    assert user_at < cmd_at


def test_health_check_and_command(dockerfile: list[tuple[str, str]]) -> None:
    stage = final_stage(dockerfile)
    health = [args for keyword, args in stage if keyword == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]
    command = " ".join(args for keyword, args in stage if keyword in {"CMD", "ENTRYPOINT"})
    assert "jtutor serve" in command
    assert "0.0.0.0" in command and "PORT" in command
    env = " ".join(args for keyword, args in stage if keyword == "ENV")
    assert re.search(r"\bPORT=8000\b", env)


def test_assets_are_inside_the_image(dockerfile: list[tuple[str, str]]) -> None:
    stage = final_stage(dockerfile)
    copied = " ".join(args for keyword, args in stage if keyword == "COPY")
    for folder in ("templates", "static", "exercises"):
        assert re.search(rf"\b{folder}\b", copied), f"{folder}/ is not copied into the image"
    # ... where the settings look for them (JTUTOR_HOME is the working directory).
    env = " ".join(args for keyword, args in stage if keyword == "ENV")
    home = re.search(r"JTUTOR_HOME=(\S+)", env)
    workdirs = [args for keyword, args in stage if keyword == "WORKDIR"]
    assert home and workdirs and workdirs[-1] == home.group(1)
    # The vendored front-end is in the tree, so the image needs no CDN.
    assert (ROOT / "static/vendor/htmx/htmx.min.js").is_file()
    assert (ROOT / "static/vendor/katex/katex.min.js").is_file()


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()
    }
    assert {".git", ".venv", "data"} <= ignored
    assert ".env" in ignored, "the secrets file beside compose.yaml must stay out of the image"
    for needed in ("app", "templates", "static", "exercises", "pyproject.toml"):
        assert needed not in ignored


# ---------------------------------------------------------------- compose.yaml

VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` substitution."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        present = env.get(name)
        if op in (":?", "?") and (present is None or (op == ":?" and present == "")):
            raise KeyError(f"{name}: {arg}")
        if op in (":-", "-") and (present is None or (op == ":-" and present == "")):
            return arg
        return present or ""

    return VARIABLE.sub(value, text.replace("$$", "\0")).replace("\0", "$")


@pytest.fixture(scope="module")
def compose_text() -> str:
    return (ROOT / "compose.yaml").read_text()


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    env = {name: f"secret-{name.lower()}" for name in SECRETS}
    data: dict[str, Any] = yaml.safe_load(interpolate(compose_text, env))
    return data


def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if "jacobian-tutor" in str(service.get("image", "")) and "command" not in service
    }


def test_required_secrets_must_be_given(compose_text: str) -> None:
    for name in SECRETS:
        assert re.search(rf"\$\{{{name}:\?", compose_text), f"{name} is not required"
        env = {other: "x" for other in SECRETS if other != name}
        with pytest.raises(KeyError, match=name):
            interpolate(compose_text, env)


def test_two_app_replicas_behind_a_reverse_proxy(compose: dict[str, Any]) -> None:
    apps = app_services(compose)
    assert len(apps) == 1, "one app service, scaled by replicas"
    (name, app), *_ = apps.items()
    assert app["deploy"]["replicas"] >= 2
    assert "ports" not in app, "replicas are reached through the proxy only"
    proxies = [s for s in compose["services"].values() if "nginx" in str(s.get("image", ""))]
    assert len(proxies) == 1
    proxy = proxies[0]
    assert proxy["ports"]
    mounted = [v.split(":")[0] for v in proxy["volumes"]]
    assert "./deploy/nginx.conf" in mounted
    conf = (ROOT / "deploy/nginx.conf").read_text()
    assert re.search(rf"server\s+{name}:8000;", conf)
    assert name in proxy["depends_on"]


def test_postgres_with_a_health_check_the_app_waits_on(compose: dict[str, Any]) -> None:
    services = compose["services"]
    databases = {
        n: s for n, s in services.items() if str(s.get("image", "")).startswith("postgres")
    }
    assert len(databases) == 1
    (db_name, db), *_ = databases.items()
    assert "pg_isready" in str(db["healthcheck"]["test"])
    assert db["environment"]["POSTGRES_PASSWORD"] == "secret-postgres_password"
    for app in app_services(compose).values():
        assert app["depends_on"][db_name]["condition"] == "service_healthy"
        url = app["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql") and f"@{db_name}:5432/" in url
        assert "secret-postgres_password" in url
        assert app["environment"]["JTUTOR_SECRET_KEY"] == "secret-jtutor_secret_key"
        assert str(app["environment"]["JTUTOR_PRODUCTION"]).lower() == "true"


def test_the_database_lives_on_a_named_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    db = next(s for s in services.values() if str(s.get("image", "")).startswith("postgres"))
    named = {v.split(":")[0]: v.split(":")[1] for v in db["volumes"]}
    volume = next(k for k, target in named.items() if target == "/var/lib/postgresql/data")
    assert volume in compose["volumes"]


def test_every_service_has_cpu_and_memory_limits(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert float(limits.get("cpus", 0)) > 0, f"{name} has no CPU limit"
        assert re.fullmatch(r"\d+[mg]", str(limits.get("memory", ""))), f"{name}: no memory limit"


def test_forwarded_for_is_believed_from_the_proxy_network_only(compose: dict[str, Any]) -> None:
    import ipaddress

    (app,) = app_services(compose).values()
    trusted = ipaddress.ip_network(app["environment"]["JTUTOR_TRUSTED_PROXIES"])
    (subnet,) = [c["subnet"] for c in compose["networks"]["edge"]["ipam"]["config"]]
    assert ipaddress.ip_network(subnet) == trusted
    proxy = next(s for s in compose["services"].values() if "nginx" in str(s.get("image", "")))
    assert proxy["networks"] == ["edge"] and "edge" in app["networks"]
    conf = (ROOT / "deploy/nginx.conf").read_text()
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", conf)
    assert "proxy_add_x_forwarded_for" not in conf


def test_the_proxy_serves_https_with_hsts_and_limits_request_rates(
    compose: dict[str, Any],
) -> None:
    conf = (ROOT / "deploy/nginx.conf").read_text()
    assert re.search(r"listen\s+443\s+ssl;", conf)
    assert "ssl_certificate /etc/nginx/certs/fullchain.pem;" in conf
    assert "ssl_certificate_key /etc/nginx/certs/privkey.pem;" in conf
    assert re.search(r'Strict-Transport-Security "max-age=\d{8,}[^"]*" always;', conf)
    assert re.search(r"listen\s+80;\s*\n\s*server_name _;\s*\n\s*return 301 https://", conf)
    zones = set(re.findall(r"limit_req_zone \S+ zone=(\w+):", conf))
    used = set(re.findall(r"limit_req zone=(\w+)", conf))
    assert len(zones) >= 3 and zones == used
    proxy = next(s for s in compose["services"].values() if "nginx" in str(s.get("image", "")))
    assert "./deploy/certs:/etc/nginx/certs:ro" in proxy["volumes"]
    assert any(str(p).endswith(":443") for p in proxy["ports"])
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "deploy/certs" in ignored  # keys never go into the image


def test_the_image_runs_in_production_mode_so_it_needs_a_secret(
    dockerfile: list[tuple[str, str]],
) -> None:
    env = " ".join(args for keyword, args in final_stage(dockerfile) if keyword == "ENV")
    assert re.search(r"\bJTUTOR_PRODUCTION=true\b", env)
    assert "JTUTOR_SECRET_KEY" not in env  # never baked in: each deployment brings its own
