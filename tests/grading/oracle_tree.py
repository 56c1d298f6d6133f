"""A third oracle: grammar-driven random expression trees with shape inference.

Built apart from :mod:`tests.grading.oracle` and :mod:`tests.grading.oracle_wide` (which
draw expressions for a fixed set of variables and shapes): here every problem declares
its own variables with sizes drawn for it (1 to 4 rows and columns: scalars, columns,
rows, rectangular and square matrices, positive vectors), and an expression of a
requested shape is grown top-down from a grammar of every construct of the language,
each rule inferring the shapes of its children (``W x`` picks an inner size, ``kron``
splits its sizes, ``diag`` turns a vector into a square matrix). Each node carries its
text (with the language's spelling variants: ``^T ' .T transpose()``, ``* @`` and
juxtaposition, ``⊙ ⊘``, ``^-1 inv()``, ``tr trace``, ``ln log``) and an autograd
program written here; autograd's reverse mode gives the exact Jacobian, laid out by
DESIGN §4's table (written out a third time below), in index form for a family of
problems whose derivative has a closed index expression.

Values are drawn per scenario, including adversarial pins: saturated activations,
matrices of condition 1e6..1e8, log/sqrt/division of entries 1e-9..1e-6, a kinked unit
1e-12..1e-4 from its kink (through an offset variable that only the kinked node reads),
scales 1e-8 and 1e8 mixed, and periodic functions of arguments of 1e6..1e8.

Where the oracle itself cannot be trusted to the grader's accuracy it is left out, not
counted: the Jacobian is evaluated again at inputs moved by a few parts in 1e11; a change
that, scaled to float64 rounding, is not small against the grader's tolerance means the
float64 oracle has cancelled digits (``skipped``).

``python -m tests.grading.oracle_tree --seed S --lines N [--max-depth D] [--scenario
kink ...]`` grades N lines and prints each false verdict as a reproducer for ``jtutor
grade --batch``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import jacobian

from tests.grading.oracle import reliable

Shape = tuple[int, int]
Env = dict[str, Any]
Program = Callable[[Env], Any]


@dataclass(frozen=True)
class Node:
    text: str
    shape: Shape
    run: Program
    wrap: bool = True
    """Whether the text needs brackets inside a product or power."""

    def inner(self) -> str:
        return f"({self.text})" if self.wrap else self.text


@dataclass
class Var:
    name: str
    shape: Shape
    positive: bool = False
    role: str = "plain"  # plain, square (well-conditioned), offset (kink pin), fast (periodic)


@dataclass
class Case:
    problem: dict[str, Any]
    answer: str
    wrong: bool
    label: str


@dataclass
class Tally:
    graded: int = 0
    skipped: int = 0
    undecided: int = 0
    false: list[str] = field(default_factory=list)


def _stable_sigmoid(z: Any) -> Any:
    ahead = anp.exp(-anp.where(z >= 0, z, 0.0))
    behind = anp.exp(anp.where(z < 0, z, 0.0))
    return anp.where(z >= 0, 1.0 / (1.0 + ahead), behind / (1.0 + behind))


def _relu(z: Any) -> Any:
    return anp.where(z > 0, z, 0.0)


def _step(z: Any) -> Any:
    return anp.where(z > 0, 1.0, 0.0) + 0.0 * z


def _softmax(v: Any) -> Any:
    e = anp.exp(v - anp.max(v))
    return e / anp.sum(e)


def _logdet(m: Any) -> Any:
    return anp.linalg.slogdet(m)[1]


def _t(text: str, rng: np.random.Generator) -> str:
    return text + str(rng.choice(["^T", "'", ".T"]))


class Grammar:
    """Grows an expression of a requested shape over the declared variables."""

    def __init__(self, rng: np.random.Generator, variables: list[Var], scenario: str):
        self.rng = rng
        self.vars = variables
        self.scenario = scenario
        self.kink_inner: Program | None = None

    def pick(self, options: list[Callable[[], Node | None]], shape: Shape) -> Node:
        for _ in range(40):
            made = options[int(self.rng.integers(len(options)))]()
            if made is not None:
                return made
        return self.leaf_or_constant(shape)

    def coin(self, p: float = 0.5) -> bool:
        return bool(self.rng.random() < p)

    def size(self) -> int:
        return int(self.rng.integers(1, 5))

    # --- leaves ---------------------------------------------------------------------

    def leaf(self, shape: Shape, positive: bool = False) -> Node | None:
        options: list[Node] = []
        for v in self.vars:
            if v.role == "offset" or (positive and not v.positive):
                continue
            if v.shape == shape:
                options.append(Node(v.name, shape, lambda e, n=v.name: e[n], wrap=False))
            elif v.shape == (shape[1], shape[0]) and not positive:
                if self.coin(0.2):
                    options.append(
                        Node(f"transpose({v.name})", shape, lambda e, n=v.name: e[n].T, False)
                    )
                else:
                    text = _t(v.name, self.rng)
                    options.append(Node(text, shape, lambda e, n=v.name: e[n].T, wrap=False))
        if not options:
            return None
        return options[int(self.rng.integers(len(options)))]

    def leaf_or_constant(self, shape: Shape) -> Node:
        made = self.leaf(shape)
        if made is not None:
            return made
        return self.constant(shape)

    def constant(self, shape: Shape) -> Node:
        k = float(self.rng.choice([0.5, 1.5, 2.0, 3.0, 0.25]))
        if shape == (1, 1):
            return Node(f"{k:g}", shape, lambda e: k, wrap=False)
        if shape[0] == shape[1] and self.coin(0.5):
            return Node(f"{k:g} eye({shape[0]})", shape, lambda e: k * anp.eye(shape[0]))
        return Node(f"{k:g} ones({shape[0]}, {shape[1]})", shape, lambda e: k * anp.ones(shape))

    # --- the grammar ----------------------------------------------------------------

    def expr(self, shape: Shape, depth: int) -> Node:
        if depth <= 0:
            return self.leaf_or_constant(shape)
        d = depth - 1
        rows, cols = shape
        options: list[Callable[[], Node | None]] = [
            lambda: self.leaf(shape),
            lambda: self.elementwise(shape, d),
            lambda: self.elementwise(shape, d),
            lambda: self.arith(shape, d),
            lambda: self.matmul(shape, d),
            lambda: self.scale(shape, d),
            lambda: self.transposed(shape, d),
            lambda: self.minmax(shape, d),
            lambda: self.powered(shape, d),
            lambda: self.positive(shape, d),
        ]
        if shape == (1, 1):
            options += [
                lambda: self.reduce(d),
                lambda: self.reduce(d),
                lambda: self.square_scalar(d),
            ]
            options += [lambda: self.dot(d), lambda: self.entry(d)]
        if cols == 1 and rows > 1:
            options += [lambda: self.softmax(shape, d), lambda: self.literal_column(shape, d)]
            options += [lambda: self.solve(shape, d)]
            options += [lambda: self.diag_of(shape, d)]
        if rows == cols and rows > 1:
            options += [lambda: self.square(shape, d), lambda: self.diag_from(shape, d)]
            options += [lambda: self.shifted(shape, d)]
        if rows > 1 and cols > 1:
            options += [lambda: self.outer(shape, d), lambda: self.kron(shape, d)]
            if rows <= 3 and cols <= 3:
                options.append(lambda: self.literal_matrix(shape, d))
        return self.pick(options, shape)

    def elementwise(self, shape: Shape, d: int) -> Node | None:
        x = self.expr(shape, d)
        name = str(
            self.rng.choice(["exp", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "tan", "step"])
        )
        if name == "exp" and self.scenario in ("huge", "periodic"):
            name = "tanh"
        if name == "tan":  # away from the poles
            return Node(
                f"tan(0.4 tanh({x.text}))",
                shape,
                lambda e: anp.tan(0.4 * anp.tanh(x.run(e))),
                False,
            )
        if name == "step":  # a piecewise-constant factor times something smooth
            y = self.expr(shape, d)
            return Node(
                f"step({x.text}) .* {y.inner()}", shape, lambda e: _step(x.run(e)) * y.run(e)
            )
        fns: dict[str, Callable[[Any], Any]] = {
            "exp": anp.exp,
            "sin": anp.sin,
            "cos": anp.cos,
            "tanh": anp.tanh,
            "sigmoid": _stable_sigmoid,
            "relu": _relu,
            "abs": anp.abs,
        }
        fn = fns[name]
        return Node(f"{name}({x.text})", shape, lambda e: fn(x.run(e)), False)

    def arith(self, shape: Shape, d: int) -> Node | None:
        x, y = self.expr(shape, d), self.expr(shape, d)
        op = str(self.rng.choice(["+", "-", ".*", "⊙", "./", "⊘", "/"]))
        if op in ("./", "⊘", "/"):
            if shape == (1, 1) and op == "/":
                den = self.positive_node(shape, d)
                return Node(f"{x.inner()} / {den.inner()}", shape, lambda e: x.run(e) / den.run(e))
            den = self.positive_node(shape, d)
            return Node(f"{x.inner()} {op} {den.inner()}", shape, lambda e: x.run(e) / den.run(e))
        if op in (".*", "⊙"):
            return Node(f"{x.inner()} {op} {y.inner()}", shape, lambda e: x.run(e) * y.run(e))
        if op == "+":
            return Node(f"{x.text} + {y.inner()}", shape, lambda e: x.run(e) + y.run(e))
        return Node(f"{x.text} - {y.inner()}", shape, lambda e: x.run(e) - y.run(e))

    def positive_node(self, shape: Shape, d: int) -> Node:
        """Something positive of ``shape``: a positive variable (maybe near 0) or a
        function that cannot reach 0."""
        leaf = self.leaf(shape, positive=True)
        if leaf is not None and self.coin(0.6):
            return leaf
        x = self.expr(shape, d)
        kind = int(self.rng.integers(3))
        if kind == 0:
            return Node(f"exp({x.text})", shape, lambda e: anp.exp(x.run(e)), False)
        if kind == 1:
            return Node(f"{x.inner()} .^ 2 + 1", shape, lambda e: x.run(e) ** 2 + 1.0)
        return Node(f"sigmoid({x.text}) + 0.5", shape, lambda e: _stable_sigmoid(x.run(e)) + 0.5)

    def positive(self, shape: Shape, d: int) -> Node | None:
        p = self.positive_node(shape, d)
        name = str(self.rng.choice(["log", "ln", "sqrt", "pow"]))
        if name == "pow":
            k = float(self.rng.choice([0.5, -1.0, 1.5, -0.5]))
            op = "^" if shape == (1, 1) else ".^"
            return Node(f"{p.inner()} {op} ({k:g})", shape, lambda e: p.run(e) ** k)
        fn = anp.sqrt if name == "sqrt" else anp.log
        return Node(f"{name}({p.text})", shape, lambda e: fn(p.run(e)), False)

    def matmul(self, shape: Shape, d: int) -> Node | None:
        k = self.size()
        if shape == (1, 1) and k == 1:
            k = int(self.rng.integers(2, 5))
        x, y = self.expr((shape[0], k), d), self.expr((k, shape[1]), d)
        op = str(self.rng.choice([" ", " ", " * ", " @ "]))
        return Node(f"{x.inner()}{op}{y.inner()}", shape, lambda e: x.run(e) @ y.run(e))

    def scale(self, shape: Shape, d: int) -> Node | None:
        if shape == (1, 1):
            return None
        s, x = self.expr((1, 1), d), self.expr(shape, d)
        if self.coin(0.25):
            return Node(f"{x.inner()} / 2.5", shape, lambda e: x.run(e) / 2.5)
        op = " * " if self.coin(0.3) else " "
        return Node(f"{s.inner()}{op}{x.inner()}", shape, lambda e: s.run(e) * x.run(e))

    def transposed(self, shape: Shape, d: int) -> Node | None:
        x = self.expr((shape[1], shape[0]), d)
        if self.coin(0.25):
            return Node(f"transpose({x.text})", shape, lambda e: x.run(e).T, False)
        return Node(_t(x.inner(), self.rng), shape, lambda e: x.run(e).T, False)

    def minmax(self, shape: Shape, d: int) -> Node | None:
        x, y = self.expr(shape, d), self.expr(shape, d)
        if self.coin():
            return Node(
                f"max({x.text}, {y.text})", shape, lambda e: anp.maximum(x.run(e), y.run(e)), False
            )
        return Node(
            f"min({x.text}, {y.text})", shape, lambda e: anp.minimum(x.run(e), y.run(e)), False
        )

    def powered(self, shape: Shape, d: int) -> Node | None:
        x = self.expr(shape, d)
        k = int(self.rng.choice([2, 3]))
        if shape == (1, 1):
            return Node(f"{x.inner()}^{k}", shape, lambda e: x.run(e) ** k)
        return Node(f"{x.inner()} .^ {k}", shape, lambda e: x.run(e) ** k)

    def reduce(self, d: int) -> Node | None:
        shape = (self.size(), self.size())
        if self.coin(0.5):
            shape = (shape[0], 1)
        x = self.expr(shape, d)
        kind = str(self.rng.choice(["sum", "mean", "norm"]))
        if kind == "sum":
            return Node(f"sum({x.text})", (1, 1), lambda e: anp.sum(x.run(e)), False)
        if kind == "mean":
            return Node(f"mean({x.text})", (1, 1), lambda e: anp.mean(x.run(e)), False)
        # norm away from 0: of something plus a constant offset
        return Node(
            f"norm({x.text} + ones({shape[0]}, {shape[1]}))",
            (1, 1),
            lambda e: anp.sqrt(anp.sum((x.run(e) + 1.0) ** 2)),
            False,
        )

    def dot(self, d: int) -> Node | None:
        n = int(self.rng.integers(2, 5))
        x, y = self.expr((n, 1), d), self.expr((n, 1), d)
        return Node(
            f"dot({x.text}, {y.text})", (1, 1), lambda e: anp.sum(x.run(e) * y.run(e)), False
        )

    def entry(self, d: int) -> Node | None:
        n = int(self.rng.integers(2, 5))
        x = self.expr((n, 1), d)
        i = int(self.rng.integers(1, n + 1))
        return Node(f"({x.text})[{i}]", (1, 1), lambda e: x.run(e)[i - 1, 0], False)

    def square_scalar(self, d: int) -> Node | None:
        n = int(self.rng.integers(2, 4))
        kind = str(self.rng.choice(["trace", "tr", "det", "logdet", "quad"]))
        if kind == "logdet":
            sq = self.conditioned(n)
            if sq is None:
                x = self.expr((n, n), d)
                return Node(
                    f"logdet({x.inner()} {x.inner()}' + eye({n}))",
                    (1, 1),
                    lambda e: _logdet(x.run(e) @ x.run(e).T + anp.eye(n)),
                    False,
                )
            return Node(
                f"logdet({sq.text} {_t(sq.text, self.rng)})",
                (1, 1),
                lambda e: _logdet(sq.run(e) @ sq.run(e).T),
                False,
            )
        if kind == "det":
            sq = self.conditioned(n) or self.expr((n, n), d)
            return Node(f"det({sq.text})", (1, 1), lambda e: anp.linalg.det(sq.run(e)), False)
        if kind == "quad":
            x = self.expr((n, 1), d)
            m = self.expr((n, n), d)
            return Node(
                f"{_t(x.inner(), self.rng)} {m.inner()} {x.inner()}",
                (1, 1),
                lambda e: (x.run(e).T @ m.run(e) @ x.run(e))[0, 0],
            )
        sq = self.expr((n, n), d)
        return Node(f"{kind}({sq.text})", (1, 1), lambda e: anp.trace(sq.run(e)), False)

    def conditioned(self, n: int) -> Node | None:
        """A square variable whose values the scenario keeps invertible (maybe barely)."""
        for v in self.vars:
            if v.role == "square" and v.shape == (n, n):
                return Node(v.name, (n, n), lambda e, m=v.name: e[m], wrap=False)
        return None

    def square(self, shape: Shape, d: int) -> Node | None:
        n = shape[0]
        kind = int(self.rng.integers(5))
        if kind == 0:
            sq = self.conditioned(n)
            if sq is None:
                return None
            text = f"inv({sq.text})" if self.coin() else f"{sq.text}^-1"
            return Node(text, shape, lambda e: anp.linalg.inv(sq.run(e)), False)
        x = self.expr(shape, d)
        if kind == 1:
            return Node(f"{x.inner()}^2", shape, lambda e: x.run(e) @ x.run(e))
        if kind == 2:
            s = self.expr((1, 1), d)
            return Node(
                f"{x.text} + {s.inner()} I", shape, lambda e: x.run(e) + s.run(e) * anp.eye(n)
            )
        if kind == 3:
            return Node(f"{x.text} + eye({n})", shape, lambda e: x.run(e) + anp.eye(n))
        return Node(
            f"inv({x.inner()} {_t(x.inner(), self.rng)} + eye({n}))",
            shape,
            lambda e: anp.linalg.inv(x.run(e) @ x.run(e).T + anp.eye(n)),
            False,
        )

    def solve(self, shape: Shape, d: int) -> Node | None:
        """inv(S) v, S^-1 v, or the quadratic form's gradient-like S^-T v."""
        sq = self.conditioned(shape[0])
        if sq is None:
            return None
        v = self.expr(shape, d)
        kind = int(self.rng.integers(3))
        if kind == 0:
            return Node(
                f"inv({sq.text}) {v.inner()}", shape, lambda e: anp.linalg.inv(sq.run(e)) @ v.run(e)
            )
        if kind == 1:
            return Node(
                f"{sq.text}^-1 {v.inner()}", shape, lambda e: anp.linalg.inv(sq.run(e)) @ v.run(e)
            )
        return Node(
            f"inv({_t(sq.text, self.rng)}) {v.inner()}",
            shape,
            lambda e: anp.linalg.inv(sq.run(e).T) @ v.run(e),
        )

    def shifted(self, shape: Shape, d: int) -> Node | None:
        """X + s I: the identity sized by its context."""
        x, t = self.expr(shape, d), self.expr((1, 1), d)
        n = shape[0]
        return Node(f"{x.text} + {t.inner()} I", shape, lambda e: x.run(e) + t.run(e) * anp.eye(n))

    def softmax(self, shape: Shape, d: int) -> Node | None:
        x = self.expr(shape, d)
        return Node(f"softmax({x.text})", shape, lambda e: _softmax(x.run(e)), False)

    def literal_column(self, shape: Shape, d: int) -> Node | None:
        if shape[0] > 4:
            return None
        parts = [self.expr((1, 1), max(d - 1, 0)) for _ in range(shape[0])]
        text = "[" + ", ".join(p.text for p in parts) + "]"
        return Node(
            text,
            shape,
            lambda e: anp.reshape(anp.array([anp.reshape(p.run(e), ()) for p in parts]), shape),
            False,
        )

    def literal_matrix(self, shape: Shape, d: int) -> Node | None:
        cells = [
            [self.expr((1, 1), max(d - 1, 0)) for _ in range(shape[1])] for _ in range(shape[0])
        ]
        text = "[" + ", ".join("[" + ", ".join(c.text for c in row) + "]" for row in cells) + "]"

        def run(e: Env) -> Any:
            return anp.reshape(
                anp.array([anp.reshape(c.run(e), ()) for row in cells for c in row]), shape
            )

        return Node(text, shape, run, False)

    def diag_of(self, shape: Shape, d: int) -> Node | None:
        sq = self.expr((shape[0], shape[0]), d)
        return Node(
            f"diag({sq.text})", shape, lambda e: anp.reshape(anp.diag(sq.run(e)), shape), False
        )

    def diag_from(self, shape: Shape, d: int) -> Node | None:
        v = self.expr((shape[0], 1), d)
        return Node(f"diag({v.text})", shape, lambda e: anp.diag(v.run(e)[:, 0]), False)

    def outer(self, shape: Shape, d: int) -> Node | None:
        p, q = self.expr((shape[0], 1), d), self.expr((shape[1], 1), d)
        return Node(f"outer({p.text}, {q.text})", shape, lambda e: p.run(e) @ q.run(e).T, False)

    def kron(self, shape: Shape, d: int) -> Node | None:
        splits = [
            (a, b, c, f)
            for a in range(1, shape[0] + 1)
            for c in range(1, shape[1] + 1)
            if shape[0] % a == 0 and shape[1] % c == 0
            for b in [shape[0] // a]
            for f in [shape[1] // c]
            if (a, c) != (1, 1) and (b, f) != (1, 1)
        ]
        if not splits:
            return None
        a, b, c, f = splits[int(self.rng.integers(len(splits)))]
        x, y = self.expr((a, c), d), self.expr((b, f), d)

        def run(e: Env) -> Any:
            xv, yv = x.run(e), y.run(e)
            blocks = [anp.concatenate([xv[i, j] * yv for j in range(c)], axis=1) for i in range(a)]
            return anp.concatenate(blocks, axis=0)

        return Node(f"kron({x.text}, {y.text})", shape, run, False)

    # --- a kinked unit pinned near its kink ----------------------------------------

    def kinked(self, inner: Node, offset: Var) -> Node:
        """A kinked function of ``inner + offset`` (the offset pins one unit near 0)."""
        kind = str(self.rng.choice(["relu", "abs", "max", "min", "step"]))
        o = offset.name
        self.kink_inner = inner.run
        z = Node(f"{inner.text} + {o}", inner.shape, lambda e: inner.run(e) + e[o])
        if kind == "relu":
            return Node(f"relu({z.text})", z.shape, lambda e: _relu(z.run(e)), False)
        if kind == "abs":
            return Node(f"abs({z.text})", z.shape, lambda e: anp.abs(z.run(e)), False)
        if kind == "max":
            return Node(
                f"max({inner.text}, -{o})",
                z.shape,
                lambda e: anp.maximum(inner.run(e), -e[o]),
                False,
            )
        if kind == "min":
            return Node(
                f"min({inner.text}, -{o})",
                z.shape,
                lambda e: anp.minimum(inner.run(e), -e[o]),
                False,
            )
        return Node(
            f"step({z.text}) .* {inner.inner()}",
            z.shape,
            lambda e: _step(z.run(e)) * inner.run(e),
        )


SCENARIOS = (
    "plain",
    "plain",
    "saturated",
    "conditioned",
    "near_zero",
    "mixed",
    "huge",
    "periodic",
    "kink",
)


MAX_DEPTH = 3
"""Nesting of the generated expressions (``--max-depth`` raises it for a hunt)."""
INDEX_SHARE = 0.08
"""The share of problems drawn from the index-form templates."""
IDENTITY_SHARE = 0.08
"""The share of unpinned problems with answers written in the language."""


def declare(rng: np.random.Generator, scenario: str) -> list[Var]:
    """The problem's variables, with sizes of its own."""
    n, m = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    out = [
        Var("s", (1, 1)),
        Var("x", (n, 1)),
        Var("y", (m, 1)),
        Var("r", (1, m)),
        Var("W", (n, m)),
        Var("p", (n, 1), positive=True),
        Var("q", (1, 1), positive=True),
        Var("S", (n, n), role="square"),
    ]
    if rng.random() < 0.5:
        out.append(Var("B", (m, m), role="square"))
    rng.shuffle(out)  # type: ignore[arg-type]
    return out


def values(
    rng: np.random.Generator, variables: list[Var], scenario: str, text: str = ""
) -> dict[str, np.ndarray]:
    """Values for a scenario; the variables it scales are those ``text`` reads, if any."""
    vals: dict[str, np.ndarray] = {}
    for v in variables:
        a = rng.uniform(0.3, 1.7, v.shape) * rng.choice([-1.0, 1.0], v.shape)
        if v.positive:
            a = np.abs(a)
        if v.role == "square":
            n = v.shape[0]
            a = rng.normal(size=(n, n)) + 2.5 * np.eye(n)
        vals[v.name] = a
    plain = [v for v in variables if v.role == "plain" and not v.positive]
    read = [v for v in plain if re.search(rf"\b{v.name}\b", text)]
    plain = read or plain
    if scenario == "saturated":
        for v in rng.permutation(plain)[:3]:  # type: ignore[arg-type]
            vals[v.name] = vals[v.name] * rng.uniform(6.0, 25.0)
    elif scenario == "conditioned":
        for v in variables:
            if v.role == "square":
                n = v.shape[0]
                cond = 10.0 ** rng.uniform(6.0, 8.0)
                q1, _ = np.linalg.qr(rng.normal(size=(n, n)))
                q2, _ = np.linalg.qr(rng.normal(size=(n, n)))
                sigma = np.geomspace(rng.uniform(0.7, 2.0), 1.0 / cond, n)
                vals[v.name] = q1 @ np.diag(sigma) @ q2.T
    elif scenario == "near_zero":
        for v in variables:
            if v.positive:
                flat = vals[v.name].reshape(-1)
                flat[int(rng.integers(flat.size))] = 10.0 ** rng.uniform(-9.0, -6.0)
    elif scenario == "mixed":
        order = rng.permutation(len(variables))
        for k, i in enumerate(order[:4]):
            factor = 1e-8 if k % 2 == 0 else 1e8
            if variables[i].role == "square" and factor > 1:
                continue
            vals[variables[i].name] = vals[variables[i].name] * factor
    elif scenario == "huge":
        for v in rng.permutation(plain)[:2]:  # type: ignore[arg-type]
            vals[v.name] = vals[v.name] * 10.0 ** rng.uniform(3.0, 6.0)
    elif scenario == "periodic":
        for v in rng.permutation(plain)[:1]:  # type: ignore[arg-type]
            vals[v.name] = vals[v.name] * 10.0 ** rng.uniform(6.0, 8.0)
    return vals


def periodic_expression(g: Grammar, shape: Shape, depth: int) -> Node:
    """A periodic function of an argument that the scenario makes huge."""
    inner = g.expr(shape, depth)
    fn = str(g.rng.choice(["sin", "cos"]))
    prog = anp.sin if fn == "sin" else anp.cos
    base = Node(f"{fn}({inner.text})", shape, lambda e: prog(inner.run(e)), False)
    if g.coin(0.5):
        weight = g.expr(shape, max(depth - 1, 0))
        return Node(
            f"{weight.inner()} .* {base.text}", shape, lambda e: weight.run(e) * base.run(e)
        )
    return base


def _axes(shape: Shape) -> list[int]:
    return [d for d in shape if d != 1]


def matrix_forms(jac: np.ndarray, out: Shape, ins: list[Shape]) -> dict[str, np.ndarray] | None:
    """DESIGN §4's numerator and denominator forms from the (outputs, inputs) Jacobian,
    or None where the derivative has more than two axes (index form)."""
    out_axes = _axes(out)
    in_axes = [sum(r * c for r, c in ins)] if len(ins) > 1 else _axes(ins[0])
    if len(out_axes) + len(in_axes) > 2:
        return None
    size_out = int(np.prod(out_axes)) if out_axes else 1
    if not out_axes and not in_axes:
        return {"numerator": jac.reshape(1, 1), "denominator": jac.reshape(1, 1)}
    if not out_axes:
        if len(in_axes) == 2:  # f scalar, X p x q: numerator q x p, denominator p x q
            p, q = ins[0]
            den = jac.reshape(p, q)
            return {"numerator": den.T, "denominator": den}
        return {"numerator": jac.reshape(1, -1), "denominator": jac.reshape(-1, 1)}
    if not in_axes:
        if len(out_axes) == 2:  # Y r x s, x scalar: numerator r x s, denominator s x r
            num = jac.reshape(out)
            return {"numerator": num, "denominator": num.T}
        return {"numerator": jac.reshape(-1, 1), "denominator": jac.reshape(1, -1)}
    num = jac.reshape(size_out, -1)
    return {"numerator": num, "denominator": num.T}


def literal(matrix: np.ndarray) -> str:
    rows = [", ".join(repr(float(v)) for v in row) for row in np.atleast_2d(matrix)]
    return "[" + ", ".join("[" + r + "]" for r in rows) + "]"


def exact_jacobian(
    program: Program, vals: dict[str, np.ndarray], wrt: list[str]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(f, d vec(f) / d [vec(wrt_1); vec(wrt_2); ...]) by autograd, None if not finite."""

    def flat(env: Env) -> Any:
        return anp.reshape(program(env), (-1,))

    blocks = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = np.asarray(flat(dict(vals)), dtype=float)
            for name in wrt:

                def part(w: Any, name: str = name) -> Any:
                    env: Env = dict(vals)
                    env[name] = w
                    return flat(env)

                blocks.append(
                    np.asarray(jacobian(part)(vals[name]), dtype=float).reshape(out.size, -1)
                )
        except (ValueError, np.linalg.LinAlgError, TypeError, FloatingPointError):
            return None
    jac = np.hstack(blocks)
    if not (np.all(np.isfinite(out)) and np.all(np.isfinite(jac))):
        return None
    return out, jac


def _wrt_choices(text: str, variables: list[Var], out: Shape) -> list[list[str]]:
    present = [v for v in variables if re.search(rf"\b{v.name}\b", text) and v.role != "offset"]
    single = [[v.name] for v in present]
    vectors = [v.name for v in present if v.shape[1] == 1]
    if out[0] == 1 or out[1] == 1:
        pairs = [[a, b] for a in vectors for b in vectors if a < b]
        return single + pairs
    return single


def problem_text(
    g: Grammar, rng: np.random.Generator, scenario: str, variables: list[Var], max_depth: int
) -> tuple[Node, list[Var]]:
    shapes = [v.shape for v in variables if v.role != "offset"]
    out_options: list[Shape] = [(1, 1), (1, 1)] + [s for s in shapes if 1 in s] + [shapes[0]]
    out = out_options[int(rng.integers(len(out_options)))]
    depth = int(rng.integers(1, max_depth + 1))
    if scenario == "periodic":
        return periodic_expression(g, out, depth - 1), variables
    if scenario == "kink":
        shape = (int(rng.integers(2, 5)), 1) if out == (1, 1) else out
        offset = Var("o", shape, role="offset")
        variables = [*variables, offset]
        g.vars = variables
        node = g.kinked(g.expr(shape, depth - 1), offset)
        if out == (1, 1):
            how = int(rng.integers(3))
            if how == 0:
                node = Node(f"sum({node.text})", out, lambda e, n=node: anp.sum(n.run(e)), False)
            else:
                w = g.expr(shape, 0)
                node = Node(
                    f"{_t(w.inner(), rng)} {node.inner()}",
                    out,
                    lambda e, n=node, w=w: (w.run(e).T @ n.run(e))[0, 0],
                )
        return node, variables
    return g.expr(out, depth), variables


def declared(variables: list[Var]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in variables:
        r, c = v.shape
        if (r, c) == (1, 1):
            text = "scalar"
        elif c == 1:
            text = str(r)
        else:
            text = f"{r}x{c}"
        out[v.name] = text + (":positive" if v.positive else "")
    return out


def cases(
    seed: int,
    problems: int,
    max_depth: int = MAX_DEPTH,
    scenarios: tuple[str, ...] = SCENARIOS,
) -> Iterator[Case | None]:
    """Exact and wrong answers for ``problems`` random problems; None marks a problem
    left out because the oracle cannot be trusted there."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < problems:
        draw = rng.random()
        if draw < INDEX_SHARE:
            made += 1
            yield from index_cases(rng)
            continue
        if draw < INDEX_SHARE + IDENTITY_SHARE:
            made += 1
            yield from identity_cases(rng)
            continue
        scenario = scenarios[int(rng.integers(len(scenarios)))]
        variables = declare(rng, scenario)
        g = Grammar(rng, variables, scenario)
        node, variables = problem_text(g, rng, scenario, variables, max_depth)
        vals = values(rng, variables, scenario, node.text)
        if scenario == "kink":
            try:
                _pin_offset(rng, g, vals)
            except (ValueError, np.linalg.LinAlgError, TypeError):
                continue
        options = _wrt_choices(node.text, variables, node.shape)
        if not options or len(node.text) > 600:
            continue
        wrt = options[int(rng.integers(len(options)))]
        got = exact_jacobian(node.run, vals, wrt)
        if got is None:
            continue
        out, jac = got
        scale = float(np.max(np.abs(jac), initial=0.0))
        if scale > 1e12 or float(np.max(np.abs(out), initial=0.0)) > 1e15:
            continue
        forms = matrix_forms(jac, node.shape, [vals[n].shape for n in wrt])
        if forms is None:
            continue
        made += 1
        if not reliable(node.run, vals, wrt, jac):
            yield None
            continue
        for case in _answers(rng, node, variables, vals, wrt, forms, scale):
            yield Case(case.problem, case.answer, case.wrong, f"{scenario}: {case.label}")


def _pin_offset(rng: np.random.Generator, g: Grammar, vals: dict[str, np.ndarray]) -> None:
    """Set the offset o so that one unit's argument inner + o sits 1e-12..1e-4 (relative
    to inner) from the kink and the others 0.3..1.5 away from it."""
    assert g.kink_inner is not None
    probe = {k: v for k, v in vals.items() if k != "o"}
    with np.errstate(all="ignore"):
        inner = np.asarray(g.kink_inner(probe), dtype=float)
    o = -inner + rng.uniform(0.3, 1.5, inner.shape) * rng.choice([-1.0, 1.0], inner.shape)
    unit = int(rng.integers(o.size))
    size = max(1.0, abs(float(inner.reshape(-1)[unit])))
    gap = 10.0 ** rng.uniform(-12.0, -4.0) * float(rng.choice([-1.0, 1.0])) * size
    o.reshape(-1)[unit] = -inner.reshape(-1)[unit] + gap
    vals["o"] = o


def _answers(
    rng: np.random.Generator,
    node: Node,
    variables: list[Var],
    vals: dict[str, np.ndarray],
    wrt: list[str],
    forms: dict[str, np.ndarray],
    scale: float,
) -> Iterator[Case]:
    layout = str(rng.choice(["numerator", "denominator", "any"]))
    problem = {
        "variables": declared(variables),
        "function": node.text,
        "wrt": ",".join(wrt) if rng.random() < 0.5 else list(wrt),
        "layout": layout,
        "values": {k: v.tolist() for k, v in vals.items()},
    }
    accepted = ["numerator", "denominator"] if layout == "any" else [layout]
    for name in accepted:
        yield Case(problem, literal(forms[name]), False, f"exact {name}")
    exact = forms[accepted[0]]
    if scale == 0.0:
        return
    big = np.flatnonzero(np.abs(exact) >= 1e-2 * scale)
    one = exact.copy().reshape(-1)
    relative = 10.0 ** rng.uniform(-5.0, -2.0)
    one[int(rng.choice(big))] *= 1.0 + relative * rng.choice([-1.0, 1.0])
    wrong = [
        (one.reshape(exact.shape), f"one entry x(1+-{relative:.1e})"),
        (-exact, "negation"),
        (1.01 * exact, "x1.01"),
        (np.zeros_like(exact), "all zero"),
    ]
    for answer, label in wrong:
        # Not wrong where it is another accepted form within the grader's tolerance: the
        # negation of an antisymmetric Jacobian (inv(S^T) y - inv(S) y) is its
        # denominator form, which layout any accepts.
        if not any(_within_tolerance(answer, forms[a], scale) for a in accepted):
            yield Case(problem, literal(answer), True, label)
    flipped = exact.T
    if not any(
        f.shape == flipped.shape and np.allclose(f, flipped, rtol=1e-4, atol=1e-4 * scale)
        for f in (forms[a] for a in accepted)
    ):
        yield Case(problem, literal(flipped), True, "transposed")


def _within_tolerance(answer: np.ndarray, form: np.ndarray, scale: float) -> bool:
    """Whether ``answer`` equals ``form`` to the grader's tolerance (1e-6 relative,
    1e-8 of the largest entry)."""
    if answer.shape != form.shape:
        return False
    return bool(np.all(np.abs(answer - form) <= 1e-6 * np.abs(form) + 1e-8 * scale))


@dataclass(frozen=True)
class IndexTemplate:
    """A problem whose derivative has a closed index expression: output indices ``out``
    and input indices ``ins`` name the canonical axes D[out..., in...]."""

    function: str
    wrt: str
    out: str
    ins: str
    exact: str
    wrong: tuple[tuple[str, str], ...]
    program: Program


INDEX_TEMPLATES = (
    IndexTemplate(
        "W x",
        "W",
        "i",
        "jk",
        "delta(i,j) * x[k]",
        (
            ("x[k]", "no delta"),
            ("-delta(i,j) * x[k]", "negation"),
            ("1.01 * delta(i,j) * x[k]", "x1.01"),
            ("0 * x[k]", "all zero"),
        ),
        lambda e: e["W"] @ e["x"],
    ),
    IndexTemplate(
        "W x",
        "x",
        "i",
        "j",
        "W[i,j]",
        (("-W[i,j]", "negation"), ("1.01 * W[i,j]", "x1.01"), ("delta(i,j)", "identity")),
        lambda e: e["W"] @ e["x"],
    ),
    IndexTemplate(
        "p .* y2",
        "y2",
        "i",
        "j",
        "delta(i,j) * p[i]",
        (
            ("p[i]", "no delta"),
            ("delta(i,j) * y2[i]", "the other factor"),
            ("-delta(i,j) * p[i]", "negation"),
        ),
        lambda e: e["p"] * e["y2"],
    ),
    IndexTemplate(
        "A X B",
        "X",
        "ij",
        "kl",
        "A[i,k] * B[l,j]",
        (
            ("A[i,k] * B[j,l]", "B transposed"),
            ("1.01 * A[i,k] * B[l,j]", "x1.01"),
            ("-A[i,k] * B[l,j]", "negation"),
        ),
        lambda e: e["A"] @ e["X"] @ e["B"],
    ),
    IndexTemplate(
        "X .* Y",
        "X",
        "ij",
        "kl",
        "delta(i,k) * delta(j,l) * Y[i,j]",
        (
            ("delta(i,k) * delta(j,l)", "no factor"),
            (
                "delta(i,k) * delta(j,l) * Y[i,j] * (1 + 0.001 * delta(i,1) * delta(j,1))",
                "one entry x1.001",
            ),
        ),
        lambda e: e["X"] * e["Y"],
    ),
    IndexTemplate(
        "s X^T",
        "X",
        "ij",
        "kl",
        "s * delta(i,l) * delta(j,k)",
        (("s * delta(i,k) * delta(j,l)", "transposed"), ("delta(i,l) * delta(j,k)", "no s")),
        lambda e: e["s"] * e["X"].T,
    ),
)


def index_cases(rng: np.random.Generator) -> Iterator[Case]:
    """One index-form problem from a template, checked against autograd first."""
    n, m, k = (int(v) for v in rng.integers(2, 5, size=3))
    shapes: dict[str, Shape] = {
        "W": (n, m),
        "x": (m, 1),
        "p": (n, 1),
        "y2": (n, 1),
        "A": (k, n),
        "X": (n, m),
        "B": (m, k),
        "Y": (n, m),
        "s": (1, 1),
    }
    template = INDEX_TEMPLATES[int(rng.integers(len(INDEX_TEMPLATES)))]
    scenario = str(rng.choice(["plain", "mixed", "huge"]))
    vals = {
        name: rng.uniform(0.3, 1.7, shape) * rng.choice([-1.0, 1.0], shape)
        for name, shape in shapes.items()
    }
    if scenario != "plain":
        names = list(rng.permutation(sorted(shapes)))
        for j, name in enumerate(names[:3]):
            vals[str(name)] = vals[str(name)] * (1e-8 if j % 2 == 0 or scenario == "huge" else 1e8)
    got = exact_jacobian(template.program, vals, [template.wrt])
    if got is None:
        return
    _, jac = got
    used = [v for v in shapes if re.search(rf"\b{v}\b", f"{template.function} {template.exact}")]
    variables = [Var(v, shapes[v]) for v in used]
    out_shape = np.shape(template.program(vals))
    # The canonical tensor from the index expression, worked out here with numpy loops.
    tensor = _index_tensor(template, vals, out_shape, shapes[template.wrt])
    if not np.allclose(tensor.reshape(jac.shape), jac, rtol=1e-12, atol=0.0):
        raise AssertionError(f"index template disagrees with autograd: {template.function}")
    layout = str(rng.choice(["numerator", "denominator", "any"]))
    orders = {"numerator": template.out + template.ins, "denominator": template.ins + template.out}
    either = str(rng.choice(["numerator", "denominator"]))
    chosen = orders[either if layout == "any" else layout]
    problem = {
        "variables": declared(variables),
        "function": template.function,
        "wrt": template.wrt,
        "layout": layout,
        "indices": list(chosen),
        "values": {v: vals[v].tolist() for v in used},
    }
    yield Case(problem, template.exact, False, "exact index form")
    for text, label in template.wrong:
        yield Case(problem, text, True, f"index form: {label}")


def _index_tensor(
    template: IndexTemplate, vals: dict[str, np.ndarray], out_shape: tuple[int, ...], win: Shape
) -> np.ndarray:
    """D[out..., in...] from the template's index expression, by its own numpy reading."""
    out_axes = [d for d in out_shape if d != 1]
    in_axes = [d for d in win if d != 1]
    sizes = out_axes + in_axes
    names = template.out + template.ins
    tensor = np.zeros(sizes)
    text = template.exact.replace("^", "**")
    for position in np.ndindex(*sizes):
        env = dict(zip(names, (p + 1 for p in position), strict=True))
        tensor[position] = _read_index(text, env, vals)
    return tensor


def _read_index(text: str, env: dict[str, int], vals: dict[str, np.ndarray]) -> float:
    """The value of an index expression (products of delta(a,b), V[a] / V[a,b] and
    scalars) at one position; a tiny reader for the templates above, nothing more."""
    total = 1.0
    for factor in [f.strip() for f in text.split("*")]:
        if factor.startswith("delta("):
            a, b = factor[6:-1].split(",")
            total *= float(env[a.strip()] == env[b.strip()])
        elif "[" in factor:
            name, rest = factor.split("[")
            idx = [env[c.strip()] - 1 for c in rest.rstrip("]").split(",")]
            value = vals[name]
            total *= float(value[idx[0], idx[1]] if len(idx) == 2 else value[idx[0], 0])
        elif factor in vals:
            total *= float(vals[factor][0, 0])
        else:
            total *= float(factor)
    return total


@dataclass(frozen=True)
class Identity:
    """An unpinned problem with its derivative written in the language for each layout,
    and a numpy reading of those answers that is checked against autograd first."""

    variables: dict[str, str]
    function: str
    wrt: str
    numerator: str
    denominator: str
    program: Program
    numerator_value: Program


def _sig(z: Any) -> Any:
    return _stable_sigmoid(z)


IDENTITIES = (
    Identity(
        {"w": "n", "x": "n"},
        "sigmoid(w^T x)",
        "w",
        "sigmoid(w^T x) (1 - sigmoid(w^T x)) x^T",
        "sigmoid(w^T x) (1 - sigmoid(w^T x)) x",
        lambda e: _sig(e["w"].T @ e["x"]),
        lambda e: _sig(e["w"].T @ e["x"]) * (1 - _sig(e["w"].T @ e["x"])) * e["x"].T,
    ),
    Identity(
        {"W": "mxn", "x": "n", "b": "m"},
        "tanh(W x + b)",
        "x",
        "diag(1 - tanh(W x + b) .^ 2) W",
        "W^T diag(1 - tanh(W x + b) .^ 2)",
        lambda e: anp.tanh(e["W"] @ e["x"] + e["b"]),
        lambda e: (1 - anp.tanh(e["W"] @ e["x"] + e["b"]) ** 2) * e["W"],
    ),
    Identity(
        {"W": "mxn", "x": "n", "b": "m"},
        "relu(W x + b)",
        "b",
        "diag(step(W x + b))",
        "diag(step(W x + b))",
        lambda e: _relu(e["W"] @ e["x"] + e["b"]),
        lambda e: anp.diag(_step(e["W"] @ e["x"] + e["b"])[:, 0]),
    ),
    Identity(
        {"A": "nxn", "x": "n"},
        "x^T A x",
        "x",
        "x^T (A + A^T)",
        "(A + A^T) x",
        lambda e: e["x"].T @ e["A"] @ e["x"],
        lambda e: e["x"].T @ (e["A"] + e["A"].T),
    ),
    Identity(
        {"x": "n", "y": "n"},
        "norm(x - y)",
        "x",
        "(x - y)^T / norm(x - y)",
        "(x - y) / norm(x - y)",
        lambda e: anp.sqrt(anp.sum((e["x"] - e["y"]) ** 2)),
        lambda e: (e["x"] - e["y"]).T / anp.sqrt(anp.sum((e["x"] - e["y"]) ** 2)),
    ),
    Identity(
        {"W": "mxn", "x": "n"},
        "sum(exp(W x))",
        "W",
        "x exp(W x)^T",
        "exp(W x) x^T",
        lambda e: anp.sum(anp.exp(e["W"] @ e["x"])),
        lambda e: e["x"] @ anp.exp(e["W"] @ e["x"]).T,
    ),
    Identity(
        {"W": "mxn", "x": "n"},
        "softmax(W x)",
        "x",
        "(diag(softmax(W x)) - softmax(W x) softmax(W x)^T) W",
        "W^T (diag(softmax(W x)) - softmax(W x) softmax(W x)^T)",
        lambda e: _softmax(e["W"] @ e["x"]),
        lambda e: (
            (
                anp.diag(_softmax(e["W"] @ e["x"])[:, 0])
                - _softmax(e["W"] @ e["x"]) @ _softmax(e["W"] @ e["x"]).T
            )
            @ e["W"]
        ),
    ),
    Identity(
        {"x": "n"},
        "log(sum(exp(x)))",
        "x",
        "softmax(x)^T",
        "softmax(x)",
        lambda e: anp.log(anp.sum(anp.exp(e["x"]))),
        lambda e: _softmax(e["x"]).T,
    ),
    Identity(
        {"a": "n", "X": "nxn", "b": "n"},
        "a^T inv(X) b",
        "X",
        "-(inv(X) b a^T inv(X))",
        "-inv(X)^T a b^T inv(X)^T",
        lambda e: e["a"].T @ anp.linalg.inv(e["X"]) @ e["b"],
        lambda e: -(anp.linalg.inv(e["X"]) @ e["b"] @ e["a"].T @ anp.linalg.inv(e["X"])),
    ),
    Identity(
        {"x": "n", "y": "n"},
        "sin(x)^T cos(y)",
        "x",
        "(cos(x) .* cos(y))^T",
        "cos(x) .* cos(y)",
        lambda e: anp.sin(e["x"]).T @ anp.cos(e["y"]),
        lambda e: (anp.cos(e["x"]) * anp.cos(e["y"])).T,
    ),
    Identity(
        {"p": "n:positive", "x": "n"},
        "sqrt(p)^T x",
        "p",
        "(x ./ (2 sqrt(p)))^T",
        "x ./ (2 sqrt(p))",
        lambda e: anp.sqrt(e["p"]).T @ e["x"],
        lambda e: (e["x"] / (2 * anp.sqrt(e["p"]))).T,
    ),
    Identity(
        {"x": "n", "y": "n"},
        "sum(max(x, y))",
        "x",
        "step(x - y)^T",
        "step(x - y)",
        lambda e: anp.sum(anp.maximum(e["x"], e["y"])),
        lambda e: _step(e["x"] - e["y"]).T,
    ),
    Identity(
        {"X": "nxn"},
        "det(X)",
        "X",
        "det(X) inv(X)",
        "det(X) inv(X)^T",
        lambda e: anp.linalg.det(e["X"]),
        lambda e: anp.linalg.det(e["X"]) * anp.linalg.inv(e["X"]),
    ),
    Identity(
        {"A": "kxn", "X": "nxm", "B": "mxk"},
        "trace(A X B)",
        "X",
        "B A",
        "A^T B^T",
        lambda e: anp.trace(e["A"] @ e["X"] @ e["B"]),
        lambda e: e["B"] @ e["A"],
    ),
    Identity(
        {"W": "mxn", "x": "n"},
        "W x",
        "x",
        "W",
        "W^T",
        lambda e: e["W"] @ e["x"],
        lambda e: e["W"],
    ),
    Identity(
        {"x": "1xn", "W": "nxm"},
        "x W",
        "x",
        "W^T",
        "W",
        lambda e: e["x"] @ e["W"],
        lambda e: e["W"].T,
    ),
)


def identity_cases(rng: np.random.Generator) -> Iterator[Case]:
    """An unpinned problem: the grader draws its own instances. Its answers are checked
    against autograd at random values first (numerator form; the denominator form is the
    numerator's transpose, or for a scalar of a matrix the same rule as ``matrix_forms``)."""
    identity = IDENTITIES[int(rng.integers(len(IDENTITIES)))]
    sizes = {
        "n": int(rng.integers(2, 5)),
        "m": int(rng.integers(2, 5)),
        "k": int(rng.integers(2, 5)),
    }
    declared_vars: dict[str, str] = {}
    shapes: dict[str, Shape] = {}
    for name, spec in identity.variables.items():
        kind, _, domain = spec.partition(":")
        if "x" in kind:
            r, c = (sizes.get(part, 1) for part in kind.split("x"))
            shape: Shape = (r, c)
            text = f"{r}x{c}"
        else:
            shape = (sizes[kind], 1)
            text = str(sizes[kind])
        shapes[name] = shape
        declared_vars[name] = text + (f":{domain}" if domain else "")
    vals = {
        name: rng.uniform(0.3, 1.7, shape) * rng.choice([-1.0, 1.0], shape)
        for name, shape in shapes.items()
    }
    for name, spec in identity.variables.items():
        if spec.endswith("positive"):
            vals[name] = np.abs(vals[name])
    got = exact_jacobian(identity.program, vals, [identity.wrt])
    if got is None:
        return
    out_shape = np.shape(np.atleast_2d(identity.program(vals)))
    forms = matrix_forms(got[1], (int(out_shape[0]), int(out_shape[1])), [shapes[identity.wrt]])
    assert forms is not None
    mine = np.asarray(identity.numerator_value(vals), dtype=float)
    if not np.allclose(mine, forms["numerator"], rtol=1e-10, atol=1e-12):
        raise AssertionError(f"identity disagrees with autograd: {identity.function}")
    layout = str(rng.choice(["numerator", "denominator", "any"]))
    problem = {
        "variables": declared_vars,
        "function": identity.function,
        "wrt": identity.wrt,
        "layout": layout,
    }
    accepted = ["numerator", "denominator"] if layout == "any" else [layout]
    answers = {"numerator": identity.numerator, "denominator": identity.denominator}
    for name in accepted:
        yield Case(problem, answers[name], False, f"identity: exact {name}")
    exact = answers[accepted[0]]
    yield Case(problem, f"-({exact})", True, "identity: negation")
    yield Case(problem, f"1.01 ({exact})", True, "identity: x1.01")
    yield Case(problem, f"1.00001 ({exact})", True, "identity: x1.00001")
    yield Case(problem, f"0 ({exact})", True, "identity: all zero")
    value = forms[accepted[0]]
    if value.shape[0] != value.shape[1] or not np.allclose(value, value.T, rtol=1e-6):
        other = "denominator" if accepted[0] == "numerator" else "numerator"
        if layout != "any":
            yield Case(problem, answers[other], True, "identity: the other layout")


def grade_cases(
    seed: int,
    lines: int,
    report: Callable[[str], None] | None = None,
    max_depth: int = MAX_DEPTH,
    scenarios: tuple[str, ...] = SCENARIOS,
) -> Tally:
    """Grade ``lines`` lines from ``seed``; a false verdict is kept as a reproducer."""
    from app.grading.grader import grade_dict

    tally = Tally()
    for number, case in enumerate(cases(seed, lines, max_depth, scenarios)):
        if tally.graded >= lines:
            break
        if case is None:
            tally.skipped += 1
            continue
        result = grade_dict(case.problem, case.answer, seed=number)
        verdict = result["verdict"]
        tally.graded += 1
        tally.undecided += verdict == "undecided"
        bad = verdict == "correct" if case.wrong else verdict in ("incorrect", "invalid")
        if bad:
            line = json.dumps(
                {
                    **case.problem,
                    "answer": case.answer,
                    "seed": number,
                    "label": case.label,
                    "verdict": verdict,
                    "message": str(result.get("message", ""))[:200],
                }
            )
            tally.false.append(line)
            if report is not None:
                report(line)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--max-depth", type=int, default=MAX_DEPTH)
    parser.add_argument("--scenario", action="append", choices=sorted(set(SCENARIOS)))
    args = parser.parse_args(argv)
    scenarios = tuple(args.scenario) if args.scenario else SCENARIOS
    start = time.process_time()
    tally = grade_cases(
        args.seed, args.lines, lambda line: print(line, flush=True), args.max_depth, scenarios
    )
    print(
        json.dumps(
            {
                "seed": args.seed,
                "graded": tally.graded,
                "skipped_problems": tally.skipped,
                "undecided": tally.undecided,
                "false": len(tally.false),
                "cpu_seconds": round(time.process_time() - start, 1),
            }
        ),
        file=sys.stderr,
    )
    return 1 if tally.false else 0


if __name__ == "__main__":
    raise SystemExit(main())
