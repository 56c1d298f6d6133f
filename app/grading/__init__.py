"""Grading answers numerically against finite differences, and naming the mistake.

Public API::

    from app.grading import Problem, grade
    problem = Problem(variables={"W": "3x4", "x": "4"}, function="W x", wrt=["x"])
    grade(problem, "W^T", seed=1)     # DESIGN §11 dict: verdict incorrect, diagnosis transposed

    from app.grading.worker import default_pool   # the same, in a killable worker process
    default_pool().grade(problem, "W", seed=1)

``Problem.from_dict`` reads a batch line or an API body and raises :class:`ProblemError`
(a ``ValueError``) naming the bad field.
"""

from app.grading.grader import grade, grade_dict, grade_result
from app.grading.problem import Problem, ProblemError
from app.grading.result import GradeResult
from app.grading.setup import expected_shape

__all__ = [
    "GradeResult",
    "Problem",
    "ProblemError",
    "expected_shape",
    "grade",
    "grade_dict",
    "grade_result",
]
