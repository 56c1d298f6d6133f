"""Random problems over the whole language with their exact Jacobians from autograd.

An independent oracle for the grader: each generated function has two readings, the
text our grammar parses and an autograd program written here by hand, construct by
construct. autograd differentiates the program by reverse mode (no finite differences,
none of our calculus code), and the exact Jacobian is laid out in every layout form
by the rules of DESIGN §4 written out again here, so a mistake in the grader's own
layouts or finite differences cannot hide behind the same mistake in the oracle.

Values are pinned, often adversarially: saturated tanh/sigmoid/exp, matrices of
condition number 1e6..1e8, log/sqrt/1/x of entries 1e-9..1e-6, kinks 1e-12..1e-4 away,
and scales of 1e-8 and 1e+8 in one problem.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import jacobian

N = 3
Env = dict[str, Any]
Program = Callable[[Env], Any]


@dataclass(frozen=True)
class Expr:
    text: str
    run: Program
    kind: str  # "S" scalar, "V" column vector of N, "M" N x N matrix


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + anp.exp(-z))


def _softmax(z: Any) -> Any:
    e = anp.exp(z - anp.max(z))
    return e / anp.sum(e)


def _step(z: Any) -> Any:
    return anp.where(z > 0, 1.0, 0.0)


def _relu(z: Any) -> Any:
    return anp.where(z > 0, z, 0.0)


def _logdet(m: Any) -> Any:
    return anp.linalg.slogdet(m)[1]


def _norm(v: Any) -> Any:
    return anp.sqrt(anp.sum(v * v))


UNARY: list[tuple[str, Callable[[Any], Any]]] = [
    ("exp", anp.exp),
    ("sin", anp.sin),
    ("cos", anp.cos),
    ("tanh", anp.tanh),
    ("sigmoid", _sigmoid),
    ("relu", _relu),
    ("abs", anp.abs),
]
POSITIVE: list[tuple[str, Callable[[Any], Any]]] = [
    ("log", anp.log),
    ("ln", anp.log),
    ("sqrt", anp.sqrt),
]


class Generator:
    """Well-typed random expressions; ``depth`` bounds the nesting."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def pick(self, options: list[Callable[[int], Expr]], depth: int) -> Expr:
        return options[int(self.rng.integers(len(options)))](depth)

    def vector(self, depth: int) -> Expr:
        leaves: list[Callable[[int], Expr]] = [
            lambda d: Expr("x", lambda e: e["x"], "V"),
            lambda d: Expr("y", lambda e: e["y"], "V"),
            lambda d: Expr("A x", lambda e: e["A"] @ e["x"], "V"),
            lambda d: Expr("A^T y", lambda e: e["A"].T @ e["y"], "V"),
        ]
        if depth <= 0:
            return self.pick(leaves, 0)
        compound: list[Callable[[int], Expr]] = [
            self._unary_vector,
            self._positive_vector,
            lambda d: self._binary_vector(d, "+", lambda a, b: a + b),
            lambda d: self._binary_vector(d, "-", lambda a, b: a - b),
            lambda d: self._binary_vector(d, ".*", lambda a, b: a * b),
            self._scaled_vector,
            self._matrix_times_vector,
            self._max_min,
            lambda d: self._wrap(self.vector(d - 1), "softmax({})", _softmax, "V"),
            lambda d: self._wrap(self.vector(d - 1), "({}) .^ 2", lambda v: v**2, "V"),
            lambda d: self._wrap(
                self.vector(d - 1), "step({0}) .* ({0})", lambda v: _step(v) * v, "V"
            ),
            lambda d: self._wrap(self.vector(d - 1), f"({{}}) + zeros({N})", lambda v: v, "V"),
            lambda d: self._wrap(self.vector(d - 1), "({}) + 0", lambda v: v, "V"),
            lambda d: self._wrap(
                self.matrix(d - 1), "diag({})", lambda m: anp.diag(m)[:, None], "V"
            ),
            lambda d: self._literal_vector(d),
            lambda d: self._wrap(self.vector(d - 1), "({}) ./ p", lambda v: v / self._p, "V"),
            lambda d: self._wrap(self.vector(d - 1), "({}) / 2.5", lambda v: v / 2.5, "V"),
        ]
        return self.pick(leaves + compound + compound, depth)

    _p: Any = None  # set by the problem while its program runs

    def scalar(self, depth: int) -> Expr:
        leaves: list[Callable[[int], Expr]] = [
            lambda d: Expr("s", lambda e: e["s"], "S"),
            lambda d: Expr("x^T y", lambda e: (e["x"].T @ e["y"])[0, 0], "S"),
            lambda d: Expr("sum(x)", lambda e: anp.sum(e["x"]), "S"),
        ]
        if depth <= 0:
            return self.pick(leaves, 0)
        v = self.vector
        m = self.matrix
        compound: list[Callable[[int], Expr]] = [
            lambda d: self._wrap(v(d - 1), "sum({})", anp.sum, "S"),
            lambda d: self._wrap(v(d - 1), "mean({})", anp.mean, "S"),
            lambda d: self._wrap(v(d - 1), "norm({})", _norm, "S"),
            lambda d: self._two(v(d - 1), v(d - 1), "dot({}, {})", lambda a, b: anp.sum(a * b)),
            lambda d: self._two(v(d - 1), v(d - 1), "({})^T ({})", lambda a, b: anp.sum(a * b)),
            lambda d: self._wrap(m(d - 1), "trace({})", anp.trace, "S"),
            lambda d: self._wrap(m(d - 1), "tr({})", anp.trace, "S"),
            lambda d: self._wrap(m(d - 1), "det({})", anp.linalg.det, "S"),
            lambda d: self._wrap(v(d - 1), "x^T A ({})", lambda w: self._xa(w), "S"),
            lambda d: self._wrap(self.scalar(d - 1), "({})^2", lambda s: s**2, "S"),
            lambda d: self._wrap(self.scalar(d - 1), "tanh({})", anp.tanh, "S"),
            lambda d: self._wrap(self.scalar(d - 1), "exp({})", anp.exp, "S"),
            lambda d: self._wrap(self.scalar(d - 1), "sigmoid({})", _sigmoid, "S"),
            lambda d: self._two(
                self.scalar(d - 1), self.scalar(d - 1), "({}) * ({})", lambda a, b: a * b
            ),
            lambda d: self._two(self.scalar(d - 1), self.scalar(d - 1), "max({}, {})", anp.maximum),
            lambda d: self._wrap(v(d - 1), "sum(kron({0}, {0}))", lambda w: anp.sum(w) ** 2, "S"),
            lambda d: self._wrap(v(d - 1), f"ones({N})^T ({{}})", anp.sum, "S"),
            lambda d: Expr("logdet(S)", lambda e: _logdet(e["S"]), "S"),
            lambda d: Expr("sum(log(p))", lambda e: anp.sum(anp.log(e["p"])), "S"),
        ]
        return self.pick(leaves + compound + compound, depth)

    def matrix(self, depth: int) -> Expr:
        leaves: list[Callable[[int], Expr]] = [
            lambda d: Expr("A", lambda e: e["A"], "M"),
            lambda d: Expr("A^T", lambda e: e["A"].T, "M"),
            lambda d: Expr("A'", lambda e: e["A"].T, "M"),
            lambda d: Expr("A.T", lambda e: e["A"].T, "M"),
            lambda d: Expr("transpose(A)", lambda e: e["A"].T, "M"),
            lambda d: Expr("inv(S)", lambda e: anp.linalg.inv(e["S"]), "M"),
            lambda d: Expr("S^-1", lambda e: anp.linalg.inv(e["S"]), "M"),
        ]
        if depth <= 0:
            return self.pick(leaves, 0)
        compound: list[Callable[[int], Expr]] = [
            lambda d: self._two(
                self.vector(d - 1), self.vector(d - 1), "outer({}, {})", lambda a, b: a @ b.T
            ),
            lambda d: self._two(
                self.vector(d - 1), self.vector(d - 1), "({}) ({})^T", lambda a, b: a @ b.T
            ),
            lambda d: self._wrap(self.vector(d - 1), "diag({})", lambda v: anp.diag(v[:, 0]), "M"),
            lambda d: self._wrap(self.matrix(d - 1), "({})^2", lambda m: m @ m, "M"),
            lambda d: self._wrap(self.matrix(d - 1), "({}) @ A", lambda m: m @ self._a, "M"),
            lambda d: self._wrap(self.matrix(d - 1), "({}) .* A", lambda m: m * self._a, "M"),
            lambda d: self._wrap(
                self.scalar(d - 1), "A + ({}) I", lambda s: self._a + s * anp.eye(N), "M"
            ),
            lambda d: self._wrap(
                self.scalar(d - 1),
                f"({{}}) eye({N})",
                lambda s: s * anp.eye(N),
                "M",
            ),
            lambda d: self._wrap(
                self.matrix(d - 1),
                f"({{}}) + ones({N}, {N})",
                lambda m: m + 1.0,
                "M",
            ),
        ]
        return self.pick(leaves + compound, depth)

    _a: Any = None

    def _xa(self, w: Any) -> Any:
        return (self._x.T @ self._a @ w)[0, 0]

    _x: Any = None

    # -- helpers ---------------------------------------------------------------
    def _wrap(self, inner: Expr, template: str, fn: Callable[[Any], Any], kind: str) -> Expr:
        return Expr(template.format(inner.text), lambda e: fn(inner.run(e)), kind)

    def _two(self, a: Expr, b: Expr, template: str, fn: Callable[[Any, Any], Any]) -> Expr:
        return Expr(template.format(a.text, b.text), lambda e: fn(a.run(e), b.run(e)), "S")

    def _unary_vector(self, depth: int) -> Expr:
        name, fn = UNARY[int(self.rng.integers(len(UNARY)))]
        return self._wrap(self.vector(depth - 1), name + "({})", fn, "V")

    def _positive_vector(self, depth: int) -> Expr:
        name, fn = POSITIVE[int(self.rng.integers(len(POSITIVE)))]
        if self.rng.random() < 0.5:
            return Expr(f"{name}(p)", lambda e: fn(e["p"]), "V")
        return self._wrap(self.vector(depth - 1), name + "(exp({}))", lambda v: fn(anp.exp(v)), "V")

    def _binary_vector(self, depth: int, op: str, fn: Callable[[Any, Any], Any]) -> Expr:
        a, b = self.vector(depth - 1), self.vector(depth - 1)
        return Expr(f"({a.text}) {op} ({b.text})", lambda e: fn(a.run(e), b.run(e)), "V")

    def _scaled_vector(self, depth: int) -> Expr:
        s, v = self.scalar(depth - 1), self.vector(depth - 1)
        return Expr(f"({s.text}) ({v.text})", lambda e: s.run(e) * v.run(e), "V")

    def _matrix_times_vector(self, depth: int) -> Expr:
        m, v = self.matrix(depth - 1), self.vector(depth - 1)
        op = " @ " if self.rng.random() < 0.3 else " "
        return Expr(f"({m.text}){op}({v.text})", lambda e: m.run(e) @ v.run(e), "V")

    def _max_min(self, depth: int) -> Expr:
        a, b = self.vector(depth - 1), self.vector(depth - 1)
        name, fn = ("max", anp.maximum) if self.rng.random() < 0.5 else ("min", anp.minimum)
        return Expr(f"{name}({a.text}, {b.text})", lambda e: fn(a.run(e), b.run(e)), "V")

    def _literal_vector(self, depth: int) -> Expr:
        parts = [self.scalar(depth - 1) for _ in range(N)]
        text = "[" + ", ".join(p.text for p in parts) + "]"
        return Expr(text, lambda e: anp.reshape(anp.array([p.run(e) for p in parts]), (N, 1)), "V")


