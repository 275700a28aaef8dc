"""Every store test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``NAM_TEST_POSTGRES_URL`` (``scripts/postgres.sh`` starts one and
prints it). Locally the PostgreSQL runs skip with the reason when no server answers; in CI
(``CI=true``) they must run, so an unreachable server fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mapping.records.store import Store

POSTGRES_URL = os.environ.get("NAM_TEST_POSTGRES_URL",
                              "postgresql+psycopg://nam:nam@127.0.0.1:5432/nam_test")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of its own for this test run (dropped at the end), or None if no server."""
    name = f"nam_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT",
                                 connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            try:  # scripts/postgres.sh keeps a template with PostGIS enabled
                conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE nam_template')
            except sa.exc.DBAPIError:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # any driver error means no usable server
        yield None, f"no PostgreSQL at {POSTGRES_URL} ({type(exc).__name__}: {exc})"[:300]
        return
    try:
        yield sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(
            hide_password=False), ""
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _empty(url: str) -> None:
    """Drop every table of the test database (whatever schema version made them)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'spatial_ref_sys'")]
        for table in tables:
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assets.db'}"
    url, reason = request.getfixturevalue("postgres_database")
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL store tests must run in CI: {reason}; run scripts/postgres.sh")
        pytest.skip(f"{reason}; run scripts/postgres.sh or set NAM_TEST_POSTGRES_URL")
    _empty(url)
    return url


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


ASSET = {"name": "Casa Amiga", "category": "settlement", "latitude": 41.85,
         "longitude": -87.68, "languages": "Spanish", "services": "ESL classes"}
