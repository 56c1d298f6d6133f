"""Shared pieces of the fuzz tests: how many inputs, and the text strategies.

The suite sends ``DEFAULT_TOTAL`` inputs through the parser and the grader in all (about
two minutes on two cores); ``JTUTOR_FUZZ_EXAMPLES=N`` sets the total instead, higher for a
longer hunt (with ``JTUTOR_RANDOM_TESTS`` for fresh draws) or lower for a quick run, spread
over the fuzz tests in the same proportions. The draws are repeatable (``tests/randomness``).
"""

from __future__ import annotations

import os

from hypothesis import strategies as st

from app.mathlang import to_text
from tests.mathlang.strategies import FUNCTIONS, NAMES, trees

DEFAULT_TOTAL = 10_500
TOTAL = max(1, int(os.environ.get("JTUTOR_FUZZ_EXAMPLES") or DEFAULT_TOTAL))
# Each fuzz test's share of the total (the shares add up to 1).
SHARES = {
    "parser_random_text": 0.26,
    "parser_token_soup": 0.26,
    "parser_mutations": 0.26,
    "grader_token_soup": 0.11,
    "grader_mutations": 0.11,
}


def examples(name: str) -> int:
    return max(1, round(TOTAL * SHARES[name]))


TOKENS = (
    *NAMES,
    *FUNCTIONS,
    *"+-*/^().,[]'; _\t\n0123456789",
    ".*", "./", ".^", "@", "^T", "'", "^{-1}", "1e308", "1e-308", "1e999", "0.0",
    "\x00", "\u00b7", "\u22a4", "\u2212", "__class__", "lambda", "import", "[i,j]", "x[1]",
)  # fmt: skip


# Built once: a strategy built inside a draw is validated again on every draw (slow).
VALID_TEXT = trees(max_leaves=10).map(to_text)
TOKEN = st.sampled_from(TOKENS)
EDIT = st.sampled_from(("delete", "insert", "duplicate", "swap"))
EDITS = st.integers(min_value=1, max_value=4)


def token_soup(max_tokens: int = 40) -> st.SearchStrategy[str]:
    """Text glued from the language's own tokens: close to valid, so it reaches deep."""
    return st.lists(TOKEN, max_size=max_tokens).map("".join)


@st.composite
def mutated_expressions(draw: st.DrawFn) -> str:
    """A valid expression's text with a few random edits (delete, insert, duplicate, swap)."""
    text = draw(VALID_TEXT)
    for _ in range(draw(EDITS)):
        if not text:
            break
        start = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=start, max_value=min(len(text), start + 6)))
        edit = draw(EDIT)
        if edit == "delete":
            text = text[:start] + text[end:]
        elif edit == "insert":
            text = text[:start] + draw(TOKEN) + text[start:]
        elif edit == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        elif end - start >= 2:
            text = (
                text[:start] + text[end - 1] + text[start + 1 : end - 1] + text[start] + text[end:]
            )
    return text
