"""Instructor accounts, their sign-in sessions, throttled sign-in failures, and the
instructor's view of learners' attempts (the dashboard and the CSV export).

Passwords never reach this module: only argon2 hashes are stored (``app.web.auth`` hashes).
A session is stored by the SHA-256 of its random cookie token, so a copy of the database
cannot be replayed as a cookie. Sign-in failures are rows, not process memory, so the
rate limit holds across every server process sharing the database. Unlike the learner
functions of :mod:`app.store.attempts`, the attempt reads here span all learners: only
signed-in instructors reach them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.store.models import Attempt, Base, utcnow


class Instructor(Base):
    __tablename__ = "instructors"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class InstructorSession(Base):
    __tablename__ = "instructor_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    instructor_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("instructors.id", ondelete="CASCADE"),
        nullable=False,
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_time", "key", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- accounts ------------------------------------------------------------------------------


def add_instructor(session: Session, *, email: str, password_hash: str) -> Instructor:
    """A new account; ``ValueError`` when the e-mail is taken."""
    email = normalise_email(email)
    if find_instructor(session, email=email) is not None:
        raise ValueError(f"an instructor {email} already exists")
    instructor = Instructor(email=email, password_hash=password_hash)
    session.add(instructor)
    session.flush()
    return instructor


def find_instructor(session: Session, *, email: str) -> Instructor | None:
    query = select(Instructor).where(Instructor.email == normalise_email(email))
    return session.scalars(query).first()


def get_instructor(session: Session, *, instructor_id: int) -> Instructor | None:
    return session.get(Instructor, instructor_id)


def list_instructors(session: Session) -> list[Instructor]:
    return list(session.scalars(select(Instructor).order_by(Instructor.email)))


def set_password_hash(session: Session, *, instructor_id: int, password_hash: str) -> None:
    instructor = session.get(Instructor, instructor_id)
    if instructor is not None:
        instructor.password_hash = password_hash


def remove_instructor(session: Session, *, email: str) -> bool:
    """Delete the account and its sessions; False when there is no such account."""
    instructor = find_instructor(session, email=email)
    if instructor is None:
        return False
    session.execute(
        delete(InstructorSession).where(InstructorSession.instructor_id == instructor.id)
    )
    session.delete(instructor)
    return True


# -- sessions ------------------------------------------------------------------------------


def create_session(
    session: Session, *, token_hash: str, instructor_id: int, expires_at: datetime
) -> None:
    session.add(
        InstructorSession(token_hash=token_hash, instructor_id=instructor_id, expires_at=expires_at)
    )
    session.flush()


def session_instructor(session: Session, *, token_hash: str, now: datetime) -> Instructor | None:
    """The instructor signed in with this token, unless the session expired."""
    row = session.get(InstructorSession, token_hash)
    if row is None or _utc(row.expires_at) <= now:
        return None
    return session.get(Instructor, row.instructor_id)


def end_sessions_of(session: Session, *, instructor_id: int) -> int:
    """End every session of one account (a new password); returns how many."""
    query = delete(InstructorSession).where(InstructorSession.instructor_id == instructor_id)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def end_session(session: Session, *, token_hash: str) -> None:
    session.execute(delete(InstructorSession).where(InstructorSession.token_hash == token_hash))


def purge_expired_sessions(session: Session, *, now: datetime) -> None:
    session.execute(delete(InstructorSession).where(InstructorSession.expires_at <= now))


# -- throttling of sign-in failures -------------------------------------------------------


def record_login_failure(session: Session, *, keys: list[str], at: datetime) -> None:
    for key in keys:
        session.add(LoginFailure(key=key[:300], created_at=at))
    session.flush()


def login_failure_summary(
    session: Session, *, key: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many failures ``key`` has after ``since``, and when the latest was."""
    query = select(func.count(LoginFailure.id), func.max(LoginFailure.created_at)).where(
        LoginFailure.key == key[:300], LoginFailure.created_at > since
    )
    count, latest = session.execute(query).one()
    return int(count or 0), None if latest is None else _utc(latest)


def clear_login_failures_for_email(session: Session, *, email: str) -> int:
    """Forget every client's failures for this e-mail address (``jtutor instructor
    unlock``); returns how many were forgotten."""
    prefix = f"pair:{normalise_email(email)}|"
    query = delete(LoginFailure).where(
        LoginFailure.key.startswith(prefix, autoescape=True)
        | (LoginFailure.key == "email:" + normalise_email(email))
    )
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def clear_login_failures(session: Session, *, key: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key == key[:300]))


