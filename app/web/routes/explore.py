"""``/explore``: a learner's own function, derived step by step, with pictures.

The URL holds the whole problem (``/explore?var=W=3x4&var=x=4&function=W%20x&wrt=x&
layout=numerator``), so a derivation can be shared; a plain GET form works without
JavaScript and htmx swaps only the result (``_explore_result.html``). Shapes left out
are inferred (``app.explore.declare``) and the page says what was inferred; sizes are
capped (``JTUTOR_EXPLORE_MAX_DIM``). The derivation and its pictures are computed in a
grading worker under the grading limits (``GradingPool.explore``), and the function's
live preview is read in a preview worker (``GradingPool.explore_read``); the routes admit
that work through the tutor's gates (``grading_job``, ``parsing_job``: 429/503 with
Retry-After when busy) and run the rest in a thread, never on the event loop.

"Practise this" (``/explore/practice``) turns the function into an ad-hoc exercise: the
learner's answer is graded like ``POST /api/v1/grade`` grades one, against finite
differences, and nothing is stored.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import mathlang
from app.calculus.layouts import Layout, expected_shape
from app.explore.declare import DeclarationError, Variables, read_declarations
from app.web.admission import caller_of
from app.web.deps import TutorDep
from app.web.explore_view import ExploreQuery, explored
from app.web.offload import off_loop
from app.web.plain import problem_from_dict
from app.web.rendering import is_htmx, render
from app.web.tutor import Tutor

router = APIRouter(include_in_schema=False)

LAYOUTS = ("numerator", "denominator")
EXAMPLES = (
    ("W x by x", ExploreQuery(["W=3x4", "x"], "W x", "x", "numerator")),
    ("tanh(W x + b) by W", ExploreQuery(["W=3x4", "x=4", "b"], "tanh(W x + b)", "W", "numerator")),
    ("softmax(x) by x", ExploreQuery(["x=4"], "softmax(x)", "x", "numerator")),
    ("x^T A x by x", ExploreQuery(["A=4x4", "x"], "x^T A x", "x", "denominator")),
    ("[3 x^2 y, 2 x + y^8] by x, y",
     ExploreQuery(["x=scalar", "y=scalar"], "[3 x^2 y, 2 x + y^8]", "x,y", "numerator")),
)  # fmt: skip


class _Cache:
    """The last derivations, so that revealing a step does not derive again."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_CACHE = _Cache()


def _query(request: Request) -> ExploreQuery:
    params = request.query_params
    return ExploreQuery(
        var=[v for v in params.getlist("var") if v.strip()],
        function=params.get("function", "").strip(),
        wrt=params.get("wrt", "").strip(),
        layout=params.get("layout", "numerator"),
    )


def _wrt(query: ExploreQuery) -> list[str]:
    return [w.strip() for w in query.wrt.split(",") if w.strip()]


def _reading_error(error: dict[str, Any], text: str) -> dict[str, Any]:
    """The live preview's error (kind, message, caret) for the function's text."""
    position = error.get("position")
    exc = mathlang.MathError(
        str(error.get("kind", "syntax")),  # type: ignore[arg-type]
        str(error.get("message", "the derivation failed")),
        position if isinstance(position, int) else None,
    )
    return {"ok": False, "error": exc.to_dict(), "caret": exc.caret(text)}


def _plain_error(kind: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"kind": kind, "message": message, "position": None}}


def _declared(
    query: ExploreQuery, *, need_wrt: bool = True
) -> tuple[dict[str, str | None] | None, dict[str, Any] | None]:
    """The declarations as typed (a shape may be left out), or the error to show; the
    live preview reads the function before the variable to differentiate by is given.
    The function itself is read in a worker (``GradingPool.explore_read``)."""
    if query.layout not in LAYOUTS:
        return None, _plain_error("syntax", "the layout is numerator or denominator")
    if need_wrt and not _wrt(query):
        return None, _plain_error("unknown_name", "say which variable to differentiate by")
    try:
        return read_declarations(query.var), None
    except DeclarationError as exc:
        return None, _plain_error(exc.kind, exc.message)


def _limits(tutor: Tutor) -> dict[str, int]:
    return {
        "max_dim": tutor.settings.explore_max_dim,
        "max_chars": tutor.settings.max_answer_chars,
    }


def _variables(reading: dict[str, Any]) -> Variables:
    return Variables(dict(reading["variables"]), dict(reading.get("inferred") or {}))


