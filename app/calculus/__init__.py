"""Calculus on top of the expression language: the reference derivatives answers are
graded against, and the derivations lessons show.

* :mod:`app.calculus.finite_diff` — ``jacobian(f, instance, wrt)``: batched central
  differences with Richardson extrapolation, per-entry error estimates, finer steps where
  needed, column grouping, and entries set aside by the kink test (DESIGN §5).
* :mod:`app.calculus.kinks` — the 5-point test for stencils that straddle a kink, and the
  structural test on the kinked sub-expressions themselves.
* :mod:`app.calculus.reference` — the reference derivative a grader compares answers with:
  the engine with both kink tests, flattened to (outputs, inputs).
* :mod:`app.calculus.column_groups` — sparsity probes and Curtis–Powell–Reid groups.
* :mod:`app.calculus.layouts` — the canonical tensor ``D[out..., in...]`` and its
  numerator and denominator forms (DESIGN §4).
* :mod:`app.calculus.sampling` — seeded random instances in each variable's domain that
  cover both sides of every relu/step/abs/sign/max/min (``sample_instances``, or an
  ``InstanceSampler`` that keeps drawing from a grader's generator).
* :mod:`app.calculus.derivation` — worked derivations, checked step by step.
"""
