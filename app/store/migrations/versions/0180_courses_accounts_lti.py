"""Learner accounts, courses and assignments, exercise versions, and LTI 1.3 state.

Existing rows are kept: attempts made before this revision have no recorded version
(``exercise_version`` and ``content_hash`` stay NULL and dashboards show them as
"before versioning"); anonymous learners stay anonymous until they make an account.

Revision ID: 0180
Revises: 0170
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0180"
down_revision = "0170"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("auth_url", sa.String(1000), nullable=False),
        sa.Column("token_url", sa.String(1000), nullable=False),
        sa.Column("jwks_url", sa.String(1000), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),
    )
    op.create_table(
        "lti_deployments",
        sa.Column(
            "platform_id",
            ID,
            sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("deployment_id", sa.String(255), primary_key=True),
    )
    op.create_table(
        "lti_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_table(
        "lti_states",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column(
            "platform_id",
            ID,
            sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("expires_at", NOW, nullable=False),
    )
    op.create_table(
        "lti_nonces",
        sa.Column(
            "platform_id",
            ID,
            sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("nonce", sa.String(255), primary_key=True),
        sa.Column("expires_at", NOW, nullable=False),
    )
    op.create_table(
        "learner_accounts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "learner_id",
            sa.String(64),
            sa.ForeignKey("learners.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("email", sa.String(254), nullable=True, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column(
            "lti_platform_id",
            ID,
            sa.ForeignKey("lti_platforms.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("lti_subject", sa.String(255), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
        sa.UniqueConstraint("lti_platform_id", "lti_subject", name="uq_learner_accounts_lti"),
    )
    op.create_table(
        "courses",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column(
            "owner_id",
            ID,
            sa.ForeignKey("instructors.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("join_code", sa.String(16), nullable=False, unique=True),
        sa.Column(
            "lti_platform_id",
            ID,
            sa.ForeignKey("lti_platforms.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("lti_context_id", sa.String(255), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
        sa.UniqueConstraint("lti_platform_id", "lti_context_id", name="uq_courses_lti_context"),
    )
    op.create_table(
        "course_staff",
        sa.Column(
            "course_id", ID, sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "instructor_id",
            ID,
            sa.ForeignKey("instructors.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "enrolments",
        sa.Column(
            "course_id", ID, sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "account_id",
            ID,
            sa.ForeignKey("learner_accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("opens_at", NOW, nullable=True),
        sa.Column("due_at", NOW, nullable=True),
        sa.Column("attempts_allowed", sa.Integer(), nullable=True),
        sa.Column("solution_allowed", sa.Boolean(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_index("ix_assignments_course", "assignments", ["course_id"])
    op.create_table(
        "assignment_items",
        sa.Column(
            "assignment_id",
            ID,
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("exercise_id", sa.String(200), nullable=False),
    )
    op.create_table(
        "exercise_versions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("exercise_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
        sa.UniqueConstraint("exercise_id", "version", name="uq_exercise_versions_number"),
        sa.UniqueConstraint("exercise_id", "content_hash", name="uq_exercise_versions_hash"),
    )
    op.create_table(
        "lti_line_items",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "platform_id",
            ID,
            sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("exercise_id", sa.String(200), nullable=True),
        sa.Column(
            "assignment_id",
            ID,
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("created_at", NOW, nullable=False),
        sa.UniqueConstraint("platform_id", "url", name="uq_lti_line_items_url"),
    )
    op.create_table(
        "lti_score_posts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "line_item_id",
            ID,
            sa.ForeignKey("lti_line_items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_subject", sa.String(255), nullable=False),
        sa.Column("score_given", sa.Float(), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_index("ix_lti_score_posts_status", "lti_score_posts", ["status"])
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("exercise_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("content_hash")
        batch.drop_column("exercise_version")
    op.drop_index("ix_lti_score_posts_status", table_name="lti_score_posts")
    op.drop_table("lti_score_posts")
    op.drop_table("lti_line_items")
    op.drop_table("exercise_versions")
    op.drop_table("assignment_items")
    op.drop_index("ix_assignments_course", table_name="assignments")
    op.drop_table("assignments")
    op.drop_table("enrolments")
    op.drop_table("course_staff")
    op.drop_table("courses")
    op.drop_table("learner_accounts")
    op.drop_table("lti_nonces")
    op.drop_table("lti_states")
    op.drop_table("lti_keys")
    op.drop_table("lti_deployments")
    op.drop_table("lti_platforms")