def purge_login_failures(session: Session, *, before: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.created_at <= before))


# -- what instructors see of attempts -------------------------------------------------------


@dataclass
class ExerciseStats:
    """One exercise on the dashboard. ``first_try_correct`` is the share of learners whose
    first counted attempt was correct (invalid answers cost no attempt, DESIGN §5)."""

    exercise_id: str
    attempts: int = 0
    counted: int = 0
    learners: int = 0
    first_try_correct: float | None = None
    diagnoses: list[tuple[str, int]] = field(default_factory=list)
    # (version, attempts) oldest version first; version None: graded before versions were kept
    versions: list[tuple[int | None, int]] = field(default_factory=list)


def exercise_stats(session: Session) -> dict[str, ExerciseStats]:
    """Per exercise that has attempts: counts, learners, first-try share, diagnoses."""
    stats: dict[str, ExerciseStats] = {}
    query = select(
        Attempt.exercise_id, func.count(Attempt.id), func.count(func.distinct(Attempt.learner_id))
    ).group_by(Attempt.exercise_id)
    for exercise_id, attempts, learners in session.execute(query):
        stats[exercise_id] = ExerciseStats(exercise_id, int(attempts), 0, int(learners))
    first_verdicts: dict[str, list[bool]] = {}
    seen: set[tuple[str, str]] = set()
    counted = (
        select(Attempt.exercise_id, Attempt.learner_id, Attempt.verdict)
        .where(Attempt.counted.is_(True))
        .order_by(Attempt.created_at, Attempt.id)
    )
    for exercise_id, learner_id, verdict in session.execute(counted):
        stats[exercise_id].counted += 1
        if (exercise_id, learner_id) not in seen:
            seen.add((exercise_id, learner_id))
            first_verdicts.setdefault(exercise_id, []).append(verdict == "correct")
    for exercise_id, firsts in first_verdicts.items():
        stats[exercise_id].first_try_correct = sum(firsts) / len(firsts)
    diagnoses = (
        select(Attempt.exercise_id, Attempt.diagnosis, func.count(Attempt.id))
        .where(Attempt.verdict == "incorrect")
        .group_by(Attempt.exercise_id, Attempt.diagnosis)
    )
    tallies: dict[str, Counter[str]] = {}
    for exercise_id, diagnosis, count in session.execute(diagnoses):
        tallies.setdefault(exercise_id, Counter())[diagnosis or "unexplained"] += int(count)
    for exercise_id, tally in tallies.items():
        stats[exercise_id].diagnoses = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))
    by_version = select(
        Attempt.exercise_id, Attempt.exercise_version, func.count(Attempt.id)
    ).group_by(Attempt.exercise_id, Attempt.exercise_version)
    for exercise_id, version, count in session.execute(by_version):
        stats[exercise_id].versions.append((version, int(count)))
    for entry in stats.values():
        entry.versions.sort(key=lambda vc: -1 if vc[0] is None else vc[0])
    return stats


def recent_wrong_attempts(session: Session, *, exercise_id: str, limit: int = 10) -> list[Attempt]:
    query = (
        select(Attempt)
        .where(Attempt.exercise_id == exercise_id, Attempt.verdict == "incorrect")
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


CSV_COLUMNS = (
    "attempt_id",
    "created_at",
    "learner_id",
    "exercise_id",
    "answer",
    "seed",
    "verdict",
    "diagnosis",
    "counted",
    "message",
    "exercise_version",
    "content_hash",
)


def attempt_rows(session: Session, *, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every attempt of every learner, oldest first, one dict per CSV row (streamed)."""
    last_id = 0
    while True:
        query = select(Attempt).where(Attempt.id > last_id).order_by(Attempt.id).limit(batch)
        rows = list(session.scalars(query))
        if not rows:
            return
        for attempt in rows:
            result = attempt.result if isinstance(attempt.result, dict) else {}
            yield {
                "attempt_id": attempt.id,
                "created_at": _utc(attempt.created_at).isoformat(),
                "learner_id": attempt.learner_id,
                "exercise_id": attempt.exercise_id,
                "answer": attempt.answer,
                "seed": "" if attempt.seed is None else attempt.seed,
                "verdict": attempt.verdict,
                "diagnosis": attempt.diagnosis or "",
                "counted": "true" if attempt.counted else "false",
                "message": str(result.get("message") or ""),
                "exercise_version": attempt.exercise_version or "",
                "content_hash": attempt.content_hash or "",
            }
        last_id = rows[-1].id
