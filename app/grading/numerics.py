"""The numbers behind a grading: random instances and finite-difference derivatives.

Follows DESIGN §5. Instances are seeded, values are neither integers nor 0 or +-1, each
variable is drawn from its domain, and the K instances together put every piecewise site
(``relu``, ``step``, ``abs``, ``max``, ``min``) on both sides of its kink, away from it
(Parr & Howard §5: an answer right only where the unit is active must be caught).

Derivatives come from the finite-difference engine of :mod:`app.calculus.finite_diff`
(central differences, Richardson extrapolation, per-entry error estimates, the 5-point
kink test). On top of it, an input whose stencil changes the sign of any piecewise
argument is "set aside" too: a structural kink test on the function's own
sub-expressions, which cannot be fooled by a kink whose slopes differ little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app import mathlang
from app.mathlang.ast import Binary, Call, Node, walk
from app.mathlang.declarations import Declaration

Array = npt.NDArray[np.float64]
Instance = dict[str, Array]
Evaluator = Callable[[Instance], Array]

EPS = float(np.finfo(np.float64).eps)
REACH = 16.0 * EPS ** (1.0 / 3.0)
"""How far (relative) the structural kink test looks: beyond the engine's outer step."""
_PIECEWISE = {"relu", "step", "abs", "max", "min", "sign"}
_CANDIDATES = 24
_MARGIN = 0.02


def piecewise_arguments(tree: Node) -> list[Node]:
    """The arguments whose sign decides a branch: ``z`` in relu(z), ``a - b`` in max(a, b)."""
    sites: list[Node] = []
    for node in walk(tree):
        if isinstance(node, Call) and node.func in _PIECEWISE and node.args:
            if len(node.args) == 2:
                sites.append(Binary("-", node.args[0], node.args[1]))
            else:
                sites.append(node.args[0])
    return sites


def _draw(rng: np.random.Generator, shape: tuple[int, int], domain: str) -> Array:
    rows = shape[0]
    if domain == "spd":
        base = rng.uniform(-1.0, 1.0, size=(rows, rows))
        return np.asarray(base @ base.T / rows + np.eye(rows) * rng.uniform(0.6, 0.9))
    if domain == "invertible":
        base = rng.uniform(-0.5, 0.5, size=(rows, rows))
        return np.asarray(base + np.eye(rows) * (1.2 + 0.3 * rng.random(rows)))
    magnitude = rng.uniform(0.3, 2.0, size=shape)
    magnitude = np.where(np.abs(magnitude - 1.0) < 0.06, magnitude + 0.13, magnitude)
    if domain == "positive":
        return np.asarray(magnitude, dtype=np.float64)
    signs = rng.choice(np.array([-1.0, 1.0]), size=shape)
    return np.asarray(magnitude * signs, dtype=np.float64)


@dataclass
class Sampler:
    """Draws instances for a function tree over declared variables."""

    declarations: dict[str, Declaration]
    shapes: dict[str, tuple[int, int]]
    sites: list[Callable[[Instance], Array]]
    pinned: Instance

    def draw(self, rng: np.random.Generator) -> Instance:
        out: Instance = {}
        for name, decl in self.declarations.items():
            out[name] = self.pinned.get(name, _draw(rng, self.shapes[name], decl.domain))
        return out

    def site_values(self, instance: Instance) -> list[Array]:
        return [site(instance) for site in self.sites]

    def sample(self, k: int, rng: np.random.Generator) -> list[Instance]:
        """K instances covering both sides of every site, none within a margin of a kink."""
        if not self.sites:
            return [self.draw(rng) for _ in range(k)]
        pool: list[tuple[Instance, list[Array]]] = []
        for _ in range(_CANDIDATES):
            candidate = self.draw(rng)
            values = self.site_values(candidate)
            if all(np.all(np.isfinite(v)) for v in values):
                pool.append((candidate, values))
        if not pool:
            return [self.draw(rng) for _ in range(k)]
        pool.sort(key=lambda item: -_clearance(item[1]))
        clear = [item for item in pool if _clearance(item[1]) > _MARGIN] or pool
        chosen: list[tuple[Instance, list[Array]]] = []
        seen: set[tuple[int, bool]] = set()
        while len(chosen) < k and clear:
            index = max(range(len(clear)), key=lambda i: len(_sides(clear[i][1]) - seen))
            best = clear.pop(index)
            chosen.append(best)
            seen |= _sides(best[1])
        while len(chosen) < k:
            chosen.append(pool[len(chosen) % len(pool)])
        return [item[0] for item in chosen]


def _sides(values: list[Array]) -> set[tuple[int, bool]]:
    sides: set[tuple[int, bool]] = set()
    for i, v in enumerate(values):
        if np.any(v > 0):
            sides.add((i, True))
        if np.any(v <= 0):
            sides.add((i, False))
    return sides


