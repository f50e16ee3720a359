"""practice profile, plan, milestones, checklists, issue log (tracker/plan.py, checklists.py, issue_log.py)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_name", sa.String(200), nullable=False),
        sa.Column("location_count", sa.Integer(), nullable=False),
        sa.Column("location_names", sa.JSON(), nullable=False),
        sa.Column("providers_by_discipline", sa.JSON(), nullable=False),
        sa.Column("current_system", sa.String(30), nullable=False),
        sa.Column("contract_date", sa.Date(), nullable=False),
        sa.Column("planning_start", sa.Date(), nullable=False),
        sa.Column("target_go_live", sa.Date(), nullable=False),
        sa.Column("rollout", sa.String(30), nullable=False),
        sa.Column("parallel_run", sa.Boolean(), nullable=False),
        sa.Column("plan_accepted_at", sa.DateTime(), nullable=True),
        sa.Column("plan_accepted_by", sa.String(80), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_profiles")),
    )
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("checkpoint", sa.String(40), nullable=True),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("baseline_due_date", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("key", name=op.f("uq_milestones_key")),
    )
    op.create_table(
        "milestone_dependencies",
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("depends_on_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestones.id"], ondelete="CASCADE",
                                name=op.f("fk_milestone_dependencies_milestone_id_milestones")),
        sa.ForeignKeyConstraint(["depends_on_id"], ["milestones.id"], ondelete="CASCADE",
                                name=op.f("fk_milestone_dependencies_depends_on_id_milestones")),
        sa.PrimaryKeyConstraint("milestone_id", "depends_on_id", name=op.f("pk_milestone_dependencies")),
    )
    op.create_table(
        "checklist_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("list_key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("due_offset_days", sa.Integer(), nullable=False),
        sa.Column("gates", sa.String(80), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_templates")),
        sa.UniqueConstraint("key", name=op.f("uq_checklist_templates_key")),
    )
    op.create_index(op.f("ix_checklist_templates_list_key"), "checklist_templates", ["list_key"])
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("list_key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("gates", sa.String(80), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_by", sa.String(80), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_items")),
        sa.UniqueConstraint("key", name=op.f("uq_checklist_items_key")),
    )
    op.create_index(op.f("ix_checklist_items_list_key"), "checklist_items", ["list_key"])
    op.create_table(
        "golive_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.String(80), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("owner", sa.String(80), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(80), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive_issues")),
    )
    op.create_index(op.f("ix_golive_issues_opened_at"), "golive_issues", ["opened_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_golive_issues_opened_at"), table_name="golive_issues")
    op.drop_table("golive_issues")
    op.drop_index(op.f("ix_checklist_items_list_key"), table_name="checklist_items")
    op.drop_table("checklist_items")
    op.drop_index(op.f("ix_checklist_templates_list_key"), table_name="checklist_templates")
    op.drop_table("checklist_templates")
    op.drop_table("milestone_dependencies")
    op.drop_table("milestones")
    op.drop_table("practice_profiles")
