"""LTI 1.3 state: registered platforms and deployments, the tool's signing keys, login
states, used nonces, line items, and the score-passback outbox.

Login states and nonces are rows (not process memory), so a launch can land on any server
process and a nonce is refused the second time across all of them. Scores to pass back are
queued as rows and sent off the request path; a failed post stays in the table with its
error and is retried (:mod:`app.lti.scores`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.store.models import Base, utcnow
from app.store.rows import find_or_add

ID = BigInteger().with_variant(Integer, "sqlite")


class LtiPlatform(Base):
    __tablename__ = "lti_platforms"
    __table_args__ = (
        UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500), nullable=False)
    client_id: Mapped[str] = mapped_column(String(255), nullable=False)
    auth_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    token_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    jwks_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class LtiDeployment(Base):
    __tablename__ = "lti_deployments"

    platform_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True
    )
    deployment_id: Mapped[str] = mapped_column(String(255), primary_key=True)


class LtiKey(Base):
    __tablename__ = "lti_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class LtiState(Base):
    __tablename__ = "lti_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), nullable=False)
    platform_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lti_platforms.id", ondelete="CASCADE"), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class LtiNonce(Base):
    __tablename__ = "lti_nonces"

    platform_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class LtiLineItem(Base):
    __tablename__ = "lti_line_items"
    __table_args__ = (UniqueConstraint("platform_id", "url", name="uq_lti_line_items_url"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lti_platforms.id", ondelete="CASCADE"), nullable=False
    )
    url: Mapped[str] = mapped_column(String(1000), nullable=False)
    exercise_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("assignments.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class LtiScorePost(Base):
    __tablename__ = "lti_score_posts"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    line_item_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lti_line_items.id", ondelete="CASCADE"), nullable=False
    )
    user_subject: Mapped[str] = mapped_column(String(255), nullable=False)
    score_given: Mapped[float] = mapped_column(Float, nullable=False)
    score_maximum: Mapped[float] = mapped_column(Float, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    tries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    next_try_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )


class LtiLink(Base):
    """An LMS user launched from this line item: their graded attempts are posted to it."""

    __tablename__ = "lti_links"

    account_id: Mapped[int] = mapped_column(
        ID, ForeignKey("learner_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    line_item_id: Mapped[int] = mapped_column(
        ID, ForeignKey("lti_line_items.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class PlatformExists(ValueError):
    """This issuer and client id are already registered."""


def add_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_url: str,
    token_url: str,
    jwks_url: str,
) -> LtiPlatform:
    """Register a platform, or add deployment ids to one already registered."""
    platform, made = find_or_add(
        session,
        LtiPlatform,
        {"issuer": issuer, "client_id": client_id},
        auth_url=auth_url,
        token_url=token_url,
        jwks_url=jwks_url,
    )
    if not made:
        platform.auth_url, platform.token_url, platform.jwks_url = auth_url, token_url, jwks_url
    for deployment_id in deployment_ids:
        find_or_add(
            session, LtiDeployment, {"platform_id": platform.id, "deployment_id": deployment_id}
        )
    session.flush()
    return platform


def platform_for(
    session: Session, *, issuer: str, client_id: str | None = None
) -> LtiPlatform | None:
    """The platform of ``issuer`` (and ``client_id``; without it, only if it is the only one)."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id is not None:
        return session.scalar(query.where(LtiPlatform.client_id == client_id))
    found = list(session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def list_platforms(session: Session) -> list[LtiPlatform]:
    return list(session.scalars(select(LtiPlatform).order_by(LtiPlatform.id)))


def deployment_known(session: Session, *, platform_id: int, deployment_id: str) -> bool:
    return session.get(LtiDeployment, (platform_id, deployment_id)) is not None


def save_state(
    session: Session, *, state: str, nonce: str, platform_id: int, ttl: timedelta
) -> None:
    now = datetime.now(UTC)
    session.execute(delete(LtiState).where(LtiState.expires_at < now))
    session.add(LtiState(state=state, nonce=nonce, platform_id=platform_id, expires_at=now + ttl))
    session.flush()


def take_state(session: Session, *, state: str) -> LtiState | None:
    """The login state, removed so that it serves one launch only; None if unknown or stale."""
    row = session.get(LtiState, state)
    if row is None:
        return None
    session.delete(row)
    session.flush()
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return row if expires >= datetime.now(UTC) else None


def use_nonce(session: Session, *, platform_id: int, nonce: str, expires_at: datetime) -> bool:
    """Record a nonce as used; False if it was used before (a replayed id_token)."""
    now = datetime.now(UTC)
    session.execute(delete(LtiNonce).where(LtiNonce.expires_at < now))
    if session.get(LtiNonce, (platform_id, nonce)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(LtiNonce(platform_id=platform_id, nonce=nonce, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def line_item(
    session: Session,
    *,
    platform_id: int,
    url: str,
    exercise_id: str | None,
    assignment_id: int | None,
) -> LtiLineItem:
    row, _ = find_or_add(
        session,
        LtiLineItem,
        {"platform_id": platform_id, "url": url},
        exercise_id=exercise_id,
        assignment_id=assignment_id,
    )
    return row


def link_line_item(session: Session, *, account_id: int, line_item_id: int) -> None:
    """Remember that this LMS user was launched from this line item."""
    find_or_add(session, LtiLink, {"account_id": account_id, "line_item_id": line_item_id})


def linked_line_items(session: Session, *, account_id: int) -> list[LtiLineItem]:
    return list(
        session.scalars(
            select(LtiLineItem)
            .join(LtiLink, LtiLink.line_item_id == LtiLineItem.id)
            .where(LtiLink.account_id == account_id)
            .order_by(LtiLineItem.id)
        )
    )


def queue_score(
    session: Session,
    *,
    line_item_id: int,
    user_subject: str,
    score_given: float,
    score_maximum: float,
    at: datetime,
) -> LtiScorePost:
    """A score to post, due now; ``at`` (the attempt's time) is the score's timestamp."""
    row = LtiScorePost(
        line_item_id=line_item_id,
        user_subject=user_subject,
        score_given=score_given,
        score_maximum=score_maximum,
        status="pending",
        tries=0,
        created_at=at,
        next_try_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def due_scores(session: Session, *, now: datetime, limit: int = 20) -> list[int]:
    return list(
        session.scalars(
            select(LtiScorePost.id)
            .where(LtiScorePost.status == "pending", LtiScorePost.next_try_at <= now)
            .order_by(LtiScorePost.id)
            .limit(limit)
        )
    )


def claim_score(session: Session, *, score_id: int, now: datetime, lease: timedelta) -> bool:
    """Take a due score for sending; False if another sender took it first.

    The claim pushes ``next_try_at`` past the lease, so a sender that dies mid-post leaves
    the score due again later instead of stuck.
    """
    claimed = session.execute(
        update(LtiScorePost)
        .where(
            LtiScorePost.id == score_id,
            LtiScorePost.status == "pending",
            LtiScorePost.next_try_at <= now,
        )
        .values(next_try_at=now + lease, tries=LtiScorePost.tries + 1)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(claimed, "rowcount", 0) or 0) == 1


def finish_score(
    session: Session, *, score_id: int, error: str | None, retry_at: datetime | None
) -> None:
    """Sent (no error), to be retried at ``retry_at``, or given up (error, no retry)."""
    row = session.get(LtiScorePost, score_id)
    if row is None:
        return
    row.last_error = error
    if error is None:
        row.status = "sent"
    elif retry_at is not None:
        row.next_try_at = retry_at
    else:
        row.status = "failed"
    session.flush()
