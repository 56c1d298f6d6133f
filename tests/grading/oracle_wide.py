"""A second, wider oracle: random typed expressions over every construct, rectangular shapes,
row vectors, several ``wrt`` variables, and adversarial pinned values.

Independent of :mod:`tests.grading.oracle` (its own grammar of problems, its own layout
rules, its own value scenarios), so that a blind spot of one generator is not a blind spot
of the suite. Each expression has two readings built side by side: the text in the
language and an autograd program; autograd's reverse mode gives the exact Jacobian, laid
out by DESIGN §4's table written out again here.

Shapes: a (3), b (4), c (3, positive), u (1x4, a row), t (scalar), W (3x4), V (4x3),
M (3x3), N (3x3, used where an inverse or a log-determinant is taken), P (4, positive).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np

from tests.grading.oracle import Case, answers_for

Shape = tuple[int, int]
Env = dict[str, Any]
Program = Callable[[Env], Any]

SHAPES: dict[str, Shape] = {
    "a": (3, 1),
    "b": (4, 1),
    "c": (3, 1),
    "u": (1, 4),
    "t": (1, 1),
    "W": (3, 4),
    "V": (4, 3),
    "M": (3, 3),
    "N": (3, 3),
    "P": (4, 1),
}
DECLARED = {
    "a": "3",
    "b": "4",
    "c": "3:positive",
    "u": "1x4",
    "t": "scalar",
    "W": "3x4",
    "V": "4x3",
    "M": "3x3",
    "N": "3x3",
    "P": "4:positive",
}
POSITIVE = {(3, 1): "c", (4, 1): "P"}


@dataclass(frozen=True)
class E:
    text: str
    run: Program
    shape: Shape


def _sig(z: Any) -> Any:
    """The logistic function to full relative accuracy on both sides: 0.5 (tanh(z/2) + 1)
    cancels for z << 0 (at z = -30 it is 1e-3 off relative), and log(sigmoid(z)) then
    had a wrong oracle derivative. Each branch takes exp only of the side it serves (z
    clipped at 0, not |z|, whose derivative autograd takes as 0 at 0), so neither branch
    overflows and neither gradient is NaN."""
    ahead = anp.exp(-anp.where(z >= 0, z, 0.0))
    behind = anp.exp(anp.where(z < 0, z, 0.0))
    return anp.where(z >= 0, 1.0 / (1.0 + ahead), behind / (1.0 + behind))


ELEMENTWISE: list[tuple[str, Callable[[Any], Any]]] = [
    ("exp", anp.exp),
    ("sin", anp.sin),
    ("cos", anp.cos),
    ("tanh", anp.tanh),
    ("sigmoid", _sig),
    ("relu", lambda z: anp.where(z > 0, z, 0.0)),
    ("abs", anp.abs),
    ("tan", anp.tan),
]


class Wide:
    """Random expressions of a requested shape; ``depth`` bounds the nesting."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def coin(self, p: float = 0.5) -> bool:
        return bool(self.rng.random() < p)

    def choose(self, options: list[Callable[[], E | None]]) -> E:
        while True:
            made = options[int(self.rng.integers(len(options)))]()
            if made is not None:
                return made

    def leaf(self, shape: Shape) -> E:
        options: list[E] = []
        for name, s in SHAPES.items():
            if s == shape:
                options.append(E(name, lambda e, n=name: e[n], shape))
            if s == (shape[1], shape[0]) and shape[0] != shape[1]:
                mark = ["^T", "'", ".T"][int(self.rng.integers(3))]
                options.append(E(f"{name}{mark}", lambda e, n=name: e[n].T, shape))
        if shape == (1, 1):
            k = float(self.rng.choice([0.5, 1.5, 2.0, 3.0]))
            options.append(E(f"{k:g}", lambda e, k=k: k, shape))
        if not options:
            return self.product(shape, 0)
        return options[int(self.rng.integers(len(options)))]

    def expr(self, shape: Shape, depth: int) -> E:
        if depth <= 0:
            return self.leaf(shape)
        d = depth - 1
        options: list[Callable[[], E | None]] = [
            lambda: self.leaf(shape),
            lambda: self.unary(shape, d),
            lambda: self.binary(shape, d),
            lambda: self.product(shape, d),
            lambda: self.scaled(shape, d),
            lambda: self.positive_fn(shape, d),
            lambda: self.power(shape, d),
            lambda: self.minmax(shape, d),
        ]
        if shape in POSITIVE:
            options += [lambda: self.pole(shape, d)]
        if shape == (1, 1):
            options += [lambda: self.reduction(d), lambda: self.reduction(d)]
        if shape[1] == 1 and shape[0] > 1:
            options += [lambda: self.softmax(shape, d), lambda: self.literal(shape, d)]
            options += [lambda: self.diag_of(shape, d)]
        if shape[0] == shape[1] and shape[0] > 1:
            options += [lambda: self.square(shape, d), lambda: self.diag_matrix(shape, d)]
        if shape[0] > 1 and shape[1] > 1:
            options += [lambda: self.outer(shape, d)]
        return self.choose(options)

    def unary(self, shape: Shape, d: int) -> E:
        name, fn = ELEMENTWISE[int(self.rng.integers(len(ELEMENTWISE)))]
        inner = self.expr(shape, d)
        if name == "tan":  # keep away from its poles
            return E(
                f"tan(0.3 tanh({inner.text}))",
                lambda e: anp.tan(0.3 * anp.tanh(inner.run(e))),
                shape,
            )
        return E(f"{name}({inner.text})", lambda e: fn(inner.run(e)), shape)

    def binary(self, shape: Shape, d: int) -> E:
        x, y = self.expr(shape, d), self.expr(shape, d)
        op = ["+", "-", ".*", "./"][int(self.rng.integers(4))]
        if op == "./":
            return E(
                f"({x.text}) ./ (({y.text}) .^ 2 + 0.5)",
                lambda e: x.run(e) / (y.run(e) ** 2 + 0.5),
                shape,
            )
        fns: dict[str, Callable[[Any, Any], Any]] = {
            "+": lambda p, q: p + q,
            "-": lambda p, q: p - q,
            ".*": lambda p, q: p * q,
        }
        return E(f"({x.text}) {op} ({y.text})", lambda e: fns[op](x.run(e), y.run(e)), shape)

    def product(self, shape: Shape, d: int) -> E:
        k = int(self.rng.choice([1, 3, 4]))
        if shape == (1, 1) and k == 1:
            k = 3
        x, y = self.expr((shape[0], k), d), self.expr((k, shape[1]), d)
        op = " @ " if self.coin(0.3) else " "
        return E(f"({x.text}){op}({y.text})", lambda e: x.run(e) @ y.run(e), shape)

    def scaled(self, shape: Shape, d: int) -> E:
        s, x = self.expr((1, 1), d), self.expr(shape, d)
        if self.coin(0.3):
            return E(f"({x.text}) / 2.5", lambda e: x.run(e) / 2.5, shape)
        return E(f"({s.text}) ({x.text})", lambda e: s.run(e) * x.run(e), shape)

    def positive_fn(self, shape: Shape, d: int) -> E | None:
        name = ["log", "ln", "sqrt"][int(self.rng.integers(3))]
        fn = anp.log if name != "sqrt" else anp.sqrt
        if shape in POSITIVE and self.coin(0.5):
            var = POSITIVE[shape]
            return E(f"{name}({var})", lambda e: fn(e[var]), shape)
        inner = self.expr(shape, d)
        inside = ["exp({})", "({}) .^ 2 + 1", "sigmoid({})"][int(self.rng.integers(3))]
        programs: list[Callable[[Any], Any]] = [anp.exp, lambda z: z**2 + 1.0, _sig]
        prog = programs[["exp({})", "({}) .^ 2 + 1", "sigmoid({})"].index(inside)]
        return E(f"{name}({inside.format(inner.text)})", lambda e: fn(prog(inner.run(e))), shape)

    def pole(self, shape: Shape, d: int) -> E:
        """Division by, or a fractional power of, a positive variable (near 0 in the
        ``near_zero`` scenario)."""
        var = POSITIVE[shape]
        if self.coin():
            x = self.expr(shape, d)
            return E(f"({x.text}) ./ {var}", lambda e: x.run(e) / e[var], shape)
        k = float(self.rng.choice([0.5, 1.5, -0.5]))
        return E(f"{var} .^ ({k:g})", lambda e: e[var] ** k, shape)

    def power(self, shape: Shape, d: int) -> E:
        x = self.expr(shape, d)
        k = int(self.rng.choice([2, 3]))
        if shape == (1, 1):
            return E(f"({x.text})^{k}", lambda e: x.run(e) ** k, shape)
        return E(f"({x.text}) .^ {k}", lambda e: x.run(e) ** k, shape)

    def minmax(self, shape: Shape, d: int) -> E:
        x, y = self.expr(shape, d), self.expr(shape, d)
        if self.coin():
            return E(f"max({x.text}, {y.text})", lambda e: anp.maximum(x.run(e), y.run(e)), shape)
        return E(f"min({x.text}, {y.text})", lambda e: anp.minimum(x.run(e), y.run(e)), shape)

    def reduction(self, d: int) -> E:
        kind = int(self.rng.integers(9))
        vec = self.expr((int(self.rng.choice([3, 4])), 1), d)
        if kind == 0:
            return E(f"sum({vec.text})", lambda e: anp.sum(vec.run(e)), (1, 1))
        if kind == 1:
            return E(f"mean({vec.text})", lambda e: anp.mean(vec.run(e)), (1, 1))
        if kind == 2:
            return E(f"norm({vec.text})", lambda e: anp.sqrt(anp.sum(vec.run(e) ** 2)), (1, 1))
        if kind == 3:
            other = self.expr(vec.shape, d)
            return E(
                f"dot({vec.text}, {other.text})",
                lambda e: anp.sum(vec.run(e) * other.run(e)),
                (1, 1),
            )
        if kind == 4:
            sq = self.expr((3, 3), d)
            name = "trace" if self.coin() else "tr"
            return E(f"{name}({sq.text})", lambda e: anp.trace(sq.run(e)), (1, 1))
        if kind == 5:
            sq = self.expr((3, 3), d)
            return E(f"det({sq.text})", lambda e: anp.linalg.det(sq.run(e)), (1, 1))
        if kind == 6:
            return E("logdet(N N^T)", lambda e: anp.linalg.slogdet(e["N"] @ e["N"].T)[1], (1, 1))
        if kind == 7:
            x = self.expr((3, 1), d)
            return E(
                f"({x.text})^T M ({x.text})",
                lambda e: (x.run(e).T @ e["M"] @ x.run(e))[0, 0],
                (1, 1),
            )
        col = self.expr((3, 1), d)
        idx = int(self.rng.integers(1, 4))
        return E(f"({col.text})[{idx}]", lambda e: col.run(e)[idx - 1, 0], (1, 1))

    def softmax(self, shape: Shape, d: int) -> E:
        x = self.expr(shape, d)

        def run(e: Env) -> Any:
            z = x.run(e)
            ez = anp.exp(z - anp.max(z))
            return ez / anp.sum(ez)

        return E(f"softmax({x.text})", run, shape)

    def literal(self, shape: Shape, d: int) -> E:
        parts = [self.expr((1, 1), d) for _ in range(shape[0])]
        text = "[" + ", ".join(p.text for p in parts) + "]"
        return E(text, lambda e: anp.reshape(anp.array([p.run(e) for p in parts]), shape), shape)

    def diag_of(self, shape: Shape, d: int) -> E:
        sq = self.expr((shape[0], shape[0]), d)
        return E(f"diag({sq.text})", lambda e: anp.reshape(anp.diag(sq.run(e)), shape), shape)

    def square(self, shape: Shape, d: int) -> E:
        kind = int(self.rng.integers(5))
        if kind == 0 and shape == (3, 3):
            text = ["inv(N)", "N^-1"][int(self.rng.integers(2))]
            return E(text, lambda e: anp.linalg.inv(e["N"]), shape)
        x = self.expr(shape, d)
        if kind == 1:
            return E(f"({x.text})^2", lambda e: x.run(e) @ x.run(e), shape)
        if kind == 2:
            s = self.expr((1, 1), d)
            return E(
                f"({x.text}) + ({s.text}) I",
                lambda e: x.run(e) + s.run(e) * anp.eye(shape[0]),
                shape,
            )
        if kind == 3:
            return E(f"transpose({x.text})", lambda e: x.run(e).T, shape)
        return E(f"({x.text}) + ones({shape[0]}, {shape[1]})", lambda e: x.run(e) + 1.0, shape)

    def diag_matrix(self, shape: Shape, d: int) -> E:
        v = self.expr((shape[0], 1), d)
        return E(f"diag({v.text})", lambda e: anp.diag(v.run(e)[:, 0]), shape)

    def outer(self, shape: Shape, d: int) -> E:
        p, q = self.expr((shape[0], 1), d), self.expr((shape[1], 1), d)
        if self.coin():
            return E(f"outer({p.text}, {q.text})", lambda e: p.run(e) @ q.run(e).T, shape)
        return E(f"kron({p.text}, ({q.text})^T)", lambda e: p.run(e) @ q.run(e).T, shape)


