"""Suggestions from the community: "suggest a place" and "something is wrong here"

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

A review queue: each suggestion is a new place (name, category, point, address, services,
languages) or a correction to an asset, with what the person said, their name and contact
if they gave them (personal data: never copied into an asset), who sent it (an account or
the public) and what staff decided (approved, merged, fixed, declined; by whom, when, the
asset it became or went into).
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(300), nullable=False, server_default=""),
        sa.Column("category", sa.String(40), nullable=False, server_default=""),
        sa.Column("address", sa.String(400), nullable=False, server_default=""),
        sa.Column("services", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("languages", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("contact", sa.String(254), nullable=False, server_default=""),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("sent_by", sa.String(254), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("decided_by", sa.String(254), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(300), nullable=False, server_default=""),
        sa.Column("result_asset_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("suggestions_status_idx", "suggestions", ["status"])


def downgrade() -> None:
    op.drop_index("suggestions_status_idx", "suggestions")
    op.drop_table("suggestions")
