"""LTI score passback: which LMS user launched which line item, and when a queued score is due.

``lti_links`` ties a learner account to the line items it was launched from, so a graded
attempt knows where its score goes; ``lti_score_posts.next_try_at`` is when a queued score
is next sent (a claim pushes it forward, a failure backs it off), so a crashed sender's
claim expires and several server processes never post one score twice at once.

Revision ID: 0190
Revises: 0180
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0190"
down_revision = "0180"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "lti_links",
        sa.Column(
            "account_id",
            ID,
            sa.ForeignKey("learner_accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "line_item_id",
            ID,
            sa.ForeignKey("lti_line_items.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("lti_score_posts") as batch:
        batch.add_column(sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_lti_score_posts_next_try_at", "lti_score_posts", ["next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_lti_score_posts_next_try_at", table_name="lti_score_posts")
    with op.batch_alter_table("lti_score_posts") as batch:
        batch.drop_column("next_try_at")
    op.drop_table("lti_links")