def pinned(rng: np.random.Generator, scenario: str) -> dict[str, np.ndarray]:
    """Values for one scenario: plain, saturated, singular, near_zero, mixed, huge."""
    vals: dict[str, np.ndarray] = {}
    for name, shape in SHAPES.items():
        vals[name] = rng.uniform(0.2, 1.8, shape) * rng.choice([-1.0, 1.0], shape)
    vals["c"], vals["P"] = np.abs(vals["c"]), np.abs(vals["P"])
    vals["N"] = vals["N"] + 2.0 * np.eye(3)
    if scenario == "saturated":
        for name in rng.choice(list(SHAPES), size=3, replace=False):
            vals[str(name)] = vals[str(name)] * rng.uniform(5.0, 20.0)
    elif scenario == "singular":
        cond = 10.0 ** rng.uniform(5.0, 8.0)
        q1, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        q2, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        sigma = np.array([rng.uniform(0.8, 2.0), rng.uniform(0.5, 1.0), 1.0 / cond])
        vals["N"] = q1 @ np.diag(sigma) @ q2.T
        vals["M"] = q2 @ np.diag(sigma[::-1]) @ q1.T
    elif scenario == "near_zero":
        for name in ("c", "P"):
            vals[name][int(rng.integers(SHAPES[name][0])), 0] = 10.0 ** rng.uniform(-10.0, -5.0)
        vals["t"] = vals["t"] * 10.0 ** rng.uniform(-9.0, -5.0)
    elif scenario == "mixed":
        names = list(rng.permutation(list(SHAPES)))
        for name in names[:3]:
            vals[str(name)] = vals[str(name)] * 1e-8
        for name in names[3:5]:
            vals[str(name)] = vals[str(name)] * 1e8
    elif scenario == "huge":
        vals["a"] = vals["a"] * 1e6
        vals["u"] = vals["u"] * 1e-6
    return vals


