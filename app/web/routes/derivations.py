"""Derivations over HTTP: ``POST /api/v1/derive`` and the lessons' derivation widget.

The API returns the JSON of ``jtutor derive --json`` (DESIGN §11). The widget routes
serve htmx partials: the whole widget for a named example at chosen sizes and layout
(``_derivation.html``), one more step at a time (``_step.html``, appended to the list,
with the "next" button swapped out of band), and one component ∂y_i/∂x_j worked out
with explicit sums (``_derivation_entry.html``). Without htmx the same URLs render a
full page, so a lesson read without JavaScript can still link to its derivation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from app import mathlang
from app.calculus.derivation import Derivation, NoRule, derive, pictures
from app.calculus.derivation.entry import entry_derivative
from app.calculus.derivation.examples import EXAMPLES, Example
from app.explore.step_pictures import step_pictures
from app.mathlang.declarations import parse_declaration
from app.web.admission import caller_of
from app.web.deps import TutorDep
from app.web.errors import BadInput, NotFound
from app.web.explore_view import Heat, heat_of
from app.web.rendering import render
from app.web.tutor import Tutor

router = APIRouter()

MAX_DIM = 12
MAX_ENTRIES = 144


class DeriveRequest(BaseModel):
    """The problem to derive: a batch line without the answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "variables": {"W": "3x4", "x": "4"},
                    "function": "W x",
                    "wrt": "x",
                    "layout": "numerator",
                }
            ]
        }
    )

    variables: dict[str, str] = Field(description='name -> "SHAPE[:DOMAIN]", e.g. "3x4"')
    function: str = Field(max_length=2000, description="the function, in the expression language")
    wrt: str | list[str] = Field(description="the variable(s) to differentiate by")
    layout: str = Field("numerator", description="numerator, denominator or any")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="seed of the checking instance")


def _checked_variables(variables: dict[str, str]) -> dict[str, str]:
    for name, spec in variables.items():
        try:
            declaration = parse_declaration(name, spec)
            rows, cols = declaration.shape()
        except mathlang.MathError as exc:
            raise BadInput(f"variables.{name}: {exc.message}", field=f"variables.{name}") from None
        if rows > MAX_DIM or cols > MAX_DIM or rows * cols > MAX_ENTRIES:
            raise BadInput(
                f"variables.{name}: derivations are shown for sizes up to {MAX_DIM} "
                f"(at most {MAX_ENTRIES} entries per variable)",
                field=f"variables.{name}",
            )
    return variables


def _derive(
    variables: dict[str, str],
    function: str,
    wrt: str | list[str],
    layout: str,
    seed: int | None = None,
) -> Derivation:
    try:
        return derive(
            function, _checked_variables(variables), wrt, layout, seed=1 if seed is None else seed
        )
    except mathlang.MathError as exc:
        raise BadInput(exc.message, position=exc.position, field="function") from None
    except NoRule as exc:
        raise BadInput(exc.message, field="function") from None


@router.post("/api/v1/derive", tags=["derivations"], summary="Derive a derivative step by step")
async def derive_api(body: DeriveRequest, request: Request, tutor: TutorDep) -> dict[str, Any]:
    """Steps (each with LaTeX and ``verified``) and the result, as ``jtutor derive --json``.

    The function is the caller's text and every step is checked numerically, so the work
    runs in a grading worker, under the same time and memory limits as a grading, and is
    admitted by the grading gate like one (429/503 with Retry-After)."""
    return await tutor.grading_job(caller_of(request), _derive_api, body, tutor)


def _derive_api(body: DeriveRequest, tutor: Tutor) -> dict[str, Any]:
    variables = _checked_variables(body.variables)
    outcome = tutor.pool.derive(
        body.function, variables, body.wrt, body.layout, seed=1 if body.seed is None else body.seed
    )
    if "derivation" in outcome:
        derivation: dict[str, Any] = outcome["derivation"]
        return derivation
    error = outcome.get("error") or {}
    raise BadInput(
        str(error.get("message", "the derivation failed")),
        position=error.get("position"),
        field="function",
    )


ENTRY_EXAMPLES = ("wx", "xw", "chain", "gradient")


