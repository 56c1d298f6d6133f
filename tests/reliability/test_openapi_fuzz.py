"""Schemathesis against ``/openapi.json`` of a real server: no request it makes gets a 5xx.

Schemathesis reads the published schema and draws valid requests (positive mode) and
requests that break it (negative mode: wrong types, missing fields, huge numbers, odd
unicode) for every operation. A 4xx is the right answer to a bad request; a 5xx means an
input reached code that did not expect it, which is the bug this test hunts.

The draws are repeatable (Hypothesis runs derandomized, ``tests/randomness.py``), so the
run that passed in CI passes again; ``JTUTOR_RANDOM_TESTS=N`` hunts with fresh draws.

The operations are read from the live server, so one test walks them all (schemathesis'
own pytest plugin is not used: it does not work with the pytest version installed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from tests.randomness import scaled
from tests.reliability.live import LiveServer

EXAMPLES_PER_OPERATION_AND_MODE = scaled(20)


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("openapi")
    server = LiveServer(database_url=f"sqlite:///{workdir / 'jtutor.db'}", workdir=workdir)
    server.start()
    yield server
    server.stop()


def fuzz_operation(operation: Any, mode: schemathesis.GenerationMode, base_url: str) -> int:
    """Send drawn requests to one operation; the number sent. A 5xx fails (and is shrunk)."""
    sent = 0

    @settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        nonlocal sent
        sent += 1
        response = case.call(base_url=base_url, timeout=30)
        assert response.status_code < 500, (
            f"{operation.label} -> {response.status_code}: path {case.path_parameters}, "
            f"query {case.query}, body {case.body!r:.300}; reply {response.text[:300]}"
        )

    send()
    return sent


@pytest.mark.timeout(600)
def test_no_request_gets_a_server_error(live_api: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(live_api.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"POST /api/v1/grade", "POST /api/v1/parse", "GET /api/v1/attempts"} <= labels
    failures: dict[str, str] = {}
    sent = 0
    for operation in operations:
        for mode in schemathesis.GenerationMode:
            try:
                sent += fuzz_operation(operation, mode, live_api.url)
            except Unsatisfiable:
                # Negative mode has nothing to break in an operation without inputs.
                assert mode is schemathesis.GenerationMode.NEGATIVE
            except AssertionError as failure:
                failures[f"{operation.label} ({mode.value})"] = str(failure)[:600]
    assert failures == {}
    assert sent >= len(operations) * EXAMPLES_PER_OPERATION_AND_MODE // 2
    assert httpx.get(live_api.url + "/healthz", timeout=5).status_code == 200
