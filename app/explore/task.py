"""The work of one Explore request, as a grading worker runs it (DESIGN §10).

The function is the learner's text and every step of its derivation is checked with
finite differences, so the derivation and the numbers of its pictures are computed in a
worker process under the grading limits (a worker past its time is killed, not waited
for). The answer is plain JSON: the derivation of DESIGN §11, its intermediates for the
dataflow graph, and the numbers each step draws.
"""

from __future__ import annotations

from typing import Any

from app import mathlang
from app.calculus.derivation import Derivation, NoRule, derive
from app.explore.step_pictures import result_matrix, step_pictures


def output_name(steps_latex: list[str], out_shape: list[int], taken: set[str]) -> str:
    """The output's name as the steps write it (f, y or Y unless the variables use it)."""
    choices: tuple[str, ...]
    if len(out_shape) == 0 or out_shape == [1, 1]:
        choices = ("f", "L", "g", "F")
    else:
        choices = ("y", "z", "h", "Y", "Z", "H", "F")
    for name in choices:
        if name not in taken and any(f"\\partial {name}" in t for t in steps_latex):
            return name
    return next((c for c in choices if c not in taken), "F")


def explore(
    function: str, variables: dict[str, str], wrt: list[str], layout: str, seed: int
) -> dict[str, Any]:
    """``{"derivation", "operations", "output", "steps", "result"}``, or ``{"error"}``."""
    try:
        d = derive(function, variables, wrt, layout, seed=seed)
    except mathlang.MathError as exc:
        return {"error": exc.to_dict()}
    except NoRule as exc:
        return {"error": exc.to_dict()}
    out_rows, out_cols = _out_shape(d)
    output = output_name([s.latex for s in d.steps], [out_rows, out_cols], set(d.variables))
    return {
        "derivation": d.to_dict(),
        "operations": [[name, label, list(ops)] for name, label, ops in d.operations],
        "output": output,
        "steps": step_pictures(d, output),
        "result": result_matrix(d),
    }


def _out_shape(d: Derivation) -> tuple[int, int]:
    typed = mathlang.check(mathlang.parse(d.function), d.variables)
    return int(typed.shape[0]), int(typed.shape[1])
