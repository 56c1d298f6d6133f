"""Worked derivations of matrix derivatives, every step checked with numbers (DESIGN §6).

Public API::

    from app.calculus.derivation import derive, NoRule
    d = derive("W x", {"W": "3x4", "x": "4"}, "x", layout="numerator")
    d.steps            # [Step(title, explanation, latex, view, verified, rule, source, shapes)]
    d.expression       # "W" -- text of the language, graded correct for the same problem
    d.indices          # None, or the index names of an index-form result ["i", "j", "k"]
    d.to_dict()        # the JSON of DESIGN §11: {"steps": [...], "result": {...}}

Views: component (Learned-Miller), chain rule (Parr & Howard), gradient (Wu; MIT 6.390).
``NoRule`` (with ``to_dict()``) is raised for operations outside the rule table; a
malformed function raises :class:`app.mathlang.MathError` as everywhere else.
"""

from app.calculus.derivation.engine import derive
from app.calculus.derivation.rules import NoRule
from app.calculus.derivation.steps import Derivation, Step

__all__ = ["Derivation", "NoRule", "Step", "derive"]
