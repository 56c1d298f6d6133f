"""Shared fixtures for the web tests: an app on a fresh, migrated SQLite file per test.

``make_client(**settings)`` builds a TestClient for an app with its own database, the
bank given (``bank=...``, default: a small bank of y = Wx exercises built here) and the
real grader. Other suites can reuse these fixtures (``make_client``, ``client``,
``stub_bank``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from app.store.migrate import upgrade
from app.web.main import create_app


@dataclass
class StubExercise:
    """An exercise with the attributes and methods the web app uses from the bank."""

    id: str
    title: str
    lesson: str
    prompt: str
    variables: dict[str, str]
    function: str
    wrt: list[str]
    expected_shape: list[int]
    layout: str = "numerator"
    answer_form: str = "expression"
    hints: list[str] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    skills: tuple[str, ...] = ("layout", "shapes")

    def problem(self, seed: int | None = None) -> Any:
        from app.grading import Problem

        return Problem(
            variables=dict(self.variables),
            function=self.function,
            wrt=list(self.wrt),
            layout=self.layout,
        )

    def variant(self, seed: int | None = None) -> dict[str, Any]:
        from app.mathlang import parse_declaration

        shapes = {n: list(parse_declaration(n, s).shape()) for n, s in self.variables.items()}
        return {
            "seed": seed,
            "sizes": {},
            "values": {},
            "shapes": shapes,
            "expected_shape": list(self.expected_shape),
        }


class StubBank:
    def __init__(self, exercises: list[StubExercise]) -> None:
        self.exercises = exercises

    def get(self, exercise_id: str) -> StubExercise | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def by_lesson(self, slug: str) -> list[StubExercise]:
        return [e for e in self.exercises if e.lesson == slug]


def default_stub_bank() -> StubBank:
    return StubBank(
        [
            StubExercise(
                id="wx-jacobian",
                title="The Jacobian of $y = Wx$",
                lesson="y-equals-wx",
                prompt="Let $y = Wx$ with $W \\in \\mathbb{R}^{3 \\times 4}$. Give "
                "$\\partial y / \\partial x$ in **numerator** layout.",
                variables={"W": "3x4", "x": "4"},
                function="W x",
                wrt=["x"],
                expected_shape=[3, 4],
                hints=["Write $y_i = \\sum_k W_{ik} x_k$.", "Differentiate one entry by $x_j$."],
            ),
            StubExercise(
                id="xw-numeric",
                title="Numbers for $y = Wx$",
                lesson="y-equals-wx",
                prompt="Fill in the Jacobian entry by entry.",
                variables={"W": "2x3", "x": "3"},
                function="W x",
                wrt=["x"],
                expected_shape=[2, 3],
                answer_form="numeric",
            ),
        ]
    )


@pytest.fixture
def stub_bank() -> StubBank:
    return default_stub_bank()


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(*, bank: Any | None = None, **overrides: Any) -> TestClient:
        if "database_url" not in overrides:
            overrides["database_url"] = f"sqlite:///{tmp_path / f'web{len(clients)}.db'}"
            upgrade(overrides["database_url"])
        settings = Settings(**overrides)
        app = create_app(settings, bank=bank if bank is not None else default_stub_bank())
        client = TestClient(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.app.state.tutor.database.dispose()  # type: ignore[attr-defined]
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
