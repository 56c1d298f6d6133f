"""Buggy rules: the derivatives a learner reaches by one misapplied rule (DESIGN §11)."""
