"""What grading needs to know about a problem before it sees an answer.

The function is parsed and typed once; its output shape and the shapes of the ``wrt``
variables give the canonical derivative of DESIGN §4 and its layout forms
(:mod:`app.calculus.layouts`); the sampler (:mod:`app.calculus.sampling`) knows the
domains, the pinned values and the kinked sites of the function.
"""

from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app import mathlang
from app.calculus import layouts
from app.calculus.kinks import SiteFunction
from app.calculus.sampling import InstanceSampler
from app.grading import messages
from app.grading.problem import Problem, ProblemError
from app.mathlang import MathError
from app.mathlang.ast import Index, Name, walk
from app.mathlang.declarations import parse_declaration
from app.mathlang.rounding import rounding_noise

Array = npt.NDArray[np.float64]


def _layout(name: str) -> layouts.Layout:
    """A problem's layout (validated by :class:`Problem`) as a calculus layout."""
    return "denominator" if name == "denominator" else "numerator"


class ProblemSetup:
    """Everything about a problem that does not depend on the answer."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.declarations = problem.declarations()
        self.shapes = problem.shapes()
        self.pinned = problem.pinned()
        try:
            tree = mathlang.parse(problem.function)
            self.typed = mathlang.check(tree, self.shapes)
        except MathError as exc:
            raise ProblemError("function", exc.message, exc.kind) from exc
        if len(self.typed.shape) != 2:
            raise ProblemError("function", "the function must be a scalar, vector or matrix")
        self.out_shape: tuple[int, int] = (int(self.typed.shape[0]), int(self.typed.shape[1]))
        self.wrt_shapes = [self.shapes[name] for name in problem.wrt]
        self.out_axes = layouts.value_axes(self.out_shape)
        self.in_axes = layouts.input_axes(self.wrt_shapes)
        self.layouts: list[layouts.Layout] = (
            list(layouts.LAYOUTS) if problem.layout == "any" else [_layout(problem.layout)]
        )
        self.other: layouts.Layout | None = (
            None if problem.layout == "any" else layouts.other_layout(_layout(problem.layout))
        )
        used = {n.name for n in walk(self.typed.node) if isinstance(n, Name)}
        used |= {
            n.base.name
            for n in walk(self.typed.node)
            if isinstance(n, Index) and isinstance(n.base, Name)
        }
        self.unused_wrt = [name not in used for name in problem.wrt]
        """Per ``wrt`` variable: the function never mentions it, so its block of the
        derivative is exactly 0, whatever rounding the finite differences see."""
        self.sampler = InstanceSampler(
            tree, self.declarations, pinned=self.pinned, typed=self.typed
        )
        self.sites: list[SiteFunction] = self.sampler.site_functions()
        self.all_pinned = set(self.pinned) >= set(self.shapes)
        self._forms: dict[layouts.Layout, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self.compact_shape: tuple[int, int] | None = None
        if problem.compact is not None:
            try:
                compact = parse_declaration(problem.compact["name"], problem.compact["shape"])
            except MathError as exc:
                raise ProblemError("compact.shape", exc.message) from exc
            self.compact_shape = compact.shape()

    def func(self, values: Mapping[str, Array]) -> Array:
        return np.asarray(mathlang.evaluate(self.typed, values, finite=False), dtype=np.float64)

    def rounding(self, values: Mapping[str, Array]) -> Array:
        """A bound on the rounding error of :meth:`func` at ``values`` that varies with the
        ``wrt`` variables, per output entry."""
        return rounding_noise(self.typed, values, self.problem.wrt)

    def rounding_many(self, instances: Sequence[Mapping[str, Array]]) -> list[Array]:
        """:meth:`rounding` at several instances, measured in one batched evaluation."""
        stacked = {name: np.stack([i[name] for i in instances]) for name in instances[0]}
        noise = rounding_noise(self.typed, stacked, self.problem.wrt)
        return [noise[k] for k in range(len(instances))]

    def canonical(self, flat: Array) -> Array:
        return flat.reshape(self.out_axes + self.in_axes)

    def form(self, tensor: Array, layout: layouts.Layout, count: int | None) -> Array | None:
        """The ``layout`` form of a canonical tensor, or its index form with ``count``
        indices (``None`` when ``count`` indices fit no form)."""
        if count is None:
            order, target = self._matrix_form(layout)
            batch = tensor.ndim - len(order)
            if tensor.shape[batch:] != self.out_axes + self.in_axes:
                raise ValueError(f"tensor of shape {tensor.shape} is not canonical")
            lead = tuple(range(batch))
            moved = np.transpose(tensor, lead + tuple(batch + a for a in order))
            return np.reshape(moved, tensor.shape[:batch] + target)
        return layouts.index_layout(tensor, self.out_shape, self.wrt_shapes, layout, count)

    def _matrix_form(self, layout: layouts.Layout) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The axis order and shape of the ``layout`` matrix form, worked out once: the
        grader lays out every reference in each form it compares."""
        known = self._forms.get(layout)
        if known is None:
            n_out, n_in = len(self.out_axes), len(self.in_axes)
            order, _ = layouts.matrix_order(n_out, n_in, layout)
            known = (order, layouts.expected_shape(self.out_shape, self.wrt_shapes, layout))
            self._forms[layout] = known
        return known

    def form_shape(self, layout: layouts.Layout, count: int | None) -> tuple[int, ...] | None:
        if count is None:
            return self._matrix_form(layout)[1]
        shaped = self.form(np.zeros(self.out_axes + self.in_axes), layout, count)
        return None if shaped is None else tuple(shaped.shape)

    def wrt_text(self) -> str:
        if len(self.wrt_shapes) > 1:
            total = sum(r * c for r, c in self.wrt_shapes)
            return f"the stacked vector of {', '.join(self.problem.wrt)} ({total} entries)"
        return messages.shape_text(self.wrt_shapes[0])


_CACHE: OrderedDict[str, ProblemSetup] = OrderedDict()
CACHE_SIZE = 256
"""Checked problems kept per process: a class grading one exercise parses, types and
builds the sampler of its function once, not once per answer."""


def setup_for(problem: Problem) -> ProblemSetup:
    """The :class:`ProblemSetup` of ``problem``, from a small per-process LRU cache keyed by
    the problem's full content. A setup is never changed by grading (instances come from
    the grader's own generator), so sharing it between gradings is safe."""
    fields = {field.name: getattr(problem, field.name) for field in dataclasses.fields(problem)}
    key = json.dumps(fields, sort_keys=True, default=repr)  # asdict would copy every value
    setup = _CACHE.get(key)
    if setup is not None:
        _CACHE.move_to_end(key)
        return setup
    setup = ProblemSetup(problem)  # a ProblemError is not cached: it is raised again
    _CACHE[key] = setup
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return setup


def expected_shape(problem: Problem) -> tuple[int, ...]:
    """The shape an answer to ``problem`` must have (the compact shape for compact ones)."""
    setup = ProblemSetup(problem)
    if setup.compact_shape is not None:
        return setup.compact_shape
    count = len(problem.indices) if problem.indices else None
    shape = setup.form_shape(setup.layouts[0], count)
    if shape is None:
        raise ProblemError("indices", "the number of indices does not fit the derivative")
    return shape
