"""The public grading API's limits on a problem, from its declared shapes alone.

``POST /api/v1/grade`` lets the caller declare the variables, so a request's work is up to
it: ``exp(W x)`` by x with a 1000x1000 W holds a grading worker for its whole time limit.
Before anything is queued the problem must pass two checks that need no parsing of the
function or the answer:

- no declared variable has more than ``JTUTOR_API_MAX_ENTRIES`` entries;
- its cost estimate, the entries differentiated by (one finite-difference column each)
  times the entries of all declared variables (what one evaluation reads at least), is
  at most ``JTUTOR_MAX_GRADING_COST``.

Measured on this project's grader: ``exp(W x)`` by x with W 100x100 (estimate 1,010,000)
grades in about 0.12 s, ``sum(exp(W x))`` by W with W 30x30 (837,000) in 0.3 s; at W 50x50
(6.4 million) the latter took 0.5 s and at 100x100 (100 million) 17 s. The expression
language's own limit (:data:`app.mathlang.limits.MAX_COST`) bounds one evaluation of the
answer, and the worker's time limit remains the last word.
"""

from __future__ import annotations

from math import prod

from app.grading import Problem
from app.settings import Settings
from app.web.errors import BadInput


def cost_estimate(problem: Problem) -> int:
    """Entries differentiated by times entries declared (see the module docstring)."""
    sizes = {name: prod(shape) for name, shape in problem.shapes().items()}
    return sum(sizes.get(name, 0) for name in problem.wrt) * sum(sizes.values())


HEAVY_COST = 10_000
"""A public problem with a larger estimate is *heavy* (W 10x10 and x, by W: 11,000): it
never takes the last free grading worker, so exercises' answers find one at once."""


def is_heavy(problem: Problem) -> bool:
    return cost_estimate(problem) > HEAVY_COST


def check_public_problem(problem: Problem, settings: Settings) -> None:
    """422 (:class:`BadInput`) for a problem over the public API's limits."""
    shapes = problem.shapes()  # validated when the problem was read
    largest = max(((prod(shape), name) for name, shape in shapes.items()), default=None)
    if largest is not None and largest[0] > settings.api_max_entries:
        entries, name = largest
        raise BadInput(
            f"{name} has {entries:,} entries; this server grades variables of at most "
            f"{settings.api_max_entries:,} entries",
            field="variables",
        )
    cost = cost_estimate(problem)
    if cost > settings.max_grading_cost:
        raise BadInput(
            f"the problem is too large to grade here (cost estimate {cost:,}: the entries "
            f"differentiated by times the entries declared; the limit is "
            f"{settings.max_grading_cost:,})",
            field="variables",
        )
