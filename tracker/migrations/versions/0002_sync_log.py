"""sync runs (tracker/sync_log.py)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("triggered_by", sa.String(120), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("stage", sa.String(200), nullable=True),
        sa.Column("host", sa.String(120), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(op.f("ix_sync_runs_source"), "sync_runs", ["source"])
    op.create_index(op.f("ix_sync_runs_outcome"), "sync_runs", ["outcome"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_runs_outcome"), table_name="sync_runs")
    op.drop_index(op.f("ix_sync_runs_source"), table_name="sync_runs")
    op.drop_table("sync_runs")