@dataclass(frozen=True)
class StepPicture:
    number: int
    title: str
    lit: list[str]
    heat: Heat | None


@dataclass
class Widget:
    key: str
    example: Example
    sizes: dict[str, int]
    layout: str
    derivation: Derivation
    shown: int
    pictures: dict[str, Any]

    @property
    def function_latex(self) -> str:
        return mathlang.to_latex(mathlang.parse(self.example.function))

    @property
    def entry_ok(self) -> bool:
        """The component picker is offered for linear vector functions of a vector."""
        return self.key in ENTRY_EXAMPLES

    def step_picture(self, number: int) -> StepPicture | None:
        """What step ``number`` draws: the graph's node it is about, its local Jacobian."""
        drawn = self.pictures.get("steps") or []
        if not 1 <= number <= len(drawn):
            return None
        lit = list(drawn[number - 1].get("lit") or [])
        step = self.derivation.steps[number - 1]
        if not lit and step.view == "component":
            lit = [_out_name(self.derivation)]  # it works on one entry of the output
        heat = heat_of(drawn[number - 1].get("heatmap"))
        if heat is None and not (lit and "graph" in self.pictures):
            return None
        return StepPicture(number, step.title, lit, heat)

    def query(self, **extra: Any) -> str:
        params: dict[str, Any] = dict(self.sizes) | {"layout": self.layout} | extra
        return "&".join(f"{k}={v}" for k, v in params.items())


def _sizes(example: Example, request: Request) -> dict[str, int]:
    sizes = dict(example.sizes)
    for name in sizes:
        raw = request.query_params.get(name)
        if raw is not None:
            try:
                sizes[name] = min(max(int(raw), 1), 6)
            except ValueError:
                raise BadInput(
                    f"size {name} must be a whole number from 1 to 6", field=name
                ) from None
    return sizes


def _spec(dims: tuple[int | str, int | str], sizes: dict[str, int]) -> str:
    rows, cols = (d if isinstance(d, int) else sizes[d] for d in dims)
    return "scalar" if (rows, cols) == (1, 1) else f"{rows}x{cols}"


def _widget(key: str, request: Request, shown: int | None = None) -> Widget:
    example = EXAMPLES.get(key)
    if example is None:
        raise NotFound(f"There is no worked derivation called {key!r}.")
    sizes = _sizes(example, request)
    layout = request.query_params.get("layout", example.layout)
    if layout not in ("numerator", "denominator"):
        raise BadInput("layout must be numerator or denominator", field="layout")
    derivation, drawn = _worked(key, tuple(sorted(sizes.items())), layout)
    count = len(derivation.steps)
    visible = count if shown is None else min(max(shown, 1), count)
    return Widget(key, example, sizes, layout, derivation, visible, drawn)


@lru_cache(maxsize=512)
def _worked(
    key: str, sizes: tuple[tuple[str, int], ...], layout: str
) -> tuple[Derivation, dict[str, Any]]:
    """The derivation of an example and its pictures; revealing a step must not re-derive.

    The examples are fixed and their sizes are at most 6, so the cache is small and the
    results never change."""
    example = EXAMPLES[key]
    chosen = dict(sizes)
    variables = {name: _spec(dims, chosen) for name, dims in example.variables.items()}
    derivation = _derive(variables, example.function, example.wrt, layout)
    drawn = _pictures(derivation)
    drawn["steps"] = step_pictures(derivation, _out_name(derivation))
    return derivation, drawn


def _pictures(d: Derivation) -> dict[str, Any]:
    """Heat map of the result, slices of a 3-axis result with its compact form, the graph."""
    out: dict[str, Any] = {}
    try:
        tree = mathlang.parse(d.expression)
        typed = mathlang.check(tree, d.variables, indices=d.index_sizes)
        value = np.asarray(mathlang.evaluate(typed, d.values), dtype=np.float64)
    except mathlang.MathError:
        value = None
    if value is not None and value.ndim == 2:
        out["heatmap"] = {
            "cells": pictures.grid(value),
            "rows": value.shape[0],
            "cols": value.shape[1],
            "reading": _reading(d),
        }
        out["beside"] = _matrices_beside(d)
    elif value is not None and value.ndim == 3:
        out["slices"] = {
            "grids": pictures.slices(value),
            "rows": value.shape[1],
            "cols": value.shape[2],
            "indices": d.indices,
        }
        if d.compact is not None:
            sizes = {i: (d.index_sizes or {})[i] for i in d.compact["indices"]}
            g = mathlang.evaluate(
                mathlang.check(mathlang.parse(d.compact["expression"]), d.variables, indices=sizes),
                d.values,
            )
            g = np.asarray(g, dtype=np.float64)
            out["compact"] = {
                "cells": pictures.grid(g, float(np.max(np.abs(value)))),
                "rows": g.shape[0],
                "cols": g.shape[1],
                "mapping": d.compact["mapping"],
            }
    if d.operations:
        out["graph"] = pictures.dataflow(d.operations, d.wrt, _out_name(d))
    return out


