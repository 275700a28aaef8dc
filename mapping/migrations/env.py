"""Alembic environment: runs on the connection the store hands over (or a URL for the CLI)."""

from alembic import context
from sqlalchemy import create_engine

import mapping.people.accounts
import mapping.people.capacity
import mapping.people.suggestions  # noqa: F401
from mapping.records.store import metadata

config = context.config
connection = config.attributes.get("connection")


def run(conn) -> None:
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:  # command line: alembic -c mapping/migrations/alembic.ini ...
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        run(conn)
