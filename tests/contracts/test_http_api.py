"""The JSON API of a real ``jtutor serve`` (DESIGN §10, §11; issue 4 acceptance).

Verdicts and parse results must equal the CLI's; bad requests get a 4xx with a JSON message,
never a 5xx; attempts belong to the learner whose signed, HttpOnly, SameSite=Lax cookie sent them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.contracts.conftest import Server, jtutor, jtutor_many, var_flags
from tests.contracts.grade_cases import PROBLEMS, WX, Problem, assert_expected, assert_grade_result

GRADE = "/api/v1/grade"
PARSE = "/api/v1/parse"
COMPARED = [
    "wx-W",
    "wx-WT",
    "wx-WT-den",
    "wx-neg",
    "wx-2W",
    "wx-xT",
    "wx-WW",
    "wx-syntax",
    "dydw-delta",
    "dydw-nodelta",
    "neuron-w-nomask",
    "loss-nomask",
    "pinned",
]


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=120) as c:
        yield c


def fresh(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=120)


def _problems() -> list[Problem]:
    chosen = [p for p in PROBLEMS if p.name in COMPARED]
    assert len(chosen) == len(COMPARED)
    return chosen


@pytest.fixture(scope="module")
def cli_verdicts(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    path = tmp_path_factory.mktemp("api") / "compared.jsonl"
    path.write_text("\n".join(json.dumps(p.line()) for p in _problems()) + "\n")
    done = jtutor(["grade", "--batch", str(path), "--timeout", "30"], timeout=300)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def api_verdicts(client: httpx.Client) -> list[httpx.Response]:
    return [client.post(GRADE, json=p.line()) for p in _problems()]


def _essence(result: dict[str, Any]) -> tuple[Any, ...]:
    error = result["error"]
    factor = None if result["factor"] is None else round(float(result["factor"]), 6)
    return (
        result["verdict"],
        result["diagnosis"],
        result["layout"],
        result["expected_shape"],
        result["answer_shape"],
        None if error is None else (error["kind"], error["position"]),
        factor,
    )


@pytest.mark.parametrize("index", range(len(COMPARED)), ids=COMPARED)
def test_api_verdict_equals_the_cli(
    index: int, cli_verdicts: list[Any], api_verdicts: list[httpx.Response]
) -> None:
    response = api_verdicts[index]
    assert response.status_code == 200, response.text
    api = response.json()
    assert_grade_result(api)
    assert_expected(_problems()[index], api)
    assert len(cli_verdicts) == len(COMPARED)
    assert _essence(api) == _essence(cli_verdicts[index])


PARSED = [
    ({"W": "3x4", "x": "4"}, "W x"),
    ({"W": "3x4", "x": "4"}, "x^T W^T"),
    ({"A": "4x4", "x": "4", "b": "4"}, "2 A^T (A x - b)"),
    ({"x": "scalar", "y": "scalar"}, "[[6 x y, 3 x^2], [2, 8 y^7]]"),
    ({"W": "3x4", "x": "3"}, "W x"),
    ({"W": "3x4", "x": "4"}, "W x )"),
    ({"W": "3x4", "x": "4"}, "x +"),
    ({"W": "3x4", "x": "4"}, "W y"),
    ({"W": "3x4", "x": "4"}, "ones(100000000)"),
    ({"A": "4x4", "z": "scalar"}, "z I + A"),
]


def test_api_parse_equals_the_cli(client: httpx.Client) -> None:
    calls = [["parse", *var_flags(v), "--json", "--", text] for v, text in PARSED]
    for (variables, text), done in zip(PARSED, jtutor_many(calls), strict=True):
        response = client.post(PARSE, json={"variables": variables, "expression": text})
        assert response.status_code == 200, (text, response.status_code, response.text)
        assert response.json() == done.json(), text


def test_api_derive_gives_verified_steps(client: httpx.Client) -> None:
    body = {"variables": WX, "function": "W x", "wrt": "x", "layout": "numerator"}
    response = client.post("/api/v1/derive", json=body)
    assert response.status_code == 200, response.text
    derived = response.json()
    assert len(derived["steps"]) >= 3
    assert all(step["verified"] is True and step["latex"] for step in derived["steps"])
    assert isinstance(derived["result"]["expression"], str)


def assert_json_4xx(response: httpx.Response, what: str) -> None:
    assert 400 <= response.status_code < 500, (what, response.status_code, response.text[:300])
    assert "application/json" in response.headers.get("content-type", ""), (what, response.headers)
    body = response.json()
    assert isinstance(body, dict), (what, body)
    message = body.get("detail", body.get("message", body.get("error")))
    assert message, (what, body)
    if isinstance(message, dict):
        message = message.get("message")
    assert isinstance(message, (str, list)) and message, (what, body)


GOOD_LINE = {"variables": WX, "function": "W x", "wrt": "x", "layout": "numerator", "answer": "W"}
BAD_GRADE_BODIES: list[tuple[str, Any]] = [
    ("truncated JSON", '{"variables": {"W": "3x4"'),
    ("not JSON", "W x please"),
    ("empty body", ""),
    ("a JSON list", "[]"),
    ("a JSON string", '"W"'),
    ("empty object", "{}"),
    ("no answer", {k: v for k, v in GOOD_LINE.items() if k != "answer"}),
    ("no function", {k: v for k, v in GOOD_LINE.items() if k != "function"}),
    ("no variables", {k: v for k, v in GOOD_LINE.items() if k != "variables"}),
    ("no wrt", {k: v for k, v in GOOD_LINE.items() if k != "wrt"}),
    ("variables as a string", {**GOOD_LINE, "variables": "W=3x4"}),
    ("answer as a number", {**GOOD_LINE, "answer": 5}),
    ("answer as null", {**GOOD_LINE, "answer": None}),
    ("wrt as a number", {**GOOD_LINE, "wrt": 3}),
    ("shape as a number", {**GOOD_LINE, "variables": {"W": 3, "x": "4"}}),
    ("layout unknown", {**GOOD_LINE, "layout": "sideways"}),
    ("wrt undeclared", {**GOOD_LINE, "wrt": "q"}),
    ("absurd shape", {**GOOD_LINE, "variables": {"W": "100000x100000", "x": "100000"}}),
    ("huge vector", {**GOOD_LINE, "variables": {"W": "3x100000000", "x": "100000000"}}),
    ("zero size", {**GOOD_LINE, "variables": {"W": "0x4", "x": "4"}}),
    ("negative size", {**GOOD_LINE, "variables": {"W": "-3x4", "x": "4"}}),
    ("unknown domain", {**GOOD_LINE, "variables": {"W": "3x4:banana", "x": "4"}}),
    ("bad shape text", {**GOOD_LINE, "variables": {"W": "three by four", "x": "4"}}),
    ("oversized answer (100 kB)", {**GOOD_LINE, "answer": "W + " * 25_000 + "W"}),
    ("oversized function (100 kB)", {**GOOD_LINE, "function": "W x + " * 16_700 + "W x"}),
    ("deeply nested JSON", "[" * 20_000 + "]" * 20_000),
    ("values of the wrong shape", {**GOOD_LINE, "values": {"W": [1, 2], "x": [1, 2, 3, 4]}}),
    ("values not numbers", {**GOOD_LINE, "values": {"W": "rm -rf /", "x": [1, 2, 3, 4]}}),
    ("indices as a number", {**GOOD_LINE, "indices": 3}),
]


def _post(client: httpx.Client, path: str, body: Any) -> httpx.Response:
    if isinstance(body, str):
        headers = {"content-type": "application/json"}
        return client.post(path, content=body.encode(), headers=headers)
    return client.post(path, json=body)


@pytest.mark.parametrize(("what", "body"), BAD_GRADE_BODIES, ids=[w for w, _ in BAD_GRADE_BODIES])
def test_bad_grade_requests_are_4xx_with_a_json_message(
    client: httpx.Client, what: str, body: Any
) -> None:
    assert_json_4xx(_post(client, GRADE, body), what)


BROKEN_PROBLEMS = [
    ("function does not parse", {**GOOD_LINE, "function": "W x )"}, "syntax"),
    ("function ill-shaped", {**GOOD_LINE, "function": "x W"}, "shape"),
    ("function names an undeclared variable", {**GOOD_LINE, "function": "W q"}, "unknown_name"),
]


@pytest.mark.parametrize(
    ("what", "body", "kind"), BROKEN_PROBLEMS, ids=[w for w, _, _ in BROKEN_PROBLEMS]
)
def test_a_broken_problem_is_refused_with_the_right_kind(
    client: httpx.Client, what: str, body: Any, kind: str
) -> None:
    """The problem itself (not the answer) is wrong. DESIGN §11 does not say whether that is a
    4xx or a 200 ``invalid`` result, so either is accepted; a 200 must name the right kind."""
    response = _post(client, GRADE, body)
    if response.status_code == 200:
        result = response.json()
        assert_grade_result(result)
        assert result["verdict"] == "invalid"
        assert result["error"]["kind"] == kind, (what, result["error"])
    else:
        assert_json_4xx(response, what)


BAD_PARSE_BODIES: list[tuple[str, Any]] = [
    ("truncated JSON", '{"expression": "W'),
    ("no expression", {"variables": WX}),
    ("expression as a number", {"variables": WX, "expression": 3}),
    ("variables as a list", {"variables": ["W"], "expression": "W"}),
    ("absurd shape", {"variables": {"W": "100000x100000"}, "expression": "W"}),
    ("oversized expression (100 kB)", {"variables": WX, "expression": "W + " * 25_000 + "W"}),
]


@pytest.mark.parametrize(("what", "body"), BAD_PARSE_BODIES, ids=[w for w, _ in BAD_PARSE_BODIES])
def test_bad_parse_requests_are_4xx_with_a_json_message(
    client: httpx.Client, what: str, body: Any
) -> None:
    assert_json_4xx(_post(client, PARSE, body), what)


HOSTILE = [
    "__import__('os').system('id')",
    "().__class__.__base__.__subclasses__()",
    "(lambda: 1)()",
    "W.__class__",
    "9^9^9^9^9",
    "kron(kron(kron(W,W),W),W)",
    "ones(100000000)",
    "1e999999 * W",
    "W\u0000x",
    "W\u2028x",
    "(" * 1500 + "W" + ")" * 1500,
    "-" * 1999 + "W",
]


@pytest.mark.parametrize("answer", HOSTILE, ids=[repr(a[:20]) for a in HOSTILE])
def test_hostile_answers_are_refused_never_5xx(client: httpx.Client, answer: str) -> None:
    """A hostile answer is a well-formed request: either a 200 grade result that refuses it
    (DESIGN §11 stores ``invalid`` results with a 2xx) or a 4xx with a JSON message; never 5xx."""
    response = client.post(GRADE, json={**GOOD_LINE, "answer": answer})
    if response.status_code == 200:
        result = response.json()
        assert_grade_result(result)
        assert result["verdict"] in ("invalid", "incorrect"), result
    else:
        assert_json_4xx(response, answer[:30])


def test_the_server_is_still_healthy_after_the_abuse(client: httpx.Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.post(GRADE, json=GOOD_LINE).json()["verdict"] == "correct"


def test_an_exercise_variant_is_fixed_by_its_seed(client: httpx.Client) -> None:
    listed = client.get("/api/v1/exercises").json()
    items = listed["exercises"] if isinstance(listed, dict) else listed
    assert len(items) >= 30
    first = client.get("/api/v1/exercises/u03-core-wx", params={"seed": 7})
    again = client.get("/api/v1/exercises/u03-core-wx", params={"seed": 7})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()


def _cookie_header(response: httpx.Response) -> str:
    headers = response.headers.get_list("set-cookie")
    assert headers, "no cookie issued"
    return headers[0]


def _attempt_ids(client: httpx.Client) -> set[Any]:
    response = client.get("/api/v1/attempts")
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["attempts"] if isinstance(body, dict) else body
    return {item.get("attempt_id", item.get("id")) for item in items}


def test_attempts_are_stored_for_their_learner_only(server: Server) -> None:
    with fresh(server) as learner, fresh(server) as stranger:
        first = learner.get("/")
        cookie = _cookie_header(first).lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie

        path = "/api/v1/exercises/u03-core-wx/attempts"
        right = learner.post(path, json={"answer": "W", "seed": 7})
        assert right.status_code in (200, 201), right.text
        body = right.json()
        assert_grade_result(body)
        assert body["verdict"] == "correct" and body["seed"] == 7
        assert "attempt_id" in body

        unreadable = learner.post(path, json={"answer": "W W", "seed": 7})
        assert unreadable.status_code in (200, 201), unreadable.text
        assert unreadable.json()["verdict"] == "invalid"

        mine = _attempt_ids(learner)
        assert body["attempt_id"] in mine
        listed = learner.get("/api/v1/attempts").json()
        items = listed["attempts"] if isinstance(listed, dict) else listed
        (stored,) = [i for i in items if i.get("attempt_id", i.get("id")) == body["attempt_id"]]
        # DESIGN/issue 4: answer, seed, verdict, diagnosis and time are kept with the attempt
        assert (stored["answer"], stored["seed"], stored["verdict"]) == ("W", 7, "correct")
        assert unreadable.json()["attempt_id"] in mine
        assert not mine & _attempt_ids(stranger)


def test_a_forged_learner_cookie_sees_nothing(server: Server) -> None:
    with fresh(server) as learner:
        learner.get("/")
        posted = learner.post("/api/v1/exercises/u03-core-wx/attempts", json={"answer": "-W"})
        assert posted.status_code in (200, 201), posted.text
        ((name, value),) = list(learner.cookies.items())
        forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    with fresh(server) as forger:
        forger.cookies.set(name, forged)
        assert posted.json()["attempt_id"] not in _attempt_ids(forger)


def test_attempts_on_an_unknown_exercise_are_404(client: httpx.Client) -> None:
    response = client.post("/api/v1/exercises/no-such-exercise/attempts", json={"answer": "W"})
    assert response.status_code == 404
    assert response.json()


def test_the_server_logged_no_traceback(server: Server, client: httpx.Client) -> None:
    """Bad input is answered, not crashed on: nothing above left a traceback in the log."""
    assert client.get("/healthz").status_code == 200
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[log.find("Traceback") :][:3000]
    assert not re.search(r'" 5\d\d ', log), re.findall(r'.*" 5\d\d .*', log)[:5]


def _grid(rows: list[list[float]]) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(v) for v in row) + "]" for row in rows) + "]"


def test_a_numeric_exercise_checks_numbers_computed_here(client: httpx.Client) -> None:
    """f(x, y) = [3x^2 y, 2x + y^8] (Parr & Howard §3): the Jacobian at the variant's own point,
    worked out here by hand, is accepted, and its transpose is named as such."""
    variant = client.get("/api/v1/exercises/u01-core-jacobian-xy", params={"seed": 3}).json()
    values = variant["variant"]["values"]
    x, y = float(values["x"]), float(values["y"])
    jacobian = [[6 * x * y, 3 * x**2], [2.0, 8 * y**7]]
    path = "/api/v1/exercises/u01-core-jacobian-xy/attempts"
    right = client.post(path, json={"answer": _grid(jacobian), "seed": 3}).json()
    assert right["verdict"] == "correct", right
    flipped = [list(r) for r in zip(*jacobian, strict=True)]
    wrong = client.post(path, json={"answer": _grid(flipped), "seed": 3}).json()
    assert (wrong["verdict"], wrong["diagnosis"]) == ("incorrect", "transposed"), wrong


def test_an_exercise_variant_grades_at_its_own_sizes(client: httpx.Client) -> None:
    for seed in (1, 2, 3, 4, 5):
        variant = client.get("/api/v1/exercises/u03-core-wx", params={"seed": seed}).json()
        m, n = variant["variant"]["shapes"]["W"]
        assert m != n, "DESIGN §5: distinct dimensions, so shape alone catches a transpose"
        assert variant["variant"]["expected_shape"] == [m, n]
        path = "/api/v1/exercises/u03-core-wx/attempts"
        right = client.post(path, json={"answer": "W", "seed": seed}).json()
        assert (right["verdict"], right["expected_shape"]) == ("correct", [m, n]), right
        wrong = client.post(path, json={"answer": "W^T", "seed": seed}).json()
        assert (wrong["verdict"], wrong["diagnosis"]) == ("incorrect", "transposed"), wrong


def test_request_bodies_are_size_limited(client: httpx.Client) -> None:
    """DESIGN §10: a 5 MB body is refused whether or not it announces its length."""
    padding = {**GOOD_LINE, "padding": "x" * 5_000_000}
    assert_json_4xx(client.post(GRADE, json=padding), "5 MB with a length")

    def chunks() -> Iterator[bytes]:
        data = json.dumps(padding).encode()
        for start in range(0, len(data), 65536):
            yield data[start : start + 65536]

    chunked = client.post(GRADE, content=chunks(), headers={"content-type": "application/json"})
    assert_json_4xx(chunked, "5 MB chunked")


def test_wrt_as_a_list_equals_wrt_as_text(client: httpx.Client) -> None:
    line = {
        "variables": {"x": "scalar", "y": "scalar"},
        "function": "[3 x^2 y, 2x + y^8]",
        "layout": "numerator",
        "answer": "[[6 x y, 3 x^2], [2, 8 y^7]]",
    }
    as_text = client.post(GRADE, json={**line, "wrt": "x,y"})
    as_list = client.post(GRADE, json={**line, "wrt": ["x", "y"]})
    assert as_text.status_code == as_list.status_code == 200
    assert as_text.json()["verdict"] == as_list.json()["verdict"] == "correct"


@pytest.mark.parametrize("seed", ["abc", "-1", "1e3", "99999999999999999999"])
def test_a_bad_seed_is_4xx(client: httpx.Client, seed: str) -> None:
    response = client.get("/api/v1/exercises/u03-core-wx", params={"seed": seed})
    assert_json_4xx(response, f"seed={seed}")
