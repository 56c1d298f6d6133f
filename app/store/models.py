"""The tables: anonymous learners and their attempts.

A learner is only an opaque id carried in a signed cookie: no name, no e-mail. An attempt
keeps everything needed to show it again or audit the grading later: the answer text, the
seed of the instances it was graded on, the verdict and diagnosis, and the full result.
``counted`` is false for invalid answers (they do not parse or are ill-shaped in
themselves), which DESIGN §5 says cost no attempt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_learner_exercise", "learner_id", "exercise_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("learners.id", ondelete="CASCADE"), nullable=False
    )
    exercise_id: Mapped[str] = mapped_column(String(200), nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    seed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    diagnosis: Mapped[str | None] = mapped_column(String(32), nullable=True)
    counted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # The version of the exercise the attempt was graded against (NULL: graded before
    # versions were recorded); see app.store.versions.
    exercise_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
