"""The exercise bank: the file format, loading, variants and self-tests.

Public API (for the web app and ``jtutor check``)::

    from app.bank import default_bank, load_bank, load_exercise_text, check_exercise
    bank = default_bank()                 # exercises/ loaded once; BankError if broken
    exercise = bank.get("u03-core-wx")    # or bank.by_lesson("y-equals-wx")
    exercise.variant(seed)                # {seed, sizes, values, shapes, expected_shape}
    exercise.problem(seed)                # app.grading.Problem for grading that variant
    check_exercise(exercise)              # CheckReport: .ok, .lines, .failures, .summary()
"""

from app.bank.exercise import Exercise
from app.bank.loader import Bank, default_bank, load_bank, load_exercise_file, load_exercise_text
from app.bank.schema import BankError
from app.bank.selfcheck import CheckReport, check_exercise

__all__ = [
    "Bank",
    "BankError",
    "CheckReport",
    "Exercise",
    "check_exercise",
    "default_bank",
    "load_bank",
    "load_exercise_file",
    "load_exercise_text",
]