SHAPES = {"x": (N, 1), "y": (N, 1), "p": (N, 1), "A": (N, N), "S": (N, N), "s": (1, 1)}
DECLARED = {"x": f"{N}", "y": f"{N}", "p": f"{N}:positive", "A": f"{N}x{N}", "S": f"{N}x{N}"}
DECLARED["s"] = "scalar"


def values(rng: np.random.Generator, scenario: str) -> dict[str, np.ndarray]:
    """Pinned values for one of the scenarios (see the module docstring)."""

    def signed(shape: tuple[int, int]) -> np.ndarray:
        return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)

    out = {name: signed(shape) for name, shape in SHAPES.items()}
    out["p"] = rng.uniform(0.3, 2.0, (N, 1))
    q, _ = np.linalg.qr(rng.normal(size=(N, N)))
    out["S"] = q @ np.diag(rng.uniform(0.5, 2.5, N)) @ q.T
    if scenario == "saturated":
        for name in ("x", "y", "s"):
            out[name] = out[name] * rng.uniform(4.0, 12.0)
    elif scenario == "singular":
        cond = 10.0 ** rng.uniform(6.0, 8.0)
        u, _ = np.linalg.qr(rng.normal(size=(N, N)))
        v, _ = np.linalg.qr(rng.normal(size=(N, N)))
        sigma = np.concatenate([rng.uniform(0.5, 2.0, N - 1), [1.0 / cond]])
        out["A"] = u @ np.diag(sigma) @ v.T
        out["S"] = u @ np.diag(np.abs(sigma)) @ u.T
    elif scenario == "near_zero":
        out["p"][int(rng.integers(N)), 0] = 10.0 ** rng.uniform(-9.0, -6.0)
    elif scenario == "mixed":
        out["x"] = out["x"] * 1e-8
        out["y"] = out["y"] * 1e8
        out["p"][0, 0] *= 1e-8
    return out


