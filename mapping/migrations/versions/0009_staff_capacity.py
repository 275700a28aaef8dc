"""Staff capacity: trainings completed, time spent on outreach, involvement, planned hours

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

``trainings`` records who completed which training on which day (asset-mapping
orientation, cultural competence, relationship-building, listening skills). Outreach
entries gain the minutes spent and where the work sits on the public involvement
continuum (inform, consult, involve, collaborate, community-led; empty for entries made
before); action steps gain the hours planned for them.
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("training", sa.String(60), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(254), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "training", "completed_on", name="trainings_once_uq"),
    )
    with op.batch_alter_table("outreach_log") as batch:
        batch.add_column(sa.Column("minutes", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("involvement", sa.String(20), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("action_items") as batch:
        batch.add_column(sa.Column("hours", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("action_items") as batch:
        batch.drop_column("hours")
    with op.batch_alter_table("outreach_log") as batch:
        batch.drop_column("involvement")
        batch.drop_column("minutes")
    op.drop_table("trainings")
