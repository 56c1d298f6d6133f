"""Explore: a learner's own function, derived step by step with pictures (DESIGN §11).

Pure math code (no web or database imports), used by the ``/explore`` page:

* :mod:`app.explore.declare` reads the declarations a learner typed (``W=3x4``, or just
  ``x`` with the shape left out), infers the shapes the function implies and holds the
  sizes to the page's caps;
* :mod:`app.explore.step_pictures` computes, for every step of a derivation, what to
  draw: the dataflow node the step is about and the numbers of its local Jacobian;
* :mod:`app.explore.task` is what a grading worker runs: the derivation and its
  pictures as plain JSON, under the worker's time and memory limits.
"""