@dataclass(frozen=True)
class Case:
    problem: dict[str, object]
    answer: str
    wrong: bool
    label: str


def _literal(matrix: np.ndarray) -> str:
    rows = [", ".join(f"{float(v):.17g}" for v in row) for row in np.atleast_2d(matrix)]
    return "[" + ", ".join(f"[{r}]" for r in rows) + "]"


def layout_forms(
    jac: np.ndarray, out: tuple[int, int], wrt: tuple[int, int]
) -> dict[str, np.ndarray]:
    """The numerator and denominator forms (DESIGN §4) of d out / d wrt, from the raw
    autograd Jacobian of shape out + wrt."""
    m = out[0] * out[1]
    if wrt[1] == 1 or wrt[0] == 1:  # scalar or vector input
        n = wrt[0] * wrt[1]
        numerator = jac.reshape(m, n)
        return {"numerator": numerator, "denominator": numerator.T}
    grad = jac.reshape(wrt)  # scalar output by a matrix
    return {"numerator": grad.T, "denominator": grad}


def kink_problem(rng: np.random.Generator) -> tuple[str, Program, dict[str, np.ndarray]]:
    """A piecewise function with one site pinned 1e-12..1e-4 from its kink."""
    vals = values(rng, "plain")
    offset = 10.0 ** rng.uniform(-12.0, -4.0) * rng.choice([-1.0, 1.0])
    unit = int(rng.integers(N))
    z = vals["A"] @ vals["x"]
    vals["y"] = -z + rng.uniform(0.3, 1.5, (N, 1)) * rng.choice([-1.0, 1.0], (N, 1))
    vals["y"][unit, 0] = -z[unit, 0] + offset
    forms: list[tuple[str, Program]] = [
        ("relu(A x + y)", lambda e: _relu(e["A"] @ e["x"] + e["y"])),
        ("abs(A x + y)", lambda e: anp.abs(e["A"] @ e["x"] + e["y"])),
        ("max(A x + y, 0)", lambda e: anp.maximum(e["A"] @ e["x"] + e["y"], 0.0)),
        (
            "tanh(A x) .* step(A x + y)",
            lambda e: anp.tanh(e["A"] @ e["x"]) * _step(e["A"] @ e["x"] + e["y"]),
        ),
        ("sum(relu(A x + y) .^ 2)", lambda e: anp.sum(_relu(e["A"] @ e["x"] + e["y"]) ** 2)),
    ]
    text, program = forms[int(rng.integers(len(forms)))]
    return text, program, vals


