"""Seeded random and mutated text through the JSON API: only the language's own errors come back,
never a 5xx (issue 2: random strings and mutations of valid expressions raise nothing else)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest

from tests.contracts.conftest import Server
from tests.contracts.grade_cases import assert_grade_result
from tests.contracts.parse_cases import BASE, GOOD, KINDS

ALPHABET = [
    *"Wxbz AIr0123456789.,;:+-*/^@'()[]{}<>=!&|_~`\"\\#$%?TeE",
    *("⊙", "⊘", "\u00a0", "\u200b", "é", "∑", "\t", "\n", "\x00", "\x7f", "\ud7ff", "🙂"),
]
SEED = 20261123


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        action = rng.choice(("insert", "delete", "replace", "duplicate"))
        at = rng.randrange(len(chars) + 1)
        if action == "insert" or not chars:
            chars.insert(at, rng.choice(ALPHABET))
        elif action == "delete":
            del chars[min(at, len(chars) - 1)]
        elif action == "replace":
            chars[min(at, len(chars) - 1)] = rng.choice(ALPHABET)
        else:
            chars[at:at] = chars[at : at + rng.randint(1, 6)]
    return "".join(chars)


def _texts(count: int) -> list[str]:
    rng = random.Random(SEED)
    valid = [case.text for case in GOOD if case.indices is None and case.variables == BASE]
    texts = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30))) for _ in range(count)]
    texts += [_mutate(rng, rng.choice(valid)) for _ in range(count)]
    return texts


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=120) as c:
        yield c


def test_parse_answers_every_random_text_with_a_language_result(client: httpx.Client) -> None:
    wrong = []
    for text in _texts(150):
        response = client.post("/api/v1/parse", json={"variables": BASE, "expression": text})
        if response.status_code != 200:
            if response.status_code >= 500 or "json" not in response.headers["content-type"]:
                wrong.append((text, response.status_code, response.text[:200]))
            continue
        body = response.json()
        if body.get("ok") is True:
            ok = isinstance(body.get("shape"), list) and isinstance(body.get("latex"), str)
        else:
            error = body.get("error") or {}
            ok = body.get("ok") is False and error.get("kind") in KINDS
            position = error.get("position")
            ok = ok and (position is None or 0 <= position <= len(text))
        if not ok:
            wrong.append((text, response.status_code, body))
    assert not wrong, wrong[:10]


def test_grade_answers_every_mutated_answer_without_crashing(client: httpx.Client) -> None:
    line = {"variables": BASE, "function": "W x", "wrt": "x", "layout": "numerator"}
    wrong = []
    for text in _texts(20):
        response = client.post("/api/v1/grade", json={**line, "answer": text})
        if response.status_code >= 500:
            wrong.append((text, response.status_code, response.text[:200]))
        elif response.status_code == 200:
            result = response.json()
            assert_grade_result(result)
            if result["verdict"] == "correct" and "W" not in text:
                wrong.append((text, "accepted", result))
    assert not wrong, wrong[:10]
