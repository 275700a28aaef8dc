"""A busy database refuses nothing (issue #8, findings 2 and 3).

The full load (50 processes, both engines) is ``bench/concurrent_writes.py``; these tests
pin each cause down on its own, deterministically.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
import sqlalchemy as sa

import mapping.records.store as store_module
from mapping.infra.errors import DataError
from mapping.records.assets import normalize_assets
from mapping.records.store import Store
from tests.db.conftest import ASSET


def _hold_write_lock(path: str, seconds: float, started: threading.Event) -> threading.Thread:
    """Another process's long write: SQLite's write lock held for ``seconds``."""
    def hold() -> None:
        engine = sa.create_engine(f"sqlite:///{path}", connect_args={"isolation_level": None})
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            started.set()
            time.sleep(seconds)
            conn.exec_driver_sql("ROLLBACK")
        engine.dispose()
    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert started.wait(30)
    return thread


def test_opening_a_current_database_takes_no_write_lock(tmp_path):
    """Every Store() took the migration's write lock; with a writer busy for longer than
    the busy time-out, a starting process was refused 'database is locked'."""
    path = tmp_path / "assets.db"
    Store(f"sqlite:///{path}").close()
    holder = _hold_write_lock(str(path), 12.0, threading.Event())  # > the old 10 s time-out
    started = time.monotonic()
    store = Store(f"sqlite:///{path}")
    opened_in = time.monotonic() - started
    assert store.count_assets() == 0
    assert opened_in < 8  # it did not wait for the writer (it used to, then failed)
    store.close()
    holder.join()


def test_a_write_waits_out_a_writer_busier_than_one_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "assets.db"
    store = Store(f"sqlite:///{path}")
    holder = _hold_write_lock(str(path), 1.5, threading.Event())
    saved = store.create_asset(ASSET, user="ana")  # 15 busy time-outs later, it lands
    holder.join()
    assert store.get_asset(saved["asset_id"])["name"] == ASSET["name"]
    store.close()


def test_a_write_refused_after_the_wait_says_so_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(store_module, "WRITE_WAIT_SECONDS", 0.5)
    path = tmp_path / "assets.db"
    store = Store(f"sqlite:///{path}")
    holder = _hold_write_lock(str(path), 3.0, threading.Event())
    with pytest.raises(DataError, match="busy with other changes; nothing was saved"):
        store.create_asset(ASSET, user="ana")
    holder.join()
    assert store.count_assets() == 0
    store.close()


def _file(source: str, n: int, offset: float = 0.0):
    frame = pd.DataFrame([{**ASSET, "name": f"Site {i}", "asset_id": str(i),
                           "latitude": 41.7 + offset + i / 1000} for i in range(n)])
    records, _ = normalize_assets(frame, source=source)
    return records


@pytest.mark.parametrize("same_file", [True, False], ids=["same rows", "different files"])
def test_concurrent_imports_neither_duplicate_nor_refuse(store_url, same_file):
    """Eight imports at once: of one file (50 records, once), or of eight files whose rows
    have the same ids '0'..'29' (240 records: on PostgreSQL two imports picked the same
    record id at once and one was refused)."""
    Store(store_url).close()

    def run(k: int) -> int:
        s = Store(store_url)
        try:
            if same_file:
                return len(s.import_assets(_file("shared.csv", 50), user=f"u{k}").added)
            records = _file(f"branch{k}.csv", 30, offset=k / 10)
            return len(s.import_assets(records, user=f"u{k}", near_m=0).added)
        finally:
            s.close()

    with ThreadPoolExecutor(8) as pool:
        added = list(pool.map(run, range(8)))
    s = Store(store_url)
    expected = 50 if same_file else 240
    assert sum(added) == expected and s.count_assets() == expected
    with s.reading() as conn:
        pairs = conn.execute(sa.text("SELECT COUNT(DISTINCT source_key || '/' || source_ref) "
                                     "FROM assets")).scalar_one()
    assert pairs == expected
    s.close()
