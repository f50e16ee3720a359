"""migration check runs, findings, spot checks (tracker/migration_runs.py, spot_checks.py)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "migration_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.Column("triggered_by", sa.String(80), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("data_date", sa.DateTime(), nullable=True),
        sa.Column("go_live", sa.Date(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("blockers", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("ar_legacy", sa.Numeric(18, 2), nullable=False),
        sa.Column("ar_new", sa.Numeric(18, 2), nullable=False),
        sa.Column("ar_difference", sa.Numeric(18, 2), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_runs")),
    )
    op.create_index(op.f("ix_migration_runs_ran_at"), "migration_runs", ["ran_at"])
    op.create_table(
        "migration_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(60), nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("system", sa.String(10), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("field", sa.String(60), nullable=True),
        sa.Column("legacy", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["migration_runs.id"], ondelete="CASCADE",
                                name=op.f("fk_migration_findings_run_id_migration_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_findings")),
    )
    op.create_index(op.f("ix_migration_findings_run_id"), "migration_findings", ["run_id"])
    op.create_table(
        "spot_check_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("check_seconds", sa.Float(), nullable=True),
        sa.Column("full_estimate_seconds", sa.Float(), nullable=True),
        sa.Column("signed_off", sa.Boolean(), nullable=False),
        sa.Column("signed_off_by", sa.String(80), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(), nullable=True),
        sa.Column("sign_off_note", sa.Text(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_samples")),
    )
    op.create_table(
        "spot_check_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("legacy_key", sa.String(200), nullable=False),
        sa.Column("new_key", sa.String(200), nullable=True),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("payer", sa.String(200), nullable=True),
        sa.Column("active_authorization", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(80), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sample_id"], ["spot_check_samples.id"], ondelete="CASCADE",
                                name=op.f("fk_spot_check_items_sample_id_spot_check_samples")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_items")),
    )
    op.create_index(op.f("ix_spot_check_items_sample_id"), "spot_check_items", ["sample_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_spot_check_items_sample_id"), table_name="spot_check_items")
    op.drop_table("spot_check_items")
    op.drop_table("spot_check_samples")
    op.drop_index(op.f("ix_migration_findings_run_id"), table_name="migration_findings")
    op.drop_table("migration_findings")
    op.drop_index(op.f("ix_migration_runs_ran_at"), table_name="migration_runs")
    op.drop_table("migration_runs")