SCENARIOS = ("plain", "plain", "saturated", "singular", "near_zero", "mixed", "huge", "kink")


def kinked(rng: np.random.Generator) -> tuple[E, dict[str, np.ndarray]]:
    """A piecewise function with one argument pinned 1e-12..1e-4 from its kink."""
    vals = pinned(rng, "plain")
    offset = 10.0 ** rng.uniform(-12.0, -4.0) * rng.choice([-1.0, 1.0])
    unit = int(rng.integers(3))
    z = vals["W"] @ vals["b"]
    vals["a"] = -z + rng.uniform(0.3, 1.5, (3, 1)) * rng.choice([-1.0, 1.0], (3, 1))
    vals["a"][unit, 0] = -z[unit, 0] + offset
    forms: list[E] = [
        E(
            "relu(W b + a)",
            lambda e: anp.where(e["W"] @ e["b"] + e["a"] > 0, e["W"] @ e["b"] + e["a"], 0.0),
            (3, 1),
        ),
        E("abs(W b + a)", lambda e: anp.abs(e["W"] @ e["b"] + e["a"]), (3, 1)),
        E("max(W b, -a)", lambda e: anp.maximum(e["W"] @ e["b"], -e["a"]), (3, 1)),
        E("min(-(W b), a)", lambda e: anp.minimum(-(e["W"] @ e["b"]), e["a"]), (3, 1)),
        E(
            "sum(step(W b + a) .* (W b))",
            lambda e: anp.sum(
                anp.where(e["W"] @ e["b"] + e["a"] > 0, 1.0, 0.0) * (e["W"] @ e["b"])
            ),
            (1, 1),
        ),
        E(
            "norm(relu(W b + a))^2",
            lambda e: anp.sum(
                anp.where(e["W"] @ e["b"] + e["a"] > 0, e["W"] @ e["b"] + e["a"], 0.0) ** 2
            ),
            (1, 1),
        ),
    ]
    return forms[int(rng.integers(len(forms)))], vals