SCENARIOS = ("plain", "plain", "saturated", "singular", "near_zero", "mixed", "kink")


def cases(seed: int, problems: int) -> Iterator[Case]:
    """Exact and wrong answers for ``problems`` random pinned problems."""
    rng = np.random.default_rng(seed)
    gen = Generator(rng)
    made = 0
    while made < problems:
        scenario = SCENARIOS[int(rng.integers(len(SCENARIOS)))]
        kind = "V"
        if scenario == "kink":
            text, program, vals = kink_problem(rng)
        else:
            vals = values(rng, scenario)
            kind = "S" if rng.random() < 0.5 else "V"
            expr = (
                gen.scalar(int(rng.integers(1, 4)))
                if kind == "S"
                else gen.vector(int(rng.integers(1, 4)))
            )
            text, program = expr.text, expr.run
        names = ["x", "y", "s", "p"] + (["A", "S"] if scenario != "kink" and kind == "S" else [])
        present = [n for n in names if re.search(rf"\b{n}\b", text)]
        if present and rng.random() < 0.95:
            names = present
        wrt = str(rng.choice(names))
        made += 1
        yield from _answers(rng, gen, text, program, vals, wrt)


def _answers(
    rng: np.random.Generator,
    gen: Generator,
    text: str,
    program: Program,
    vals: dict[str, np.ndarray],
    wrt: str,
) -> Iterator[Case]:
    def run(env: Env) -> Any:
        gen._p, gen._a, gen._x = env["p"], env["A"], env["x"]
        return program(env)

    def f(w: Any) -> Any:
        env: Env = dict(vals)
        env[wrt] = w
        return (
            anp.reshape(run(env), (-1, 1)) if anp.ndim(run(env)) else anp.reshape(run(env), (1, 1))
        )

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "output independent of input": a zero Jacobian
        try:
            out = np.asarray(f(vals[wrt]), dtype=float)
            jac = np.asarray(jacobian(f)(vals[wrt]), dtype=float)
        except (ValueError, np.linalg.LinAlgError):
            return
    if not (np.all(np.isfinite(out)) and np.all(np.isfinite(jac))) or out.size > N:
        return
    if np.max(np.abs(jac), initial=0.0) > 1e12:
        return  # beyond what a learner's answer is ever graded at
    forms = layout_forms(jac, (out.shape[0], 1), SHAPES[wrt])
    layout = str(rng.choice(["numerator", "denominator", "any"]))
    problem = {
        "variables": dict(DECLARED),
        "function": text,
        "wrt": wrt,
        "layout": layout,
        "values": {k: v.tolist() for k, v in vals.items()},
    }
    accepted = ["numerator", "denominator"] if layout == "any" else [layout]
    exact = forms[accepted[0] if layout == "any" else layout]
    for name in accepted:
        yield Case(problem, _literal(forms[name]), False, f"exact {name}")
    scale = float(np.max(np.abs(exact), initial=0.0))
    if scale == 0.0 or not np.isfinite(scale):
        return
    big = np.flatnonzero(np.abs(exact) >= 1e-2 * scale)
    entry = int(rng.choice(big))
    relative = 10.0 ** rng.uniform(-5.0, -2.0)
    one = exact.copy().ravel()
    one[entry] *= 1.0 + relative * rng.choice([-1.0, 1.0])
    yield Case(problem, _literal(one.reshape(exact.shape)), True, f"one entry x(1+{relative:.1e})")
    yield Case(problem, _literal(-exact), True, "negation")
    yield Case(problem, _literal(1.01 * exact), True, "x1.01")
    yield Case(problem, _literal(np.zeros_like(exact)), True, "all zero")
    transposed = exact.T
    other_accepted = any(
        forms[name].shape == transposed.shape
        and np.allclose(forms[name], transposed, rtol=1e-4, atol=1e-4 * scale)
        for name in accepted
    )
    if not other_accepted:
        yield Case(problem, _literal(transposed), True, "transposed")