def _derive(tutor: Tutor, query: ExploreQuery, declared: dict[str, str | None]) -> dict[str, Any]:
    """The worker's reading, derivation and pictures, kept for the next step's reveal."""
    limits = (tutor.settings.grading_timeout, tutor.settings.grading_memory_mb)
    key = (
        query.function,
        tuple(declared.items()),
        tuple(_wrt(query)),
        query.layout,
        limits,
        tuple(_limits(tutor).values()),
    )
    found = _CACHE.get(key)
    if found is not None:
        return found
    outcome = tutor.pool.explore(
        query.function, declared, _wrt(query), query.layout, seed=1, **_limits(tutor)
    )
    error = outcome.get("error")
    if error is None or error.get("kind") not in ("limit", "internal"):
        _CACHE.put(key, outcome)  # a limit may pass on a quieter moment: not kept
    return outcome


def _whole_number(raw: str | None, default: int) -> int:
    try:
        return max(1, min(int(raw or default), 1000))
    except ValueError:
        return default


@router.get("/explore", response_class=HTMLResponse)
async def explore_page(request: Request, tutor: TutorDep) -> HTMLResponse:
    """The page; with a function, its derivation is admitted by the grading gate (429/503
    with Retry-After when busy) and computed in a grading worker."""
    query = _query(request)
    if not query.function:
        return await off_loop(_explore_page, request, tutor, query)
    return await tutor.grading_job(caller_of(request), _explore_page, request, tutor, query)


def _explore_page(request: Request, tutor: Tutor, query: ExploreQuery) -> HTMLResponse:
    context: dict[str, Any] = {
        "title": "Explore",
        "q": query,
        "examples": EXAMPLES,
        "max_dim": tutor.settings.explore_max_dim,
        "var_inputs": [*query.var, "", "", "", ""][: max(4, len(query.var) + 2)],
    }
    if not query.function:
        return render(request, "explore.html", context, partial="_explore_result.html")
    context["preview_oob"] = is_htmx(request)  # the preview is refreshed with every result
    declared, error = _declared(query)
    if declared is None:
        context["reading"] = _function_reading(tutor, query)
    else:
        outcome = _derive(tutor, query, declared)
        reading = outcome.get("reading")
        context["reading"] = _for_preview(reading)
        if reading and reading.get("ok"):
            context["variables"] = _variables(reading)
        if "derivation" in outcome and reading:
            model = explored(outcome, list(reading["variables"]), query.function)
            model.function_latex = str(reading["latex"])
            total = len(model.steps)
            shown = min(_whole_number(request.query_params.get("shown"), 1), total)
            pic = min(_whole_number(request.query_params.get("pic"), shown), shown)
            context.update(model=model, shown=shown, pic=pic)
            # after a swap, the focus goes (static/js/app.js, data-focus) to the picture
            # just asked for, to the step just revealed, or to the result once all are
            focus = "picture" if "pic" in request.query_params else "step"
            if focus == "step" and shown == total:
                focus = "result"
            context["focus"] = focus if is_htmx(request) else None
        else:
            error = _reading_error(outcome.get("error") or {}, query.function)
    status = 200
    if error is not None:
        context["error"] = error
        status = 422
    return render(
        request, "explore.html", context, partial="_explore_result.html", status_code=status
    )


def _for_preview(reading: dict[str, Any] | None) -> dict[str, Any] | None:
    """A worker's reading as ``_preview.html`` shows it: the inferred shapes as sentences
    (a copy: the reading may be kept for the next request)."""
    if not reading or not reading.get("ok"):
        return reading
    return reading | {"inferred": list((reading.get("inferred") or {}).values())}


def _function_reading(tutor: Tutor, query: ExploreQuery) -> dict[str, Any] | None:
    """How the function is read (LaTeX and shape, what was inferred), or its error: read in
    a worker, as everything the learner types on this page is."""
    if not query.function:
        return None
    declared, error = _declared(query, need_wrt=False)
    if declared is None:
        return error
    return _for_preview(
        tutor.preview_pool.explore_read(query.function, declared, [], **_limits(tutor))
    )


@router.get("/explore/preview", response_class=HTMLResponse)
async def explore_preview(request: Request, tutor: TutorDep) -> HTMLResponse:
    """How the function is read, as it is typed (the live preview, for a function),
    admitted by the parse gate and read in a preview worker."""
    return await tutor.parsing_job(caller_of(request), _explore_preview, request, tutor)


def _explore_preview(request: Request, tutor: Tutor) -> HTMLResponse:
    reading = _function_reading(tutor, _query(request))
    return render(
        request,
        "_preview.html",
        {"reading": reading, "what": "function"},
        partial="_preview.html",
    )


