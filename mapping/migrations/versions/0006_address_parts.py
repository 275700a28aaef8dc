"""Address parts: street, city, state, postal code and country beside the one-line address

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Open Referral (HSDS) and mail merges need an address in parts. Every asset keeps its one
line as typed and gains the parts: existing addresses are parsed here (``usaddress``,
through :func:`mapping.records.addresses.address_parts`); new and edited ones are parsed
when saved, or take the parts a source sends. The digests stored at import stay valid
(parts are not part of a source digest), so no record looks edited by staff afterwards.
"""
from alembic import op
import sqlalchemy as sa

from mapping.records.addresses import ADDRESS_FIELDS, address_parts

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SIZES = {"street": 400, "city": 200, "state": 100, "postal_code": 40, "country": 60}


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        for name in ADDRESS_FIELDS:
            batch.add_column(sa.Column(name, sa.String(_SIZES[name]), nullable=False,
                                       server_default=""))
    bind = op.get_bind()
    table = sa.table("assets", sa.column("id", sa.String), sa.column("address", sa.String),
                     *(sa.column(name, sa.String) for name in ADDRESS_FIELDS))
    rows = bind.execute(sa.select(table.c.id, table.c.address)
                        .where(table.c.address != "")).all()
    for asset_id, address in rows:
        parts = address_parts(address)
        bind.execute(table.update().where(table.c.id == asset_id).values(**parts))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        for name in reversed(ADDRESS_FIELDS):
            batch.drop_column(name)
