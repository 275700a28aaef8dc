"""Saved views and stories, for presenters

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

A saved view is a page of the app and its link's parameters (dataset, filters, the map's
centre and zoom, the selection, a drawn shape), with a title and a note, made by an
account. A story orders saved views into a deck (``story_views``: one row per slide).
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("page", sa.String(40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(254), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(254), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "story_views",
        sa.Column("story_id", sa.Integer(), sa.ForeignKey("stories.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("view_id", sa.Integer(), sa.ForeignKey("saved_views.id"), nullable=False),
    )
    op.create_index("story_views_view_idx", "story_views", ["view_id"])


def downgrade() -> None:
    op.drop_index("story_views_view_idx", "story_views")
    op.drop_table("story_views")
    op.drop_table("stories")
    op.drop_table("saved_views")
