"""An exercise and its variants: the sizes and values a learner sees for one seed.

A variant is fully determined by the seed, so the seed stored with an attempt is enough to
regrade it. Sizes are drawn from their ranges, preferring distinct dimensions (W 3x4, not
3x3) so that the shape alone catches a transposed answer (DESIGN §5). Numeric exercises
pin every variable to values that are shown to the learner: one decimal, never an
integer, never 0 or +-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.bank.schema import ExerciseData, ExerciseTest
from app.grading.problem import Problem
from app.mathlang.declarations import Declaration
from app.practice.skills import LESSON_SKILLS


@dataclass(frozen=True)
class Exercise:
    data: ExerciseData

    @property
    def id(self) -> str:
        return self.data.id

    @property
    def title(self) -> str:
        return self.data.title

    @property
    def lesson(self) -> str:
        return self.data.lesson

    @property
    def prompt(self) -> str:
        return self.data.prompt

    @property
    def answer_form(self) -> str:
        return self.data.answer_form

    @property
    def layout(self) -> str:
        return self.data.layout

    @property
    def skills(self) -> tuple[str, ...]:
        """The skills it exercises, main one first; an exercise that lists none has those
        its lesson teaches."""
        return tuple(self.data.skills or ()) or LESSON_SKILLS.get(self.data.lesson, ())

    @property
    def hints(self) -> list[str]:
        return list(self.data.hints)

    @property
    def tests(self) -> list[ExerciseTest]:
        return list(self.data.tests)

    @property
    def reference(self) -> str:
        return self.data.reference

    @property
    def source_path(self) -> str:
        return self.data.source_path

    def sizes(self, seed: int) -> dict[str, int]:
        """The dimensions of the variant ``seed``, distinct when the ranges allow."""
        ranges = self.data.ranges()
        if not ranges:
            return {}
        rng = np.random.default_rng([seed, 7177])
        best: dict[str, int] = {}
        for _ in range(32):
            pick = {name: int(rng.integers(low, high + 1)) for name, (low, high) in ranges.items()}
            best = pick
            if len(set(pick.values())) == len(pick):
                break
        return best

    def concrete_declarations(self, seed: int) -> dict[str, Declaration]:
        sizes = self.sizes(seed)
        out = {}
        for name, decl in self.data.declarations().items():
            rows, cols = decl.shape(sizes)
            out[name] = Declaration(name=name, rows=rows, cols=cols, domain=decl.domain)
        return out

    def values(self, seed: int) -> dict[str, Any] | None:
        """Pinned values of the variant: as written in the file, or drawn for numeric
        exercises (every variable), rounded to one decimal for display."""
        if self.data.values:
            return dict(self.data.values)
        if self.data.answer_form != "numeric":
            return None
        rng = np.random.default_rng([seed, 4242])
        out: dict[str, Any] = {}
        for name, decl in self.concrete_declarations(seed).items():
            rows, cols = decl.shape()
            raw = rng.uniform(0.2, 2.0, size=(rows, cols)).round(1)
            raw = np.where(np.isin(raw, (1.0, 2.0)), raw + 0.3, raw)
            if decl.domain == "real":
                raw = raw * rng.choice([-1.0, 1.0], size=(rows, cols))
            if decl.domain in ("spd", "invertible"):
                raw = (
                    (raw @ raw.T + rows * np.eye(rows)).round(1)
                    if decl.domain == "spd"
                    else (raw + rows * np.eye(rows))
                )
            out[name] = float(raw[0, 0]) if rows == cols == 1 else raw.tolist()
        return out

    def problem(self, seed: int) -> Problem:
        """The grading problem of variant ``seed`` (sizes and pinned values fixed)."""
        decls = self.concrete_declarations(seed)
        compact = None
        if self.data.compact is not None:
            compact = {
                "name": self.data.compact.name,
                "shape": _concrete_shape(self.data.compact.shape, self.sizes(seed)),
                "expand": self.data.compact.expand,
            }
        return Problem(
            variables={name: decl.spelled() for name, decl in decls.items()},
            function=self.data.function,
            wrt=list(self.data.wrt),
            layout=self.data.layout,
            indices=None if self.data.indices is None else list(self.data.indices),
            values=self.values(seed),
            sizes=self.sizes(seed) or None,
            compact=compact,
            mistakes=[m.as_problem() for m in self.data.mistakes] or None,
        )

    def variant(self, seed: int) -> dict[str, Any]:
        """What the learner's page shows for ``seed``: sizes, pinned values, shapes of the
        variables and the shape the answer must have."""
        from app.grading.setup import expected_shape

        problem = self.problem(seed)
        return {
            "seed": seed,
            "sizes": self.sizes(seed),
            "values": problem.values,
            "shapes": {name: list(shape) for name, shape in problem.shapes().items()},
            "expected_shape": list(expected_shape(problem)),
        }


def _concrete_shape(spec: str, sizes: dict[str, int]) -> str:
    from app.mathlang.declarations import parse_declaration

    decl = parse_declaration("compact", spec)
    rows, cols = decl.shape(sizes)
    return Declaration(name="compact", rows=rows, cols=cols).spelled()
