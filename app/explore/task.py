"""The work of one Explore request, as a grading worker runs it (DESIGN §10).

The function is the learner's text: reading it (with the shapes it implies), deriving it
(every step checked with finite differences) and computing the numbers of its pictures all
happen in a worker process under the grading limits (a worker past its time is killed, not
waited for). The answers are plain JSON: the reading of the function as the live preview
shows it, the derivation of DESIGN §11, its intermediates for the dataflow graph, and the
numbers each step draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app import mathlang
from app.calculus.derivation import Derivation, NoRule, derive
from app.explore.declare import DeclarationError, resolve
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


def _refused(
    kind: str, message: str, position: int | None = None, text: str = ""
) -> dict[str, Any]:
    error = mathlang.MathError(kind, message, position)  # type: ignore[arg-type]
    return {"ok": False, "error": error.to_dict(), "caret": error.caret(text) if text else ""}


def read_function(
    function: str,
    declared: Mapping[str, str | None],
    wrt: Sequence[str],
    *,
    max_dim: int,
    max_chars: int,
) -> dict[str, Any]:
    """How the function is read, with every variable's shape: ``{"ok": True, "latex",
    "shape", "variables": {name: SHAPE}, "inferred": {name: sentence}}``, or ``{"ok":
    False, "error", "caret"}`` as the live preview shows an error."""
    if len(function) > max_chars:
        return _refused("limit", f"the function is longer than {max_chars} characters")
    try:
        variables = resolve(function, declared, wrt, max_dim=max_dim)
        shapes = {n: mathlang.parse_declaration(n, s).shape() for n, s in variables.specs.items()}
        tree = mathlang.parse(function)
        typed = mathlang.check(tree, shapes)
    except DeclarationError as exc:
        return _refused(exc.kind, exc.message)
    except mathlang.MathError as exc:
        message = exc.message
        if message.startswith("unknown name") and "did you mean" not in message:
            message += " (add it to the variables; its shape may be left out)"
        return _refused(exc.kind, message, exc.position, function)
    return {
        "ok": True,
        "latex": mathlang.to_latex(tree),
        "shape": [int(n) for n in typed.shape],
        "variables": variables.specs,
        "inferred": variables.inferred,
    }


def explore(
    function: str,
    declared: Mapping[str, str | None],
    wrt: list[str],
    layout: str,
    seed: int,
    *,
    max_dim: int,
    max_chars: int,
) -> dict[str, Any]:
    """``{"reading", "derivation", "operations", "output", "steps", "result"}``, or
    ``{"reading", "error"}`` (the error with a position in the function when it has one)."""
    reading = read_function(function, declared, wrt, max_dim=max_dim, max_chars=max_chars)
    if not reading["ok"]:
        return {"reading": reading, "error": reading["error"]}
    try:
        d = derive(function, reading["variables"], wrt, layout, seed=seed)
    except mathlang.MathError as exc:
        return {"reading": reading, "error": exc.to_dict()}
    except NoRule as exc:
        return {"reading": reading, "error": exc.to_dict()}
    output = output_name([s.latex for s in d.steps], reading["shape"], set(d.variables))
    return {
        "reading": reading,
        "derivation": d.to_dict(),
        "operations": [[name, label, list(ops)] for name, label, ops in d.operations],
        "output": output,
        "steps": step_pictures(d, output),
        "result": result_matrix(d),
    }


__all__ = ["Derivation", "explore", "output_name", "read_function"]