def literal_of(problem: dict[str, object]) -> str:
    return json.dumps(problem)


def matrix_forms(
    jac: np.ndarray, out: tuple[int, int], ins: list[tuple[int, int]]
) -> dict[str, np.ndarray]:
    """DESIGN §4's two matrix forms from the Jacobian as (outputs, stacked inputs), for every
    case with at most two axes: an input that is one matrix only under a scalar output,
    a matrix output only under one scalar input."""
    m = out[0] * out[1]
    if len(ins) == 1 and 1 not in ins[0]:  # a scalar by a matrix X: den has X's shape
        grad = jac.reshape(ins[0])
        return {"numerator": grad.T, "denominator": grad}
    if 1 not in out:  # a matrix by a scalar: num has Y's shape
        grid = jac.reshape(out)
        return {"numerator": grid, "denominator": grid.T}
    n = jac.shape[1]
    numerator = jac.reshape(m, n)
    return {"numerator": numerator, "denominator": numerator.T}


ORACLE_SHIFTS = (1e-11, 1e-13)
"""Relative moves of the inputs that probe the oracle's own conditioning."""


def reliable(
    program: Program,
    vals: dict[str, np.ndarray],
    wrt: list[str],
    jac: np.ndarray,
) -> bool:
    """Whether float64 rounding inside the oracle is small against the grader's tolerance.

    autograd computes in float64, so its Jacobian carries the rounding of every step: where
    the Jacobian is ill-conditioned in the inputs (an inverse of condition 1e8 squared,
    a difference of nearly equal large terms) that rounding can exceed the grader's
    relative tolerance of 1e-6, and a right grader would be counted wrong. Moving every
    input by a relative shift moves the Jacobian by about the shift times its
    sensitivity; the same change scaled to a few eps estimates the oracle's rounding,
    which must stay below a tenth of the tolerance band (1e-6 |J| + 1e-8 max |J|). A
    kink 1e-12 away jumps under the larger shift, not by rounding: the smaller shift
    then decides (the oracle is exact on either side of a kink)."""
    rng = np.random.default_rng(0)  # its own draws: the caller's stream is left alone
    eps = float(np.finfo(float).eps)
    band = 1e-6 * np.abs(jac) + 1e-8 * float(np.max(np.abs(jac), initial=0.0))
    signs = [{k: rng.choice([-1.0, 1.0], np.shape(v)) for k, v in vals.items()} for _ in range(2)]
    for shift in ORACLE_SHIFTS:
        if all(_steady(program, vals, wrt, jac, sign, shift, band, eps) for sign in signs):
            return True
    return False


