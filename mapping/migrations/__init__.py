"""Schema migrations (Alembic). :func:`upgrade` brings any database to the current schema.

To add a change: edit the tables in :mod:`mapping.records.store`, then
``.venv/bin/alembic -c mapping/migrations/alembic.ini revision --autogenerate -m "what"``
against a database at the previous head, and review the generated file.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
MIGRATION_LOCK = 7_204_113  # any constant: the advisory lock that serialises migrations


def config() -> Config:
    """The Alembic configuration of this package (no alembic.ini needed at run time)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest schema, found by one read (no write lock:
    on SQLite a plain ``BEGIN``, so it never waits for, or blocks, a writer)."""
    head = ScriptDirectory.from_config(config()).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (idempotent; safe with several app replicas).

    A database already at the newest schema (every start but the first after an update)
    is only read: the write lock of a migration is taken only when there is one to run, so
    processes starting while others write are not refused.
    """
    if is_current(engine):
        return
    cfg = config()
    with engine.connect() as conn:
        conn = conn.execution_options(nam_write=True)  # SQLite: BEGIN IMMEDIATE serialises
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # several app replicas may start at once: one migrates, others wait
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            if conn.in_transaction():
                conn.commit()
        finally:
            if postgres:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                conn.commit()