def _clearance(values: list[Array]) -> float:
    """The smallest |z| / scale over all site entries (how far from every kink)."""
    best = np.inf
    for v in values:
        scale = max(float(np.abs(v).max()), 1e-300)
        best = min(best, float(np.abs(v).min()) / scale)
    return float(best)


def make_sampler(
    tree: Node,
    declarations: dict[str, Declaration],
    shapes: dict[str, tuple[int, int]],
    pinned: Instance,
) -> Sampler:
    sites = []
    for arg in piecewise_arguments(tree):
        typed = mathlang.check(arg, shapes)
        sites.append(_evaluator(typed))
    return Sampler(declarations, shapes, sites, pinned)


def _evaluator(typed: mathlang.Typed) -> Callable[[Instance], Array]:
    def run(values: Instance) -> Array:
        return np.asarray(mathlang.evaluate(typed, values, finite=False), dtype=np.float64)

    return run


@dataclass(frozen=True)
class Derivative:
    """The canonical-order derivative flattened to (outputs, inputs), with its error
    estimate and the entries set aside by the kink tests."""

    values: Array  # (n_out, n_in)
    error: Array  # (n_out, n_in)
    set_aside: npt.NDArray[np.bool_]  # (n_out, n_in)
    finite: bool


def reference_derivative(
    func: Callable[[Instance], Array],
    sites: list[Callable[[Instance], Array]],
    instance: Instance,
    wrt: list[str],
) -> Derivative:
    """The engine of :mod:`app.calculus.finite_diff` (Richardson, refinement, column
    grouping, 5-point kink test), with this module's structural kink test on top: an
    input whose stencil changes the side of any piecewise argument is set aside too."""
    from app.calculus.finite_diff import jacobian

    with np.errstate(all="ignore"):
        deriv = jacobian(lambda values: func(dict(values)), instance, wrt)
    n_in = sum(instance[name].size for name in wrt)
    values = np.asarray(deriv.value, dtype=np.float64).reshape(-1, n_in)
    error = np.asarray(deriv.error, dtype=np.float64).reshape(-1, n_in)
    aside = np.asarray(deriv.set_aside, dtype=bool).reshape(-1, n_in)
    if sites:
        aside = aside | structural_set_aside(sites, instance, wrt)[None, :]
    finite = bool(np.all(np.isfinite(values[~aside])) and np.all(np.isfinite(error[~aside])))
    return Derivative(values, error, aside, finite)


def jitter(
    instance: Instance,
    declarations: dict[str, Declaration],
    pinned: Instance,
    rng: np.random.Generator,
    scale: float = 1e-3,
) -> Instance:
    """A nearby instance (same branches, away from kinks) to confirm a failure."""
    out: Instance = {}
    for name, value in instance.items():
        if name in pinned:
            out[name] = value
            continue
        noise = rng.standard_normal(value.shape)
        if declarations[name].domain == "spd":
            noise = (noise + noise.T) / 2
            out[name] = value + scale * noise * float(np.abs(value).mean())
        else:
            out[name] = value * (1.0 + scale * noise)
    return out


def structural_set_aside(
    sites: list[Callable[[Instance], Array]], instance: Instance, wrt: list[str]
) -> npt.NDArray[np.bool_]:
    """Inputs whose finite-difference stencil would change the side of a piecewise site.

    Every stacked ``wrt`` entry is moved by +-REACH times its magnitude (floored at a
    fraction of its variable's largest entry, as the engine's steps are; REACH is larger
    than the engine's outermost step), all in one batch; an input is set aside when any
    site argument changes sign or sits at 0. Complements the engine's numeric 5-point
    test, which can miss a kink whose slopes differ little."""
    flat = np.concatenate([instance[name].ravel() for name in wrt])
    n_in = flat.size
    reaches = []
    for name in wrt:
        entries = np.abs(instance[name]).ravel()
        top = float(entries.max()) if entries.size and np.isfinite(entries.max()) else 0.0
        top = top or 1.0
        reaches.append(REACH * np.maximum(entries, 0.3 * top))
    h = np.concatenate(reaches)
    batch = 2 * n_in + 1
    perturbed = np.repeat(flat[None, :], batch, axis=0)
    index = np.arange(n_in)
    perturbed[index, index] += h
    perturbed[n_in + index, index] -= h
    values = dict(instance)
    start = 0
    for name in wrt:
        shape = instance[name].shape
        size = shape[0] * shape[1]
        values[name] = perturbed[:, start : start + size].reshape(batch, *shape)
        start += size
    for name, value in instance.items():
        if name not in wrt:
            values[name] = np.broadcast_to(value, (batch, *value.shape))
    set_aside = np.zeros(n_in, dtype=bool)
    for site in sites:
        with np.errstate(all="ignore"):
            z = np.asarray(site(values), dtype=np.float64).reshape(batch, -1)
        base = z[-1] > 0
        flips = ((z[:-1] > 0) != base[None, :]) | (z[:-1] == 0) | (z[-1] == 0)[None, :]
        set_aside |= flips.reshape(2, n_in, -1).any(axis=(0, 2))
    return set_aside
