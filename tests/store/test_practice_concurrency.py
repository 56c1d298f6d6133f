"""Two answers of one learner at once (two server processes on PostgreSQL): the second
waits for the first, so neither update of the learner model is lost."""

from __future__ import annotations

import threading
import time

import pytest

from app.store import Database, record_attempt
from app.store.practice import learn_from_attempt, skill_states


def _learn(session: object, learner: str) -> None:
    attempt = record_attempt(
        session,  # type: ignore[arg-type]
        learner_id=learner,
        exercise_id="wx",
        answer="W",
        seed=1,
        result={"verdict": "correct", "diagnosis": None},
    )
    learn_from_attempt(
        session,  # type: ignore[arg-type]
        learner_id=learner,
        attempt=attempt,
        skills=("layout", "shapes"),
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_concurrent_answers_of_one_learner_are_both_counted(database: Database) -> None:
    with database.write() as session:  # the learner exists, as after their first answer
        _learn(session, "gus")
    errors: list[BaseException] = []
    second_done = threading.Event()

    def second() -> None:
        try:
            with database.write() as session:
                _learn(session, "gus")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            second_done.set()

    with database.write() as session:
        _learn(session, "gus")  # holds the learner's lock until this block commits
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert not second_done.is_set(), "the second answer did not wait for the first"
    thread.join(timeout=30)
    assert not errors, errors
    with database.read() as session:
        assert skill_states(session, learner_id="gus")["layout"].attempts == 3
