"""readiness thresholds, decisions, daily scores (tracker/readiness.py)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readiness_settings",
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_readiness_settings")),
    )
    op.create_table(
        "readiness_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("role", sa.String(40), nullable=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("go_live", sa.Date(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_decisions")),
    )
    op.create_index(op.f("ix_readiness_decisions_decided_at"), "readiness_decisions", ["decided_at"])
    op.create_table(
        "readiness_scores",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("green", sa.Integer(), nullable=False),
        sa.Column("amber", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_readiness_scores")),
    )


def downgrade() -> None:
    op.drop_table("readiness_scores")
    op.drop_index(op.f("ix_readiness_decisions_decided_at"), table_name="readiness_decisions")
    op.drop_table("readiness_decisions")
    op.drop_table("readiness_settings")