def _matrices_beside(d: Derivation) -> list[dict[str, Any]]:
    """The matrices of the function (W, V, X, ...) at the same instance, drawn beside the
    result: that the Jacobian of Wx *is* W, or holds Wᵀ, is then seen cell by cell."""
    out = []
    for name, shape in d.variables.items():
        value = d.values.get(name)
        if value is None or len(shape) != 2 or min(shape) < 2:
            continue
        m = np.asarray(value, dtype=np.float64)
        out.append(
            {"name": name, "cells": pictures.grid(m), "rows": m.shape[0], "cols": m.shape[1]}
        )
    return out[:2]


def _reading(d: Derivation) -> str:
    """How to read the heat map's rows and columns for this kind of derivative."""
    wrt_shapes = [d.variables[w] for w in d.wrt]
    matrix_result = len(d.shape) == 2 and min(d.shape) > 1
    if len(wrt_shapes) == 1 and wrt_shapes[0] == (1, 1) and matrix_result:
        return "entry (i, j) is the derivative of the output's entry (i, j) by the scalar"
    if len(wrt_shapes) == 1 and min(wrt_shapes[0]) > 1:
        return (
            "entry (i, j) belongs to the matrix entry (i, j)"
            if d.layout == "denominator"
            else "entry (i, j) belongs to the matrix entry (j, i)"
        )
    if d.layout == "denominator":
        return "row = input entry, column = output entry"
    return "row = output entry, column = input entry"


def _out_name(d: Derivation) -> str:
    title = d.steps[-1].latex if d.steps else ""
    for name in ("f", "y", "Y", "L", "z", "Z", "g", "h", "H", "F"):
        if f"\\partial {name}" in title or f"\\partial {name}}}" in title:
            return name
    return "y" if len(d.shape) != 0 else "f"


@router.get("/derivations/{key}", response_class=HTMLResponse, include_in_schema=False)
def widget(key: str, request: Request, shown: int = Query(1, ge=1, le=100)) -> HTMLResponse:
    w = _widget(key, request, shown)
    return render(
        request,
        "_derivation_page.html",
        {"w": w, "title": w.example.caption},
        partial="_derivation.html",
    )


@router.get(
    "/derivations/{key}/steps/{number}", response_class=HTMLResponse, include_in_schema=False
)
def step(key: str, number: int, request: Request) -> HTMLResponse:
    w = _widget(key, request)
    steps = w.derivation.steps
    if not 1 <= number <= len(steps):
        raise NotFound(f"This derivation has {len(steps)} steps.")
    w.shown = number
    context = {
        "w": w,
        "step": steps[number - 1],
        "number": number,
        "oob": True,
        "title": w.example.caption,
    }
    return render(request, "_derivation_page.html", context, partial="_step.html")


@router.get("/derivations/{key}/entry", response_class=HTMLResponse, include_in_schema=False)
def entry(
    key: str, request: Request, i: int = Query(1, ge=1, le=6), j: int = Query(1, ge=1, le=6)
) -> HTMLResponse:
    w = _widget(key, request)
    try:
        worked = entry_derivative(
            w.example.function, w.derivation.variables, w.example.wrt, i, j, w.derivation.values
        )
    except NoRule as exc:
        raise BadInput(exc.message) from None
    return render(
        request,
        "_derivation_page.html",
        {"w": w, "entry": worked, "title": w.example.caption},
        partial="_derivation_entry.html",
    )
