"""Outreach logged by contributors waits for staff review

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

``review`` is empty for entries staff log, ``pending`` for a contributor's entry until
staff accept or decline it (``accepted``, ``declined``; ``reviewed_by`` says who). Only
staff entries and accepted ones count in the workload and the involvement chart.
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outreach_log") as batch:
        batch.add_column(sa.Column("review", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("reviewed_by", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outreach_log") as batch:
        batch.drop_column("reviewed_by")
        batch.drop_column("review")
