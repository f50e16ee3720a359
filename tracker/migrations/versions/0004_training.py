"""staff roster, training, pulse survey, vendors (tracker/training.py, pulse.py, vendors.py)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2)


def _version() -> sa.Column:
    return sa.Column("version_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "training_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_key", sa.String(60), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role_group", sa.String(20), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("super_user", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_staff")),
        sa.UniqueConstraint("staff_key", name=op.f("uq_training_staff_staff_key")),
    )
    op.create_table(
        "training_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_key", sa.String(60), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("role_group", sa.String(20), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_modules")),
        sa.UniqueConstraint("module_key", name=op.f("uq_training_modules_module_key")),
    )
    op.create_table(
        "training_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("check_result", sa.String(10), nullable=True),
        sa.Column("check_date", sa.Date(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _version(),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["training_staff.id"],
            ondelete="CASCADE",
            name=op.f("fk_training_results_staff_id_training_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["training_modules.id"],
            ondelete="CASCADE",
            name=op.f("fk_training_results_module_id_training_modules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_results")),
        sa.UniqueConstraint("staff_id", "module_id", name="uq_training_results_staff_module"),
    )
    op.create_index(op.f("ix_training_results_staff_id"), "training_results", ["staff_id"])
    op.create_index(op.f("ix_training_results_module_id"), "training_results", ["module_id"])

    op.create_table(
        "pulse_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_rounds")),
        sa.UniqueConstraint("round_key", name=op.f("uq_pulse_rounds_round_key")),
    )
    op.create_table(
        "pulse_answers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("recommend", sa.Integer(), nullable=False),
        sa.Column("easy_to_use", sa.Integer(), nullable=True),
        sa.Column("training_prepared", sa.Integer(), nullable=True),
        sa.Column("faster", sa.Integer(), nullable=True),
        sa.Column("support", sa.Integer(), nullable=True),
        sa.Column("role_group", sa.String(20), nullable=True),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("friction", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pulse_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_pulse_answers_round_id_pulse_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_answers")),
    )
    op.create_index(op.f("ix_pulse_answers_round_id"), "pulse_answers", ["round_id"])
    op.create_table(
        "pulse_participation",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pulse_rounds.id"],
            ondelete="CASCADE",
            name=op.f("fk_pulse_participation_round_id_pulse_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_participation")),
        sa.UniqueConstraint("round_id", "user_id", name="uq_pulse_participation_round_user"),
    )

    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *[
            sa.Column(f"score_{k}", sa.Integer(), nullable=True)
            for k in ("specialty_fit", "revenue_integrity", "documentation", "prior_auth", "total_cost")
        ],
        *[
            sa.Column(k, MONEY, nullable=False)
            for k in (
                "price_per_provider_month",
                "addons_per_provider_month",
                "support_per_month",
                "implementation_fee",
                "training_fee",
                "migration_fee",
            )
        ],
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint("name", name=op.f("uq_vendors_name")),
    )
    op.create_table(
        "vendor_criteria",
        sa.Column("criterion", sa.String(40), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("criterion", name=op.f("pk_vendor_criteria")),
    )
    op.create_table(
        "vendor_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_questions")),
    )
    op.create_table(
        "vendor_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        _version(),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendors.id"],
            ondelete="CASCADE",
            name=op.f("fk_vendor_answers_vendor_id_vendors"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["vendor_questions.id"],
            ondelete="CASCADE",
            name=op.f("fk_vendor_answers_question_id_vendor_questions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_answers")),
        sa.UniqueConstraint("vendor_id", "question_id", name="uq_vendor_answers_vendor_question"),
    )
    op.create_table(
        "vendor_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        _version(),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_vendor_decision_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_decision")),
    )


def downgrade() -> None:
    for table in (
        "vendor_decision",
        "vendor_answers",
        "vendor_questions",
        "vendor_criteria",
        "vendors",
        "pulse_participation",
        "pulse_answers",
        "pulse_rounds",
        "training_results",
        "training_modules",
        "training_staff",
    ):
        op.drop_table(table)
