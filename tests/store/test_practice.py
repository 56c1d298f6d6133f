"""The learner model's states in the store: updated with each attempt, rebuilt from them."""

from __future__ import annotations

from sqlalchemy import delete

from app.practice.tracing import DEFAULT
from app.store import Database, record_attempt
from app.store.practice import (
    SkillRow,
    learn_from_attempt,
    mastery_grid,
    needs_rebuild,
    rebuild,
    skill_states,
)

SKILLS = {"wx": ("layout", "shapes"), "neuron": ("activation_derivative", "chain_rule")}


def _answer(
    database: Database,
    learner: str,
    exercise: str,
    verdict: str,
    diagnosis: str | None = None,
    misconception: str | None = None,
) -> None:
    result = {
        "verdict": verdict,
        "diagnosis": diagnosis,
        "misconception": None if misconception is None else {"id": misconception},
    }
    with database.write() as session:
        attempt = record_attempt(
            session, learner_id=learner, exercise_id=exercise, answer="x", seed=1, result=result
        )
        learn_from_attempt(session, learner_id=learner, attempt=attempt, skills=SKILLS[exercise])


def test_each_attempt_updates_the_skills_it_is_evidence_about(database: Database) -> None:
    for _ in range(3):
        _answer(database, "ann", "wx", "incorrect", "transposed")
    _answer(database, "ann", "wx", "invalid")
    _answer(database, "ann", "neuron", "incorrect", "entries", "missing_inner_derivative")
    with database.read() as session:
        states = skill_states(session, learner_id="ann")
        assert skill_states(session, learner_id="bob") == {}
    assert set(states) == {"layout", "chain_rule"}
    assert states["layout"].attempts == 3
    assert states["layout"].mistakes == {"transposed": 3}
    assert states["layout"].mastery < DEFAULT.prior
    assert states["chain_rule"].mistakes == {"missing_inner_derivative": 1}


def test_mastery_is_stored_with_its_review_date(database: Database) -> None:
    for _ in range(4):
        _answer(database, "cy", "wx", "correct")
    with database.read() as session:
        layout = skill_states(session, learner_id="cy")["layout"]
    assert layout.mastered()
    assert layout.due is not None and layout.due.tzinfo is not None


def test_the_states_are_rebuilt_from_the_attempts(database: Database) -> None:
    _answer(database, "dee", "wx", "incorrect", "transposed")
    _answer(database, "dee", "wx", "correct")
    _answer(database, "dee", "neuron", "incorrect", "entries")
    with database.read() as session:
        kept = skill_states(session, learner_id="dee")
    with database.write() as session:
        session.execute(delete(SkillRow))
    with database.read() as session:
        assert needs_rebuild(session, learner_id="dee")
    with database.write() as session:
        rebuild(session, learner_id="dee", skills_of=lambda e: SKILLS.get(e, ()))
    with database.read() as session:
        assert not needs_rebuild(session, learner_id="dee")
        again = skill_states(session, learner_id="dee")
    assert set(again) == set(kept)
    for skill, state in kept.items():
        assert again[skill].mastery == state.mastery
        assert again[skill].mistakes == state.mistakes


def test_the_grid_holds_every_learner_with_states(database: Database) -> None:
    _answer(database, "eve", "wx", "correct")
    _answer(database, "fay", "neuron", "correct")
    with database.read() as session:
        grid = mastery_grid(session)
    assert set(grid) == {"eve", "fay"}
    assert set(grid["eve"]) == {"layout", "shapes"}
    assert grid["fay"]["chain_rule"].mastery > DEFAULT.prior


def test_the_migrations_have_one_head() -> None:
    from alembic.script import ScriptDirectory

    from app.store.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
