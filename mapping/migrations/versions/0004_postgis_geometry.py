"""PostGIS geometry of assets, so QGIS can open the table live (PostgreSQL with PostGIS only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

On PostgreSQL where the PostGIS extension can be enabled, ``assets.geom`` is a stored
column computed from latitude and longitude (EPSG:4326) with a spatial index: it can never
disagree with them, and the app keeps writing plain numbers. Elsewhere nothing changes.
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _postgis(bind) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    available = bind.execute(sa.text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).first()
    if available is None:
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except sa.exc.DBAPIError:  # no right to create it: stay without geometry
        return False
    return True


def upgrade() -> None:
    bind = op.get_bind()
    if not _postgis(bind):
        return
    op.execute("ALTER TABLE assets ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) "
               "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED")
    op.execute("CREATE INDEX IF NOT EXISTS assets_geom_idx ON assets USING GIST (geom)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS assets_geom_idx")
        op.execute("ALTER TABLE assets DROP COLUMN IF EXISTS geom")
