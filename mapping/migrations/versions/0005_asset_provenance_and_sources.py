"""Asset provenance and sources: the database is the one home of assets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

Every asset keeps where it came from: its source (a dataset's file, an import), the
source's own id for it, when it was imported and a digest of the fields as imported (so a
later import can tell records nobody edited from records staff changed). The database
enforces one record per (source, source id), so no number of re-imports, concurrent or
not, can add a duplicate. ``in_source`` is false once a source no longer lists a record
(it is never deleted for that). ``merged_into`` points from a merged duplicate to the
record kept. ``asset_sources`` describes each source (file digest, when, and where it was
surveyed: ``coverage``, GeoJSON, for the coverage-aware analyses), and
``duplicate_candidates`` holds likely duplicates across sources for staff to decide;
``source_changes`` holds a source's new version of a record staff had edited, until staff
take it or keep theirs.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("source_key", sa.String(300), nullable=True))
        batch.add_column(sa.Column("source_ref", sa.String(200), nullable=True))
        batch.add_column(sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("source_digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("in_source", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("merged_into", sa.String(64), nullable=True))
    op.create_index("assets_source_ref_uq", "assets", ["source_key", "source_ref"], unique=True)
    op.create_index("assets_updated_at_idx", "assets", ["updated_at"])
    op.create_table(
        "asset_sources",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("dataset", sa.String(120), nullable=False, server_default=""),
        sa.Column("digest", sa.String(64), nullable=False, server_default=""),
        sa.Column("records", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("coverage", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(120), nullable=False),
    )
    op.create_table(
        "duplicate_candidates",
        sa.Column("asset_id", sa.String(64), sa.ForeignKey("assets.id"), primary_key=True),
        sa.Column("other_id", sa.String(64), sa.ForeignKey("assets.id"), primary_key=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("decided_by", sa.String(120), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "source_changes",
        sa.Column("asset_id", sa.String(64), sa.ForeignKey("assets.id"), primary_key=True),
        sa.Column("incoming", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("source_changes")
    op.drop_table("duplicate_candidates")
    op.drop_table("asset_sources")
    op.drop_index("assets_updated_at_idx", "assets")
    op.drop_index("assets_source_ref_uq", "assets")
    with op.batch_alter_table("assets") as batch:
        for column in ("merged_into", "in_source", "source_digest", "imported_at",
                       "source_ref", "source_key"):
            batch.drop_column(column)
