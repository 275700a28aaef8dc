"""Every store test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``NAM_TEST_POSTGRES_URL`` (``scripts/postgres.sh`` starts one and
prints it). Locally the PostgreSQL runs skip with the reason when no server answers; in CI
(``CI=true``) they must run, so an unreachable server fails them.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from mapping.store import Store, metadata

POSTGRES_URL = os.environ.get("NAM_TEST_POSTGRES_URL",
                              "postgresql+psycopg://nam:nam@127.0.0.1:5432/nam_test")


def _postgres_or_skip() -> str:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        engine.dispose()
    except Exception as exc:  # any driver error means no usable server
        reason = f"no PostgreSQL at {POSTGRES_URL} ({type(exc).__name__}); run scripts/postgres.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL store tests must run in CI: {reason}")
        pytest.skip(reason)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assets.db'}"
    return _postgres_or_skip()


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


ASSET = {"name": "Casa Amiga", "category": "settlement", "latitude": 41.85,
         "longitude": -87.68, "languages": "Spanish", "services": "ESL classes"}
