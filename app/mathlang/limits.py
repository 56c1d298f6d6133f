"""Limits of the expression language, shared by every pass (DESIGN §3 and §10).

Learner text arrives from the web, so each limit keeps the work for one answer small
and bounded *before* the work is done: the text length is checked before lexing, the
bracket nesting while scanning characters, the tree size and depth right after
parsing, and the number of entries of every intermediate result from shapes before
any array is built (the shape checker's job), and so is the arithmetic of a whole
evaluation.
"""

from __future__ import annotations

MAX_TEXT_LENGTH = 2_000
"""Characters of one expression (an answer, a function, a reference answer)."""

MAX_NODES = 500
"""Nodes of one syntax tree."""

MAX_DEPTH = 40
"""Height of one syntax tree (a leaf has height 1); also the deepest bracket nesting."""

MAX_ENTRIES = 1_000_000
"""Entries of any intermediate result, checked from shapes before computing."""

MAX_COST = 10_000_000
"""Entry operations of one evaluation of one expression (:mod:`app.mathlang.cost`): the
per-node limit bounds memory, this bounds time (a sum of many large Kronecker products
stays under the first and far over this)."""

MAX_MATRIX_POWER = 64
"""Largest absolute integer exponent of a matrix power ``A^k``."""
