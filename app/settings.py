"""The settings of a running tutor, read from the environment (``JTUTOR_*``, ``DATABASE_URL``).

One class declares every setting with its help text, so the README section ``## Settings``
can be checked against it (a test fails when a setting is undocumented). In production
mode the app refuses to start with the default secret key: a known key would let anyone
forge a learner's cookie; outside it, ``jtutor serve`` accepts that key only when it
listens on loopback (:meth:`Settings.listen_refusal`).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only"
MIN_SECRET_LENGTH = 16
"""Production refuses shorter keys: an empty or tiny key would let anyone sign cookies."""
DEFAULT_DATABASE_URL = "sqlite:///./data/jtutor.db"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"10.0.0.0/8, 192.0.2.7"`` -> networks; ``ValueError`` names a bad entry."""
    networks = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"JTUTOR_TRUSTED_PROXIES: {item!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def is_loopback(host: str) -> bool:
    """Whether a server listening on ``host`` is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # 0.0.0.0, ::, a host name: assume the network can reach it


def _default_home() -> Path:
    """The source checkout when running from one, else the current directory."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "templates").is_dir() else Path.cwd()


class Settings(BaseSettings):
    """Everything an operator can set; each field's description is its help text."""

    model_config = SettingsConfigDict(env_prefix="JTUTOR_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("JTUTOR_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="SQLAlchemy URL of the database: sqlite:///PATH (the default keeps "
        "./data/jtutor.db) or postgresql://USER@HOST/DB (psycopg 3 is used).",
    )
    secret_key: str = Field(
        DEFAULT_SECRET,
        description="Key that signs the learner cookie. Set a long random value in production; "
        "the development default is accepted only by a server listening on loopback.",
    )
    production: bool = Field(
        False,
        description="Production mode: the app refuses to start with the default secret key.",
    )
    https: bool = Field(
        False,
        description="The site is served over https: cookies are marked Secure.",
    )
    trusted_proxies: str = Field(
        "",
        description="Addresses or networks of the reverse proxies whose X-Forwarded-For "
        "header is believed (comma-separated, e.g. 172.30.0.0/24); none by default, so the "
        "client is the address that connected. Independent of JTUTOR_HTTPS.",
    )
    exam_mode: bool = Field(
        False,
        description="Exam mode: the public grade and derive endpoints (POST /api/v1/grade, "
        "POST /api/v1/derive) and the /explore pages answer 403, so they cannot answer an "
        "exam's questions; exercises and their attempts work as usual.",
    )
    grading_timeout: float = Field(
        2.0,
        gt=0,
        le=120,
        description="Wall-clock limit in seconds for grading one answer (the worker is killed).",
    )
    grading_workers: int = Field(
        2,
        ge=1,
        le=64,
        description="Number of grading worker processes per app process.",
    )
    grading_memory_mb: int = Field(
        1024,
        ge=64,
        description="Memory limit of one grading worker process, in MiB.",
    )
    max_body_bytes: int = Field(
        64_000,
        ge=1_024,
        description="Largest request body accepted, in bytes; larger requests get 413.",
    )
    max_answer_chars: int = Field(
        2_000,
        ge=10,
        description="Longest answer text accepted, in characters; longer answers get 422.",
    )
    explore_max_dim: int = Field(
        12,
        ge=1,
        le=40,
        description="Largest size per axis of a variable on the Explore page (/explore); "
        "larger declarations are refused with a message that names the cap.",
    )
    api_max_entries: int = Field(
        10_000,
        ge=1,
        description="Entries of the largest variable a problem sent to POST /api/v1/grade may "
        "declare (10000 allows 100x100); larger declarations get 422 before anything is queued.",
    )
    max_grading_cost: int = Field(
        250_000,
        ge=1,
        description="Cost estimate a problem sent to POST /api/v1/grade may have: the entries "
        "differentiated by times the entries of all declared variables (W 40x40 and x, by x: "
        "65,600; W 100x100 and x, by x: 1,010,000); costlier problems get 422 before anything "
        "is queued.",
    )
    grading_queue: int = Field(
        32,
        ge=0,
        description="Gradings and derivations that may wait for a grading worker, per app "
        "process; past that a request gets 503 with Retry-After at once.",
    )
    learner_concurrency: int = Field(
        2,
        ge=1,
        description="Gradings (or previews) one learner may have running or waiting at once; "
        "more get 429 with Retry-After.",
    )
    client_concurrency: int = Field(
        16,
        ge=1,
        description="Gradings (or previews) one client address may have running or waiting "
        "at once, whatever its cookies; more get 429 with Retry-After.",
    )
    preview_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Worker processes per app process that read previews and POST /api/v1/parse "
        "(apart from the grading workers, so a preview never waits for a grading); previews "
        "beyond them wait in a queue as long as the grading queue.",
    )
    home: Path = Field(
        default_factory=_default_home,
        description="Folder that holds templates/, static/ and exercises/ (defaults to the "
        "source checkout, else the current directory).",
    )
    exercise_dirs: list[Path] = Field(
        default_factory=list,
        description="Extra folders of exercise files loaded beside the shipped bank "
        "(JSON list, e.g. '[\"/srv/exercises\"]').",
    )
    cookie_name: str = Field(
        "jtutor_learner",
        description="Name of the signed cookie that identifies an anonymous learner.",
    )
    cookie_max_age_days: int = Field(
        365,
        ge=1,
        description="How long a learner cookie lives, in days.",
    )
    check_on_start: bool = Field(
        True,
        description="Run the self-check of every exercise in the background when the app "
        "starts (as jtutor check does); failures are logged and listed on /author.",
    )
    migrate_on_start: bool = Field(
        True,
        description="Apply database migrations when the app starts (jtutor serve).",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Self:
        if self.production and self.has_weak_secret():
            raise ValueError(
                "JTUTOR_SECRET_KEY must be set to a non-default value of at least "
                f"{MIN_SECRET_LENGTH} characters when JTUTOR_PRODUCTION is on "
                "(e.g. the output of: openssl rand -hex 32)"
            )
        return self

    def has_weak_secret(self) -> bool:
        return self.secret_key == DEFAULT_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH

    def listen_refusal(self, host: str) -> str | None:
        """Why a server may not listen on ``host`` with these settings, or None.

        The development key is public (it is in this file), so anyone could sign a learner
        cookie with it: it is accepted only on loopback, where nobody else can connect."""
        if self.has_weak_secret() and not is_loopback(host):
            return (
                f"refusing to listen on {host} with the development secret key (or one "
                f"shorter than {MIN_SECRET_LENGTH} characters): set JTUTOR_SECRET_KEY "
                "(e.g. to the output of: openssl rand -hex 32), or listen on 127.0.0.1"
            )
        return None

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Field name -> the environment variable an operator sets."""
        names = {name: f"JTUTOR_{name.upper()}" for name in cls.model_fields}
        names["database_url"] = "DATABASE_URL"
        return names
