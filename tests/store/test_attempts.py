from __future__ import annotations

import threading

from app.store import Database, list_attempts, progress, record_attempt


def _result(verdict: str, diagnosis: str | None = None) -> dict[str, object]:
    return {"verdict": verdict, "diagnosis": diagnosis, "seed": 7, "expected_shape": [3, 4]}


def test_an_acknowledged_attempt_is_committed_and_read_back(database: Database) -> None:
    with database.write() as session:
        attempt = record_attempt(
            session,
            learner_id="alice",
            exercise_id="u03-core-jacobian",
            answer="W^T",
            seed=7,
            result=_result("incorrect", "transposed"),
        )
        attempt_id = attempt.id
    assert attempt_id is not None
    with database.read() as session:
        [stored] = list_attempts(session, learner_id="alice")
    assert stored.id == attempt_id
    assert (stored.answer, stored.seed, stored.verdict) == ("W^T", 7, "incorrect")
    assert stored.diagnosis == "transposed"
    assert stored.counted is True
    assert stored.result["expected_shape"] == [3, 4]
    assert stored.created_at is not None


def test_invalid_answers_are_stored_but_not_counted(database: Database) -> None:
    with database.write() as session:
        record_attempt(
            session,
            learner_id="bob",
            exercise_id="e1",
            answer="W +",
            seed=None,
            result=_result("invalid"),
        )
        record_attempt(
            session,
            learner_id="bob",
            exercise_id="e1",
            answer="W",
            seed=1,
            result=_result("correct"),
        )
    with database.read() as session:
        attempts = list_attempts(session, learner_id="bob")
        summary = progress(session, learner_id="bob")
    assert sorted(a.counted for a in attempts) == [False, True]
    assert summary["e1"].attempts == 1
    assert summary["e1"].solved is True


def test_a_learner_sees_only_their_own_attempts(database: Database) -> None:
    with database.write() as session:
        for learner in ("alice", "bob", "bob"):
            record_attempt(
                session,
                learner_id=learner,
                exercise_id="e2",
                answer="x",
                seed=3,
                result=_result("incorrect", "sign"),
            )
    with database.read() as session:
        alice = list_attempts(session, learner_id="alice")
        bob = list_attempts(session, learner_id="bob")
        nobody = list_attempts(session, learner_id="carol")
        bob_progress = progress(session, learner_id="bob")
    assert [a.learner_id for a in alice] == ["alice"]
    assert len(bob) == 2 and all(a.learner_id == "bob" for a in bob)
    assert nobody == []
    assert bob_progress["e2"].attempts == 2 and bob_progress["e2"].solved is False


def test_attempts_are_listed_newest_first_and_filtered_by_exercise(database: Database) -> None:
    with database.write() as session:
        for answer, exercise in (("a", "e1"), ("b", "e2"), ("c", "e1")):
            record_attempt(
                session,
                learner_id="dora",
                exercise_id=exercise,
                answer=answer,
                seed=0,
                result=_result("incorrect"),
            )
    with database.read() as session:
        everything = list_attempts(session, learner_id="dora")
        only_e1 = list_attempts(session, learner_id="dora", exercise_id="e1")
        first = list_attempts(session, learner_id="dora", limit=1)
    assert [a.answer for a in everything] == ["c", "b", "a"]
    assert [a.answer for a in only_e1] == ["c", "a"]
    assert [a.answer for a in first] == ["c"]


def test_a_failed_write_is_rolled_back(database: Database) -> None:
    try:
        with database.write() as session:
            record_attempt(
                session,
                learner_id="eve",
                exercise_id="e",
                answer="x",
                seed=0,
                result=_result("correct"),
            )
            raise RuntimeError("the response could not be built")
    except RuntimeError:
        pass
    with database.read() as session:
        assert list_attempts(session, learner_id="eve") == []


def test_concurrent_writers_lose_no_attempt(database: Database) -> None:
    def write_some(learner: str) -> None:
        for i in range(10):
            with database.write() as session:
                record_attempt(
                    session,
                    learner_id=learner,
                    exercise_id="e",
                    answer=str(i),
                    seed=i,
                    result=_result("incorrect"),
                )

    threads = [threading.Thread(target=write_some, args=(f"l{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.read() as session:
        counts = [len(list_attempts(session, learner_id=f"l{n}")) for n in range(4)]
    assert counts == [10, 10, 10, 10]


def test_health_ping_answers(database: Database) -> None:
    assert database.ping() is True


def test_solved_on_is_the_number_of_the_first_correct_answer(database: Database) -> None:
    """A first-try success stays "solved on attempt 1" however many answers follow it."""
    verdicts = {
        "e1": ["correct", "incorrect", "correct"],
        "e2": ["incorrect", "invalid", "correct"],
    }
    with database.write() as session:
        for exercise, sequence in verdicts.items():
            for verdict in sequence:
                record_attempt(
                    session,
                    learner_id="erin",
                    exercise_id=exercise,
                    answer="W",
                    seed=1,
                    result=_result(verdict),
                )
        record_attempt(
            session,
            learner_id="erin",
            exercise_id="e3",
            answer="W",
            seed=1,
            result=_result("incorrect"),
        )
    with database.read() as session:
        summary = progress(session, learner_id="erin")
    assert (summary["e1"].attempts, summary["e1"].solved_on) == (3, 1)
    assert (summary["e2"].attempts, summary["e2"].solved_on) == (2, 2)
    assert summary["e3"].solved is False and summary["e3"].solved_on is None