def _wrt_options(text: str, out: Shape) -> list[list[str]]:
    import re

    present = [n for n in SHAPES if re.search(rf"\b{n}\b", text)]
    if out == (1, 1):
        single = [[n] for n in present]
    elif 1 in out:
        single = [[n] for n in present if 1 in SHAPES[n]]
    else:
        single = [[n] for n in present if SHAPES[n] == (1, 1)]
    vectors = [n for n in present if 1 in SHAPES[n]]
    stacked = [[p, q] for p in vectors for q in vectors if p < q] if 1 in out else []
    return single + stacked[:2]


def cases(seed: int, problems: int) -> Iterator[Case]:
    """Exact and wrong answers for ``problems`` random pinned problems."""
    rng = np.random.default_rng(seed)
    gen = Wide(rng)
    made = 0
    while made < problems:
        scenario = SCENARIOS[int(rng.integers(len(SCENARIOS)))]
        if scenario == "kink":
            expr, vals = kinked(rng)
        else:
            out = [(1, 1), (3, 1), (4, 1), (1, 4), (1, 1), (3, 4)][int(rng.integers(6))]
            expr = gen.expr(out, int(rng.integers(1, 4)))
            vals = pinned(rng, scenario)
        options = _wrt_options(expr.text, expr.shape)
        if not options:
            continue
        wrt = options[int(rng.integers(len(options)))]
        made += 1
        yield from answers_for(
            rng, expr.text, expr.run, vals, wrt, dict(DECLARED), SHAPES, expr.shape
        )


__all__ = ["cases"]
