"""How random the suite is: repeatable by default and always under ``CI=true``.

Every randomised test draws from a fixed seed, so a run that passed passes again and a
failure shows on every run until it is fixed: Hypothesis (and schemathesis, built on it) is
derandomized, and the draws app code makes when no seed is given (a grading's instances, an
exercise page's variant) are seeded from the test's id (``tests/conftest.py``).

``JTUTOR_RANDOM_TESTS=N`` (N >= 1, ignored under ``CI=true``) is the flag for a longer hunt
on a developer machine: fresh random draws on every run and N times the examples of each
property test. ``JTUTOR_FUZZ_EXAMPLES`` sets the fuzzers' total (``tests/reliability``).
"""

from __future__ import annotations

import os

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _scale() -> int:
    raw = os.environ.get("JTUTOR_RANDOM_TESTS", "").strip()
    if IN_CI or not raw:
        return 0
    try:
        return max(0, int(raw))
    except ValueError:
        return 1 if raw.lower() in {"true", "yes", "on"} else 0


RANDOM_SCALE = _scale()
"""0: repeatable draws; N >= 1: random draws, N times the examples."""


def scaled(examples: int) -> int:
    """A property test's number of examples, times ``JTUTOR_RANDOM_TESTS`` when hunting."""
    return examples * max(1, RANDOM_SCALE)
