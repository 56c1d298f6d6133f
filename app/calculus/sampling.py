"""Random instances for grading (DESIGN §5): seeded, in each variable's domain, and
covering both sides of every kink of the function.

Values are never integers, 0 or ±1 (magnitudes in [0.3, 2] with random signs, avoiding
1 ± 0.05), so that an answer with a stray factor, a dropped term or a transposed operand
cannot agree with the reference by accident. Domains:

* ``real``: those magnitudes with random signs; ``positive``: the magnitudes;
* ``spd``: Q diag(λ) Q^T with a random orthogonal Q and λ in [0.5, 2.5]: symmetric,
  well conditioned (cond <= 5) and not diagonal;
* ``invertible``: U diag(σ) V^T with independent random orthogonal U, V, σ in [0.6, 2] and
  random signs: well conditioned (cond <= 3.4) and not symmetric.

**Calm instances.** Candidates are preferred where finite differences resolve every
entry: no tanh/sigmoid/exp argument saturated, no log/sqrt argument or divisor near 0,
no inverted matrix with a condition number above 1e4 (:func:`hazards`). Branch coverage
comes first: a candidate that is not calm is only taken when no calm one covers a branch.

**Branch coverage.** An answer that is right only where a ReLU unit is active must be
rejected (Parr & Howard §5–6), so the K instances must put every kinked site — the
argument z of ``relu``, ``step``, ``abs`` and ``sign``, and a - b of ``max(a, b)``,
``min(a, b)`` — on both sides. Sites with one entry alternate between sides from
instance to instance (starting on the negative side, so that with K = 3 an inactive unit
is seen twice and a failure there can be confirmed); sites with several entries (a
batch of pre-activations) should have entries on both sides in every instance. No entry
of a site may lie within a small margin of its kink (a few percent of the site's typical
size, far more than a finite-difference step), so the reference is never taken across a
kink. Candidates are drawn in batches and evaluated in one call per site; the first that
fits each instance's target is kept. When the targets cannot all be met (relu(z) and
abs(z) of the same z want opposite sides), the remaining instances are the candidates that
put entries on the sides no chosen instance covers yet, so both sides are still seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.calculus.kinks import SiteFunction
from app.mathlang import MathError, Typed, check, evaluate, functions
from app.mathlang.ast import Binary, Call, Node, Unary, walk
from app.mathlang.declarations import Declaration, Domain
from app.mathlang.evaluate import node_values

Array = npt.NDArray[np.float64]
Instance = dict[str, Array]

LOW, HIGH, GAP = 0.3, 2.0, 0.05
"""Magnitudes are drawn from [LOW, 1 - GAP] and [1 + GAP, HIGH]."""
MARGIN = 0.02
"""No site entry within MARGIN times the site's root-mean-square size of its kink."""
POOL = 32
"""Candidates drawn (and evaluated together) per round."""
ROUNDS = 6

KINKED = functions.KINKED
"""The kinked functions of the language (relu, step, abs, sign: one argument; max, min:
two, whose difference picks the branch)."""


@dataclass(frozen=True)
class Site:
    """A place where the function is not differentiable: the sign of ``argument`` (or of
    ``left - right`` for max/min) picks the branch."""

    call: Call
    argument: Node
    right: Node | None = None


def kinked_sites(tree: Node) -> list[Site]:
    """Every relu/step/abs/sign/max/min call of ``tree``, outermost first."""
    sites = []
    for node in walk(tree):
        if isinstance(node, Call) and node.func in KINKED and len(node.args) in (1, 2):
            if len(node.args) == 1:
                sites.append(Site(node, node.args[0]))
            else:
                sites.append(Site(node, node.args[0], node.args[1]))
    return sites