def _steady(
    program: Program,
    vals: dict[str, np.ndarray],
    wrt: list[str],
    jac: np.ndarray,
    sign: dict[str, np.ndarray],
    shift: float,
    band: np.ndarray,
    eps: float,
) -> bool:
    moved = {k: v * (1.0 + shift * sign[k]) for k, v in vals.items()}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            blocks = []
            for name in wrt:

                def part(w: Any, name: str = name) -> Any:
                    env: Env = dict(moved)
                    env[name] = w
                    return anp.reshape(program(env), (-1,))

                block = np.asarray(jacobian(part)(moved[name]), dtype=float)
                blocks.append(block.reshape(jac.shape[0], -1))
        except (ValueError, np.linalg.LinAlgError, TypeError):
            return False
    change = np.abs(np.hstack(blocks) - jac) * (8.0 * eps / shift)
    return bool(np.all(change <= 0.1 * band))


def answers_for(
    rng: np.random.Generator,
    text: str,
    program: Program,
    vals: dict[str, np.ndarray],
    wrt: list[str],
    declared: dict[str, str],
    shapes: dict[str, tuple[int, int]],
    out_shape: tuple[int, int],
) -> Iterator[Case]:
    """Exact answers in every accepted layout and wrong ones, for a problem with several
    ``wrt`` variables and any output of at most two derivative axes."""

    def output(env: Env) -> Any:
        return anp.reshape(program(env), (-1,))

    blocks = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = np.asarray(output(dict(vals)), dtype=float)
            for name in wrt:

                def part(w: Any, name: str = name) -> Any:
                    env: Env = dict(vals)
                    env[name] = w
                    return output(env)

                block = np.asarray(jacobian(part)(vals[name]), dtype=float)
                blocks.append(block.reshape(out.size, -1))
        except (ValueError, np.linalg.LinAlgError, TypeError):
            return
    jac = np.hstack(blocks)
    if not (np.all(np.isfinite(out)) and np.all(np.isfinite(jac))):
        return
    if np.max(np.abs(jac), initial=0.0) > 1e12 or np.max(np.abs(out), initial=0.0) > 1e15:
        return
    if not reliable(program, vals, wrt, jac):
        return  # the oracle's own rounding is not small against the tolerance: not counted
    forms = matrix_forms(jac, out_shape, [shapes[n] for n in wrt])
    layout = str(rng.choice(["numerator", "denominator", "any"]))
    problem = {
        "variables": declared,
        "function": text,
        "wrt": ",".join(wrt) if rng.random() < 0.5 else list(wrt),
        "layout": layout,
        "values": {k: v.tolist() for k, v in vals.items()},
    }
    accepted = ["numerator", "denominator"] if layout == "any" else [layout]
    for name in accepted:
        yield Case(problem, _literal(forms[name]), False, f"exact {name}")
    exact = forms[accepted[0]]
    scale = float(np.max(np.abs(exact), initial=0.0))
    if scale == 0.0 or not np.isfinite(scale):
        return
    big = np.flatnonzero(np.abs(exact) >= 1e-2 * scale)
    one = exact.copy().ravel()
    entry = int(rng.choice(big))
    relative = 10.0 ** rng.uniform(-5.0, -2.0)
    one[entry] *= 1.0 + relative * rng.choice([-1.0, 1.0])
    yield Case(problem, _literal(one.reshape(exact.shape)), True, f"one entry x(1+{relative:.1e})")
    small = np.flatnonzero(np.abs(exact.ravel()) < 1e-3 * scale)
    if small.size:
        bumped = exact.copy().ravel()
        bumped[int(rng.choice(small))] += 1e-4 * scale * rng.choice([-1.0, 1.0])
        yield Case(problem, _literal(bumped.reshape(exact.shape)), True, "small entry + 1e-4 scale")
    yield Case(problem, _literal(-exact), True, "negation")
    yield Case(problem, _literal(0.999 * exact), True, "x0.999")
    yield Case(problem, _literal(np.zeros_like(exact)), True, "all zero")
    if exact.size > 1 and len(big) > 1:
        i, j = rng.choice(big, size=2, replace=False)
        swapped = exact.copy().ravel()
        if not np.isclose(swapped[i], swapped[j], rtol=1e-4, atol=0.0):
            swapped[i], swapped[j] = swapped[j], swapped[i]
            yield Case(problem, _literal(swapped.reshape(exact.shape)), True, "two entries swapped")
    transposed = exact.T
    fits = any(
        forms[name].shape == transposed.shape
        and np.allclose(forms[name], transposed, rtol=1e-4, atol=1e-4 * scale)
        for name in accepted
    )
    if not fits:
        yield Case(problem, _literal(transposed), True, "transposed")
