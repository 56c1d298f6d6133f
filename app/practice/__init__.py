"""Adaptive practice: skills, a learner model per skill, review scheduling, and the choice
of the next item.

Pure Python (no web or database imports), like the math packages: the web app and the
store feed it attempts and persist its states; ``benchmarks.bench_practice`` drives it with
simulated learners.
"""

from app.practice.model import Evidence, SkillState, observe, replay
from app.practice.policy import Choice, Item, choose, variant_seed
from app.practice.skills import BY_ID, SKILL_IDS, SKILLS, Skill

__all__ = [
    "BY_ID",
    "SKILLS",
    "SKILL_IDS",
    "Choice",
    "Evidence",
    "Item",
    "Skill",
    "SkillState",
    "choose",
    "observe",
    "replay",
    "variant_seed",
]
