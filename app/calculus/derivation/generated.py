"""Random derivative problems over the whole expression language (DESIGN §3).

The engine's coverage is measured on problems drawn here (``jtutor derive-coverage``)
and the property test of the engine draws from the same generator. Every construct of
the language can appear: all products (``*`` as scaling or matrix product, ``@``,
``.*``, ``./``, ``/``), powers (``^`` of a scalar, matrix powers, ``^-1``, ``.^``),
the four spellings of the transpose, vector and matrix literals with expression entries,
every built-in function, the constructors and the context-sized ``I`` and ``ones``.
The variable may be a scalar, a column or row vector, a matrix, or several variables of
any shapes stacked into one input (DESIGN §4).

Problems are well posed by construction: ``log`` and ``sqrt`` take positive arguments,
``inv``, ``det`` and matrix powers take well-conditioned square matrices (a variable
declared ``invertible`` or ``spd``, or a product of such), ``logdet`` a symmetric
positive definite one, and ``tan`` an argument kept well inside (-π/2, π/2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from app import mathlang
from app.calculus.derivation import verify
from app.mathlang.declarations import parse_declaration

Shape = tuple[int, int]

ELEMENTWISE = ("exp", "sin", "cos", "tanh", "sigmoid", "relu", "abs")
PIECEWISE_FLAT = ("step",)
REDUCTIONS = ("sum", "mean", "norm")
TRANSPOSES = ("{}^T", "{}'", "{}.T", "transpose({})")


@dataclass(frozen=True)
class GeneratedProblem:
    """A problem as ``jtutor derive`` and ``jtutor grade`` take it."""

    variables: dict[str, str]
    function: str
    wrt: list[str]
    layout: str


@dataclass
class _Var:
    name: str
    shape: Shape
    domain: str = "real"


@dataclass
class _Builder:
    rng: np.random.Generator
    max_size: int = 4
    variables: dict[str, _Var] = field(default_factory=dict)
    wrt: list[str] = field(default_factory=list)

    # -- choices -------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, items: tuple[str, ...] | list[str]) -> str:
        return items[int(self.rng.integers(len(items)))]

    def size(self) -> int:
        return int(self.rng.integers(2, self.max_size + 1))

    # -- variables -----------------------------------------------------------------
    def declare(self, shape: Shape, domain: str = "real", *, wrt: bool = False) -> str:
        rows, cols = shape
        pool: tuple[str, ...]
        if (rows, cols) == (1, 1):
            pool = ("t", "s", "u", "c", "d", "g", "h")
        elif cols == 1:
            pool = ("x", "y", "z", "a", "b", "v", "w")
        elif rows == 1:
            pool = ("r", "q", "p", "o")
        else:
            pool = ("W", "X", "S", "A", "B", "C", "M", "N", "P", "Q", "R", "U", "V")
        name = next((n for n in pool if n not in self.variables), None)
        if name is None:
            name = f"{pool[0]}{len(self.variables)}"
        self.variables[name] = _Var(name, shape, domain)
        if wrt:
            self.wrt.append(name)
        return name

    def variable(self, shape: Shape, domain: str | None = None) -> str:
        """A variable of ``shape``: a variable of the derivative most of the time."""

        def fits(v: _Var) -> bool:
            return v.shape == shape and (domain is None or v.domain == domain)

        mine = [n for n in self.wrt if fits(self.variables[n])]
        if mine and self.chance(0.75):
            return self.pick(mine)
        if domain is None and shape[0] != shape[1]:
            flipped = [n for n in self.wrt if self.variables[n].shape == shape[::-1]]
            if flipped and self.chance(0.5):
                return self.pick(TRANSPOSES).format(self.pick(flipped))
        others = [n for n, v in self.variables.items() if fits(v) and n not in self.wrt]
        if others and self.chance(0.6):
            return self.pick(others)
        return self.declare(shape, domain or "real")

    # -- expressions ---------------------------------------------------------------
    def expr(self, shape: Shape, depth: int) -> str:
        if depth <= 0 or self.chance(0.2):
            return self.leaf(shape)
        rows, cols = shape
        makers = [self.arith, self.arith, self.elementwise, self.product, self.transpose]
        if shape == (1, 1):
            makers += [self.reduction, self.reduction, self.scalar_of_square, self.scalar_only]
        elif cols == 1 or rows == 1:
            makers += [self.vector_only]
        else:
            makers += [self.matrix_only]
        if rows == cols > 1:
            makers += [self.square_only]
        if self._kron_split(shape) is not None:
            makers.append(self.kron)
        return makers[int(self.rng.integers(len(makers)))](shape, depth - 1)

    def leaf(self, shape: Shape) -> str:
        if shape == (1, 1) and self.chance(0.25):
            return self.pick(("2", "0.5", "3", "1.5", "1e-1"))
        return self.variable(shape)

    def arith(self, shape: Shape, depth: int) -> str:
        left = self.expr(shape, depth)
        op = self.pick(("+", "-", ".*", "⊙", "./", "/", "*s", "+s", "+c"))
        if op in ("+", "-", ".*", "⊙"):
            right = self.expr(shape, depth)
            if op == "-" and right == left:  # a - a is 0 everywhere: nothing to derive
                op = "+"
            return f"({left} {op} {right})"
        if op == "./":
            return f"({left} ./ {self.positive(shape, depth)})"
        if op == "/":
            return f"({left} / {self.positive((1, 1), depth)})"
        if op == "+s":  # a scalar added to every entry
            return f"({left} + {self.expr((1, 1), depth)})"
        if op == "+c":  # a context-sized constant
            if shape == (1, 1):
                return f"({left} + 0)"
            constant = "I" if shape[0] == shape[1] else "ones"
            return f"({left} + {self.pick((constant, '0'))})"
        scale = self.expr((1, 1), depth)
        return f"({scale} * {left})" if self.chance(0.5) else f"({left} {scale})"

    def positive(self, shape: Shape, depth: int) -> str:
        inner = self.expr(shape, max(depth - 1, 0))
        form = self.pick(("exp({})", "(1 + {0} .* {0})", "sigmoid({})", "var", "({} .^ 2 + 0.5)"))
        if form == "var":
            return self.variable(shape, "positive")
        return form.format(inner)

    def elementwise(self, shape: Shape, depth: int) -> str:
        choice = self.rng.random()
        if choice < 0.55:
            return f"{self.pick(ELEMENTWISE)}({self.expr(shape, depth)})"
        if choice < 0.65:
            return f"{self.pick(('log', 'ln', 'sqrt'))}({self.positive(shape, depth)})"
        if choice < 0.7:
            return f"tan(0.3 * sin({self.expr(shape, depth)}))"
        if choice < 0.75:
            flat = self.pick(PIECEWISE_FLAT)
            return f"({flat}({self.expr(shape, depth)}) .* {self.expr(shape, depth)})"
        if choice < 0.85:
            return (
                f"{self.pick(('max', 'min'))}({self.expr(shape, depth)}, {self.expr(shape, depth)})"
            )
        power = self.pick(("2", "3"))
        if choice < 0.93:
            return f"({self.expr(shape, depth)} .^ {power})"
        return f"({self.positive(shape, depth)} .^ 0.5)"

    def product(self, shape: Shape, depth: int) -> str:
        rows, cols = shape
        inner = self.size() if self.chance(0.85) else 1
        op = self.pick(("", "*", "@"))
        left, right = self.expr((rows, inner), depth), self.expr((inner, cols), depth)
        if (rows, inner) == (1, 1) or (inner, cols) == (1, 1):
            op = "*" if op == "@" else op  # @ is only the matrix product
        return f"({left} {op} {right})".replace("  ", " ")

    def transpose(self, shape: Shape, depth: int) -> str:
        inner = self.expr((shape[1], shape[0]), depth)
        return self.pick(TRANSPOSES).format(inner if inner.startswith("(") else f"({inner})")

    def reduction(self, shape: Shape, depth: int) -> str:
        of = self.any_shape()
        choice = self.rng.random()
        if choice < 0.6:
            return f"{self.pick(REDUCTIONS)}({self.expr(of, depth)})"
        n = self.size()
        return f"dot({self.expr((n, 1), depth)}, {self.expr((n, 1), depth)})"

    def scalar_of_square(self, shape: Shape, depth: int) -> str:
        n = self.size()
        choice = self.rng.random()
        if choice < 0.4:
            return f"{self.pick(('trace', 'tr'))}({self.expr((n, n), depth)})"
        if choice < 0.75:
            return f"det({self.invertible(n, depth)})"
        return f"logdet({self.spd(n)})"

    def scalar_only(self, shape: Shape, depth: int) -> str:
        inner = self.expr(shape, depth)
        choice = self.rng.random()
        if choice < 0.5:
            return f"({inner}^{self.pick(('2', '3'))})"
        if choice < 0.75:
            return f"({self.positive(shape, depth)}^0.5)"
        return f"({inner} * {self.expr(shape, depth)})"

    def vector_only(self, shape: Shape, depth: int) -> str:
        rows, cols = shape
        n = max(rows, cols)
        choice = self.rng.random()
        if choice < 0.3:
            return f"softmax({self.expr(shape, depth)})"
        if choice < 0.55 and cols == 1:
            return f"diag({self.expr((n, n), depth)})"
        if choice < 0.85 and n <= 4:
            items = ", ".join(self.expr((1, 1), depth) for _ in range(n))
            return f"[{items}]" if cols == 1 else f"[{items}]^T"
        if cols == 1:  # a linear system's solution, inv(A) b
            inverse = self.pick(("inv({})", "{}^-1")).format(self.invertible(rows, depth))
            return f"({inverse} {self.expr(shape, depth)})"
        return f"({self.expr(shape, depth)} - {self.expr(shape, depth)})"

    def matrix_only(self, shape: Shape, depth: int) -> str:
        rows, cols = shape
        choice = self.rng.random()
        if choice < 0.4:
            return f"outer({self.expr((rows, 1), depth)}, {self.expr((cols, 1), depth)})"
        if choice < 0.6 and rows * cols <= 9:
            body = ", ".join(
                "[" + ", ".join(self.expr((1, 1), depth) for _ in range(cols)) + "]"
                for _ in range(rows)
            )
            return f"[{body}]"
        if choice < 0.8:
            return f"({self.expr(shape, depth)} .* ones({rows}, {cols}))"
        return f"({self.expr(shape, depth)} + zeros({rows}, {cols}))"

    def square_only(self, shape: Shape, depth: int) -> str:
        n = shape[0]
        choice = self.rng.random()
        if choice < 0.25:
            return self.pick(("inv({})", "{}^-1")).format(self.invertible(n, depth))
        if choice < 0.45:
            return f"({self.invertible(n, depth)}^{self.pick(('2', '3', '-2'))})"
        if choice < 0.65:
            return f"diag({self.expr((n, 1), depth)})"
        if choice < 0.8:
            return f"({self.expr(shape, depth)} + {self.expr((1, 1), depth)} eye({n}))"
        return f"({self.expr(shape, depth)} I)"

    def invertible(self, n: int, depth: int) -> str:
        """A well-conditioned square matrix built from invertible variables."""
        base = self.variable((n, n), "invertible")
        choice = self.rng.random()
        if choice < 0.5 or depth <= 0:
            return base
        if choice < 0.65:
            return f"{base}^T"
        if choice < 0.8:
            return f"(2 {base})"
        return f"({base} {self.variable((n, n), 'invertible')})"

    def spd(self, n: int) -> str:
        base = self.variable((n, n), "spd")
        form = self.pick(("{}", "({} + I)", "({0} {0})", "{}^T"))
        return form.format(base)

    def _kron_split(self, shape: Shape) -> tuple[Shape, Shape] | None:
        rows, cols = shape
        for a in (2, 1):
            for b in (2, 1):
                if (a, b) != (1, 1) and rows % a == 0 and cols % b == 0:
                    second = (rows // a, cols // b)
                    if second != (1, 1) and rows * cols >= 4:
                        return (a, b), second
        return None

    def kron(self, shape: Shape, depth: int) -> str:
        split = self._kron_split(shape)
        assert split is not None
        first, second = split
        return f"kron({self.expr(first, depth)}, {self.expr(second, depth)})"

    def any_shape(self) -> Shape:
        kind = self.rng.random()
        if kind < 0.4:
            return (self.size(), 1)
        if kind < 0.5:
            return (1, self.size())
        if kind < 0.9:
            return (self.size(), self.size())
        return (1, 1)


def _wrt_shapes(b: _Builder) -> None:
    kind = b.rng.random()
    count = 1 if kind < 0.78 else int(b.rng.integers(2, 4))
    for _ in range(count):
        shape_kind = b.rng.random()
        if shape_kind < 0.2:
            b.declare((1, 1), wrt=True)
        elif shape_kind < 0.5:
            b.declare((b.size(), 1), wrt=True)
        elif shape_kind < 0.58:
            b.declare((1, b.size()), wrt=True)
        elif shape_kind < 0.85:
            rows = b.size()
            cols = b.pick([str(c) for c in (2, 3, 4) if c != rows])
            b.declare((rows, int(cols)), wrt=True)
        else:
            b.declare((n := b.size(), n), b.pick(("invertible", "spd")), wrt=True)


def _output_shape(b: _Builder) -> Shape:
    kind = b.rng.random()
    dims = sorted({d for v in b.variables.values() for d in v.shape if d > 1}) or [3]
    if kind < 0.35:
        return (1, 1)
    sizes = [str(d) for d in dims]
    if kind < 0.6:
        return (int(b.pick(sizes)), 1)
    if kind < 0.68:
        return (1, int(b.pick(sizes)))
    return (int(b.pick(sizes)), int(b.pick(sizes)))


def generate(rng: np.random.Generator, *, depth: int = 3, max_size: int = 4) -> GeneratedProblem:
    """One problem whose function involves the ``wrt`` variables and moves with them.

    A draw is kept only when the function has finite values and a derivative that is not
    zero everywhere at a random instance: ``x - x^T^T`` or ``sum(softmax(x))`` leave
    nothing to derive, and the grader rightly cannot decide an answer of 0 for them.
    """
    attempt = 0
    while True:
        attempt += 1
        b = _Builder(rng, max_size)
        _wrt_shapes(b)
        function = b.expr(_output_shape(b), int(rng.integers(1, depth + 1)))
        mentioned = [w for w in b.wrt if _mentions(function, w)]
        if not mentioned or (len(mentioned) < len(b.wrt) and attempt <= 20):
            continue
        variables = {
            v.name: ("scalar" if v.shape == (1, 1) else _spell(v.shape))
            + ("" if v.domain == "real" else f":{v.domain}")
            for v in b.variables.values()
        }
        if _moves(function, variables, b.wrt, int(rng.integers(2**31))):
            break
    layout = "denominator" if rng.random() < 0.4 else "numerator"
    return GeneratedProblem(variables, function, list(b.wrt), layout)


def _moves(function: str, variables: dict[str, str], wrt: list[str], seed: int) -> bool:
    """Finite values, and a derivative with an entry clearly away from 0."""
    declarations = {n: parse_declaration(n, spec) for n, spec in variables.items()}
    shapes = {n: d.shape() for n, d in declarations.items()}
    try:
        typed = mathlang.check(mathlang.parse(function), shapes)
        values = verify.instance(typed.node, declarations, shapes, seed)
        mathlang.evaluate(typed, values)
        fd, error = verify.finite_differences(typed, values, wrt)
    except (mathlang.MathError, ValueError, FloatingPointError):
        return False
    finite = np.isfinite(error)
    return bool(np.any(finite & (np.abs(fd) > 1e-6 + 100 * np.where(finite, error, 0.0))))


def _spell(shape: Shape) -> str:
    rows, cols = shape
    return str(rows) if cols == 1 else f"{rows}x{cols}"


def _mentions(function: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", function) is not None


def problems(count: int, seed: int, *, depth: int = 3, max_size: int = 4) -> list[GeneratedProblem]:
    rng = np.random.default_rng(seed)
    return [generate(rng, depth=depth, max_size=max_size) for _ in range(count)]