def magnitudes(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Uniform on [LOW, 1 - GAP] ∪ [1 + GAP, HIGH]: never near 0 or 1, never an integer."""
    left = 1.0 - GAP - LOW
    right = HIGH - 1.0 - GAP
    u = rng.uniform(0.0, left + right, size=shape)
    value: Array = np.where(u < left, LOW + u, 1.0 + GAP + (u - left))
    return value


def draw_value(rng: np.random.Generator, shape: tuple[int, int], domain: Domain) -> Array:
    """One random value of ``shape`` in ``domain``."""
    value: Array = draw_values(rng, 1, shape, domain)[0]
    return value


def draw_values(
    rng: np.random.Generator, count: int, shape: tuple[int, int], domain: Domain
) -> Array:
    """``count`` random values of ``shape`` in ``domain``, stacked: (count, rows, cols).
    One draw for all of them, so a pool of candidates costs a few numpy calls."""
    rows, cols = shape
    if domain in ("spd", "invertible") and rows != cols:
        raise MathError("shape", f"a {domain} matrix must be square, not {rows}x{cols}")
    full = (count, rows, cols)
    if domain == "positive" or (domain == "spd" and rows == 1):
        return magnitudes(rng, full)
    if domain == "real" or rows == 1:
        signed: Array = magnitudes(rng, full) * _signs(rng, full)
        return signed
    if domain == "spd":
        q = _orthogonal(rng, rows, count)
        value = (q * rng.uniform(0.5, 2.5, size=(count, 1, rows))) @ _t(q)
        spd: Array = (value + _t(value)) / 2.0
        return spd
    # invertible, well conditioned, not symmetric
    u, v = _orthogonal(rng, rows, count), _orthogonal(rng, rows, count)
    sigma = rng.uniform(0.6, 2.0, size=(count, 1, rows))
    sigma = sigma * _signs(rng, (count, 1, rows))
    matrix: Array = (u * sigma) @ _t(v)
    asymmetry = np.linalg.norm(matrix - _t(matrix), axis=(1, 2))
    for index in np.flatnonzero(asymmetry <= 0.1 * np.linalg.norm(matrix, axis=(1, 2))):
        matrix[index] = draw_value(rng, shape, domain)  # rare: draw that one again
    return matrix


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Random signs, +-1 with equal chances (``rng.choice`` costs twice as much)."""
    signs: Array = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return signs


def _t(stack: Array) -> Array:
    return np.swapaxes(stack, -1, -2)


def _orthogonal(rng: np.random.Generator, n: int, count: int) -> Array:
    q, r = np.linalg.qr(rng.normal(size=(count, n, n)))
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    haar: Array = q * signs[:, None, :]  # Haar-distributed
    return haar


def sample_sizes(
    ranges: Mapping[str, int | Sequence[int]], rng: np.random.Generator
) -> dict[str, int]:
    """Draw each size symbol from its inclusive ``[low, high]`` range (or a fixed int).

    Distinct symbols get distinct values, and not 1, whenever the ranges allow: a 3x4 W
    catches a transposed answer by its shape alone, a 3x3 one does not.
    """
    fixed = {name: int(r) for name, r in ranges.items() if isinstance(r, int | np.integer)}
    spans = {
        name: (int(r[0]), int(r[1]))
        for name, r in ranges.items()
        if not isinstance(r, int | np.integer)
    }
    for name, (low, high) in spans.items():
        if low > high or low < 1:
            raise MathError("limit", f"the size range {name}: [{low}, {high}] is empty")
    sizes = dict(fixed)
    for name in sorted(spans, key=lambda n: (spans[n][1] - spans[n][0], n)):
        low, high = spans[name]
        options = list(range(low, high + 1))
        taken = set(sizes.values())
        tiers = (
            [v for v in options if v not in taken and v != 1],
            [v for v in options if v not in taken],
            options,
        )
        preferred = next(tier for tier in tiers if tier)
        sizes[name] = int(rng.choice(preferred))
    return sizes


def sample_instances(
    function_tree: Node,
    declarations: Sequence[Declaration] | Mapping[str, Declaration],
    sizes: Mapping[str, int] | None = None,
    k: int = 3,
    seed: int = 0,
    *,
    pinned: Mapping[str, npt.ArrayLike] | None = None,
) -> list[Instance]:
    """``k`` instances (name -> 2-D array) for grading ``function_tree``.

    Every instance gives a finite function value; together they cover both sides of every
    kinked site (see the module docstring) whenever the function allows it. ``pinned``
    variables keep the given value in every instance. The same arguments and seed give
    the same instances.
    """
    sampler = InstanceSampler(function_tree, declarations, sizes, pinned=pinned)
    return sampler.sample(k, np.random.default_rng(seed))


class InstanceSampler:
    """Draws instances for one function: what :func:`sample_instances` does once, kept
    for a grader that draws more instances from its own generator as it goes (a fresh
    instance when too many entries were set aside, another to verify the rest)."""

    def __init__(
        self,
        function_tree: Node,
        declarations: Sequence[Declaration] | Mapping[str, Declaration],
        sizes: Mapping[str, int] | None = None,
        *,
        pinned: Mapping[str, npt.ArrayLike] | None = None,
        typed: Typed | None = None,
    ) -> None:
        """``typed`` is ``function_tree`` already checked against the declared shapes, for a
        caller that has checked it (the tree is checked here otherwise)."""
        self.declarations = (
            list(declarations.values()) if isinstance(declarations, Mapping) else declarations
        )
        self.shapes = {d.name: d.shape(sizes) for d in self.declarations}
        self.fixed = {
            n: np.asarray(v, dtype=np.float64).reshape(self.shapes[n])
            for n, v in (pinned or {}).items()
        }
        self.typed = check(function_tree, self.shapes) if typed is None else typed
        self.sites = kinked_sites(function_tree)
        self._programs = [_SiteProgram(site, self.typed) for site in self.sites]
        self._hazards = hazards(self.typed)

    def site_functions(self) -> list[SiteFunction]:
        """Each kinked site's argument (or a - b) on a batch of values, for the
        structural kink test (:func:`app.calculus.kinks.structural_set_aside`)."""
        return [program.values for program in self._programs]

    def draw(self, rng: np.random.Generator) -> Instance:
        """One instance in the domains, with no regard to kinks or finiteness."""
        return _draw(rng, self.declarations, self.shapes, self.fixed)

    def near(self, instance: Instance, rng: np.random.Generator, scale: float = 1e-3) -> Instance:
        """An instance close to ``instance`` (relative change about ``scale``): on the same
        branches, in the same domains, with pinned values kept. A failure seen at one
        instance is confirmed at a nearby one before an answer is called wrong."""
        domains = {d.name: d.domain for d in self.declarations}
        out: Instance = {}
        for name, value in instance.items():
            if name in self.fixed:
                out[name] = value
                continue
            noise = rng.standard_normal(value.shape)
            if domains.get(name) == "spd":  # a symmetric change keeps S symmetric
                out[name] = value + scale * (noise + noise.T) / 2 * float(np.abs(value).mean())
            else:  # relative: keeps signs (positive) and conditioning (invertible)
                out[name] = value * (1.0 + scale * noise)
        return out

    def _pool(self, rng: np.random.Generator) -> dict[str, Array]:
        """POOL candidates at once: name -> (POOL, rows, cols)."""
        return {
            d.name: np.broadcast_to(self.fixed[d.name], (POOL, *self.shapes[d.name]))
            if d.name in self.fixed
            else draw_values(rng, POOL, self.shapes[d.name], d.domain)
            for d in self.declarations
        }

    def _candidate(self, batch: Mapping[str, Array], c: int) -> Instance:
        """Candidate ``c`` of a pool as an instance of its own."""
        return {n: batch[n][c].copy() for n in self.shapes}

    def sample(self, k: int, rng: np.random.Generator, *, start: int = 0) -> list[Instance]:
        """``k`` instances covering the branches; ``start`` is how many instances were
        drawn before, so that one-entry sites keep alternating across calls."""
        programs = self._programs
        chosen: list[Instance] = []
        seen: set[tuple[int, int]] = set()
        fallback: list[tuple[dict[str, Array], int, SiteSides]] = []
        """Candidates kept as (pool, index, site sides): copied out only when taken."""
        single: list[bool] = []
        """Per site: one entry (it alternates sides), or several (both sides at once)."""
        for _ in range(ROUNDS):
            batch = self._pool(rng)
            nodes = _NodeValues(self.typed, batch)  # one evaluation serves every test
            usable = _finite(self.typed, batch, nodes)
            calm = calm_candidates(self._hazards, batch, nodes)
            signs = [program.signs(batch, nodes) for program in programs]  # (POOL, entries)
            for s in signs:  # no entry of a site may sit at its kink
                usable &= ~np.any(s == 0, axis=1)
            single = [s.shape[1] == 1 for s in signs]
            sides = _PoolSides(signs)
            for c in np.flatnonzero(usable).tolist():
                if len(chosen) == k:
                    break
                own = sides[c]
                if not calm[c]:  # a last resort only
                    fallback.append((batch, c, own))
                    continue
                if _fit(start + len(chosen), own, single) == len(programs):
                    chosen.append(self._candidate(batch, c))
                    seen |= _sides(own)
                else:
                    fallback.append((batch, c, own))
            if len(chosen) == k:
                return chosen
        while len(chosen) < k and fallback:  # targets out of reach: cover what is left
            index = start + len(chosen)
            best = max(
                range(len(fallback)),
                key=lambda i: (
                    len(_sides(fallback[i][2]) - seen),
                    _fit(index, fallback[i][2], single),
                ),
            )
            batch, c, own = fallback.pop(best)
            chosen.append(self._candidate(batch, c))
            seen |= _sides(own)
        while len(chosen) < k:  # nothing clear of the kinks and finite: take any values
            chosen.append(self.draw(rng))
        return chosen


def hazards(typed: Typed) -> list[tuple[str, Typed]]:
    """The sub-expressions where finite differences lose their digits, with what to test:
    ``saturate`` (the argument of tanh, sigmoid, exp: the derivative vanishes next to |f|),
    ``near_zero`` (the argument of log, sqrt, a divisor: a pole or the edge of the domain),
    ``singular`` (a matrix that is inverted or whose determinant is taken)."""
    out: list[tuple[str, Typed]] = []
    for node in walk(typed.node):
        part: tuple[str, Node] | None = None
        if isinstance(node, Call) and node.args:
            if node.func in ("tanh", "sigmoid", "exp", "softmax"):
                part = ("saturate", node.args[0])
            elif node.func in ("log", "ln", "sqrt"):
                part = ("near_zero", node.args[0])
            elif node.func in ("inv", "det", "logdet"):
                part = ("singular", node.args[0])
        elif isinstance(node, Binary) and node.op in ("/", "./"):
            part = ("near_zero", node.right)
        elif isinstance(node, Binary) and node.op == "^" and isinstance(node.right, Unary):
            part = ("singular", node.left)
        if part is not None and id(part[1]) in typed.node_shapes:
            sub = Typed(
                part[1], typed.node_shapes[id(part[1])], typed.node_shapes, None, typed.variables
            )
            out.append((part[0], sub))
    return out


SATURATED = 3.0
"""|argument| of tanh/sigmoid/exp preferred at most: tanh'(3) is 1e-2 of tanh(3), and a
derivative much smaller than the value loses digits to the value's rounding."""
NEAR_ZERO = 1e-3
"""An argument of log/sqrt or a divisor within this fraction of its entries' typical size."""
CONDITION = 1e4
"""A matrix that is inverted with a condition number above this."""


def calm_candidates(
    parts: Sequence[tuple[str, Typed]],
    batch: Mapping[str, Array],
    nodes: _NodeValues | None = None,
) -> npt.NDArray[np.bool_]:
    """Per candidate of ``batch``: no hazard of ``parts`` is close (see :func:`hazards`).
    Candidates away from saturation, poles and near-singular matrices are preferred,
    since there the finite differences resolve every entry."""
    count = next(iter(batch.values())).shape[0]
    calm = np.ones(count, dtype=bool)
    for kind, sub in parts:
        with np.errstate(all="ignore"):
            z = _value(sub, batch, nodes)
            z = np.broadcast_to(z, (count, *z.shape[1:]))
            if kind == "saturate":
                calm &= np.all(np.abs(z) <= SATURATED, axis=(1, 2))
            elif kind == "near_zero":
                flat = z.reshape(count, -1)
                typical = np.sqrt(np.mean(flat**2, axis=1))
                calm &= np.all(np.abs(flat) > NEAR_ZERO * typical[:, None], axis=1)
            elif z.shape[-1] == z.shape[-2] and z.shape[-1] > 1:
                condition = np.linalg.cond(np.where(np.isfinite(z), z, 0.0))
                calm &= np.isfinite(condition) & (condition <= CONDITION)
    return calm


SiteSides = tuple[tuple[bool, bool], ...]
"""Per kinked site of a candidate: (some entry below its kink, some entry above)."""


class _PoolSides:
    """The :data:`SiteSides` of the candidates of a pool, from each site's signs, read out
    only for the candidates the sampler looks at."""

    def __init__(self, signs: list[npt.NDArray[np.int8]]) -> None:
        self.below = [np.any(s < 0, axis=1).tolist() for s in signs]
        self.above = [np.any(s > 0, axis=1).tolist() for s in signs]

    def __getitem__(self, c: int) -> SiteSides:
        return tuple(zip((b[c] for b in self.below), (a[c] for a in self.above), strict=True))


def _sides(sides: SiteSides) -> set[tuple[int, int]]:
    """The (site, side) pairs a candidate puts an entry on."""
    out = set()
    for number, (below, above) in enumerate(sides):
        if below:
            out.add((number, -1))
        if above:
            out.add((number, 1))
    return out


def _fit(index: int, sides: SiteSides, single: Sequence[bool]) -> int:
    """How many sites of a candidate meet the target of instance ``index``: a site of one
    entry (``single``) is on the side this instance wants, a site of several entries has
    entries on both sides."""
    met = 0
    for number, (below, above) in enumerate(sides):
        if single[number]:
            met += int(below if (index + number) % 2 == 0 else above)
        else:
            met += int(below and above)
    return met


def branch_sides(
    function_tree: Node, shapes: Mapping[str, tuple[int, int]], instance: Instance
) -> list[tuple[bool, bool]]:
    """For each kinked site: (some entry below its kink, some entry above) at ``instance``."""
    typed = check(function_tree, shapes)
    batch = {n: v[None] for n, v in instance.items()}
    out = []
    for site in kinked_sites(function_tree):
        signs = _SiteProgram(site, typed).signs(batch)[0]
        out.append((bool(np.any(signs < 0)), bool(np.any(signs > 0))))
    return out


class _SiteProgram:
    """Evaluates a site's argument (or a - b) with the shapes of the whole checked tree,
    so context-sized constants (``max(0, z)``, ``ones``) keep the size they have there."""

    def __init__(self, site: Site, typed: Typed) -> None:
        self.parts = [self._typed(site.argument, typed)]
        if site.right is not None:
            self.parts.append(self._typed(site.right, typed))

    @staticmethod
    def _typed(node: Node, whole: Typed) -> Typed:
        shape = whole.node_shapes[id(node)]
        return Typed(node, shape, whole.node_shapes, None, whole.variables)

    def values(self, batch: Mapping[str, Array], nodes: _NodeValues | None = None) -> Array:
        """(candidates, entries): the argument, or a - b, on a batch of values."""
        with np.errstate(all="ignore"):
            parts = [_value(t, batch, nodes) for t in self.parts]
            z = parts[0] if len(parts) == 1 else parts[0] - parts[1]
        count = next(iter(batch.values())).shape[0]
        return np.broadcast_to(z, (count, *z.shape[1:])).reshape(count, -1)

    def signs(
        self, batch: Mapping[str, Array], nodes: _NodeValues | None = None
    ) -> npt.NDArray[np.int8]:
        """(candidates, entries): -1 / +1 by side, 0 within the margin of the kink."""
        z = self.values(batch, nodes)
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.sqrt(np.mean(z**2, axis=1, keepdims=True))
            clear = (np.abs(z) > MARGIN * scale) & np.isfinite(z)
        signs: npt.NDArray[np.int8] = (np.sign(z) * clear).astype(np.int8)
        return signs


def _draw(
    rng: np.random.Generator,
    decls: Sequence[Declaration],
    shapes: Mapping[str, tuple[int, int]],
    fixed: Mapping[str, Array],
) -> Instance:
    return {
        d.name: fixed[d.name] if d.name in fixed else draw_value(rng, shapes[d.name], d.domain)
        for d in decls
    }


class _NodeValues:
    """Every node of the function on a pool of candidates, from one evaluation: the
    finiteness test, the hazards and the kinked sites are all parts of the function, and
    read their values here instead of evaluating their sub-trees again."""

    def __init__(self, typed: Typed, batch: Mapping[str, Array]) -> None:
        self.typed = typed
        self.values = node_values(typed, batch)
        self.count = next(iter(batch.values())).shape[0]

    def of(self, sub: Typed) -> Array | None:
        """``evaluate(sub, batch)`` for a part of the function (None for another tree)."""
        if sub.node_shapes is not self.typed.node_shapes or sub.indices is not None:
            return None
        value = self.values.get(id(sub.node))
        if value is None:
            return None
        target = (self.count, *sub.shape)
        return value if value.shape == target else np.broadcast_to(value, target)


def _value(sub: Typed, batch: Mapping[str, Array], nodes: _NodeValues | None) -> Array:
    """``sub`` on the batch, read from ``nodes`` when it is a part of their function."""
    known = None if nodes is None else nodes.of(sub)
    if known is not None:
        return known
    return np.asarray(evaluate(sub, batch, finite=False), dtype=np.float64)


def _finite(
    typed: Typed, batch: Mapping[str, Array], nodes: _NodeValues | None = None
) -> npt.NDArray[np.bool_]:
    with np.errstate(all="ignore"):
        value = _value(typed, batch, nodes)
    count = next(iter(batch.values())).shape[0]
    value = np.broadcast_to(value, (count, *value.shape[1:])).reshape(count, -1)
    finite: npt.NDArray[np.bool_] = np.all(np.isfinite(value), axis=1)
    return finite