def _practice_problem(
    tutor: Tutor, query: ExploreQuery
) -> tuple[dict[str, Any] | None, Variables | None, dict[str, Any] | None]:
    """The grading problem (a batch line without the answer), or the error to show."""
    declared, error = _declared(query)
    if declared is None:
        return None, None, error
    wrt = _wrt(query)
    reading = tutor.preview_pool.explore_read(query.function, declared, wrt, **_limits(tutor))
    if not reading.get("ok"):
        return None, None, reading
    variables = _variables(reading)
    shapes = {n: mathlang.parse_declaration(n, s).shape() for n, s in variables.specs.items()}
    layout: Layout = "denominator" if query.layout == "denominator" else "numerator"
    rows, cols = reading["shape"]
    shape = expected_shape((rows, cols), [shapes[w] for w in wrt], layout)
    problem: dict[str, Any] = {
        "variables": dict(variables.specs),
        "function": query.function,
        "wrt": wrt,
        "layout": query.layout,
    }
    if len(shape) > 2:
        free = [i for i in "ijklmnpqrs" if i not in shapes][: len(shape)]
        problem["indices"] = free
    problem["expected_shape"] = list(shape)
    problem["latex"] = reading["latex"]
    return problem, variables, None


def _practice_context(tutor: Tutor, query: ExploreQuery) -> tuple[dict[str, Any], int]:
    problem, variables, error = _practice_problem(tutor, query)
    context: dict[str, Any] = {
        "title": "Practise: your own function",
        "q": query,
        "problem": problem,
        "variables": variables,
        "max_dim": tutor.settings.explore_max_dim,
    }
    if error is not None:
        context["error"] = error
        return context, 422
    return context, 200


@router.get("/explore/practice", response_class=HTMLResponse)
async def practice_page(request: Request, tutor: TutorDep) -> HTMLResponse:
    return await tutor.parsing_job(caller_of(request), _practice_page, request, tutor)


def _practice_page(request: Request, tutor: Tutor) -> HTMLResponse:
    context, status = _practice_context(tutor, _query(request))
    return render(request, "explore_practice.html", context, status_code=status)


async def _form_query(request: Request) -> tuple[ExploreQuery, str]:
    form = await request.form()
    query = ExploreQuery(
        var=[str(v) for v in form.getlist("var") if str(v).strip()],
        function=str(form.get("function") or "").strip(),
        wrt=str(form.get("wrt") or "").strip(),
        layout=str(form.get("layout") or "numerator"),
    )
    return query, str(form.get("answer") or "")


@router.post("/explore/practice", response_class=HTMLResponse)
async def practice_submit(request: Request, tutor: TutorDep) -> HTMLResponse:
    """Grade the answer against finite differences in a grading worker, admitted by the
    grading gate as every grading is."""
    query, answer = await _form_query(request)
    return await tutor.grading_job(
        caller_of(request), _practice_graded, request, tutor, query, answer
    )


def _practice_graded(
    request: Request, tutor: Tutor, query: ExploreQuery, answer: str
) -> HTMLResponse:
    context, status = _practice_context(tutor, query)
    problem = context.get("problem")
    if problem is not None:
        line = {k: v for k, v in problem.items() if k not in ("expected_shape", "latex")}
        seed = secrets.randbelow(2**31 - 1)
        context["result"] = tutor.grade(problem_from_dict(line), answer, seed=seed)
        context["answer"] = answer
        context["reading"] = _answer_reading(tutor, problem, answer)
    return render(
        request, "explore_practice.html", context, partial="_feedback.html", status_code=status
    )


def _answer_reading(tutor: Tutor, problem: dict[str, Any], text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    shapes = {n: mathlang.parse_declaration(n, s).shape() for n, s in problem["variables"].items()}
    shape = problem["expected_shape"]
    indices = problem.get("indices")
    return tutor.preview_pool.read(
        text,
        shapes,
        indices=dict(zip(indices, shape, strict=False)) if indices else None,
        expected=(shape[0], shape[1]) if len(shape) == 2 and not indices else None,
        max_chars=tutor.settings.max_answer_chars,
    )


@router.post("/explore/practice/preview", response_class=HTMLResponse)
async def practice_preview(request: Request, tutor: TutorDep) -> HTMLResponse:
    """How the answer is read, admitted by the parse gate and read in a preview worker."""
    query, answer = await _form_query(request)
    return await tutor.parsing_job(
        caller_of(request), _practice_preview, request, tutor, query, answer
    )


def _practice_preview(
    request: Request, tutor: Tutor, query: ExploreQuery, answer: str
) -> HTMLResponse:
    problem, _, error = _practice_problem(tutor, query)
    reading = error if problem is None else _answer_reading(tutor, problem, answer)
    return render(request, "_preview.html", {"reading": reading}, partial="_preview.html")
