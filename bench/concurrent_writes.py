"""Many processes writing to one asset database at once: lost, duplicated, refused.

Run:  .venv/bin/python bench/concurrent_writes.py                       (50 processes, SQLite)
      .venv/bin/python bench/concurrent_writes.py --postgres URL        (and PostgreSQL)
      .venv/bin/python bench/concurrent_writes.py --smoke               (6 processes; CI)

Issue #8 (findings 2 and 3) asks for 0 lost, 0 duplicated, 0 refused on both engines for:

- *edits*: N processes, each saving 5 edits to its own asset (every edit names the
  version it read);
- *same rows*: N processes importing the same 50-row file at once (one record each);
- *different rows*: N processes each importing its own 50-row file, the files' row ids
  all '0'..'49' (N x 50 records, each under its own source).

Every process starts together (a shared event), opens its own ``Store`` (so the start-up
schema check is under the same load) and reports what it saw. Figures are counted from the
database afterwards, against what was sent, never from what the workers say they did.
PostgreSQL runs in a database of its own, created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EDITS_PER_PROCESS = 5
ROWS_PER_FILE = 50
ASSET = {"name": "Casa Amiga", "category": "settlement", "latitude": 41.85,
         "longitude": -87.68, "languages": "Spanish", "services": "ESL classes"}


def _file(source: str, offset: float) -> Any:
    import pandas as pd

    from mapping.records.assets import normalize_assets

    frame = pd.DataFrame([{**ASSET, "name": f"Site {i}", "asset_id": str(i),
                           "latitude": 41.6 + offset + i / 2000} for i in range(ROWS_PER_FILE)])
    records, _ = normalize_assets(frame, source=source)
    return records


def _worker(url: str, scenario: str, k: int, go: Any, results: Any) -> None:
    from mapping.records.store import Store  # imported before the start, as an app process has it

    records = (_file("shared.csv", 0.0) if scenario == "same rows"
               else _file(f"branch{k}.csv", k / 100) if scenario == "different rows" else None)
    results.put(("ready", k, ""))
    go.wait()
    refused = 0
    message = ""
    store = None
    try:
        store = Store(url)
        if scenario == "edits":
            asset_id = f"proc-{k}"
            version = 1
            for i in range(EDITS_PER_PROCESS):
                try:
                    saved = store.update_asset(asset_id, {"description": f"edit {i}"},
                                               expected_version=version, user=f"u{k}")
                    version = saved["version"]
                except Exception as exc:  # a refused write: counted, the next edit goes on
                    refused += 1
                    message = f"{type(exc).__name__}: {exc}"[:200]
        else:
            store.import_assets(records, user=f"u{k}", near_m=0)
    except Exception as exc:
        refused += 1 if scenario != "edits" else EDITS_PER_PROCESS
        message = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        if store is not None:
            store.close()
    results.put(("done", refused, message))


def run(url: str, scenario: str, processes: int) -> dict[str, Any]:
    import sqlalchemy as sa

    from mapping.records.store import Store

    store = Store(url)
    with store.writing() as conn:  # a fresh start for each scenario
        for table in ("duplicate_candidates", "source_changes", "history", "asset_contacts",
                      "outreach_log", "action_items", "asset_sources", "assets", "branches"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    if scenario == "edits":
        for k in range(processes):
            store.create_asset(ASSET, user="setup", asset_id=f"proc-{k}")
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, scenario, k, go, results))
             for k in range(processes)]
    for p in procs:
        p.start()
    for _ in procs:
        assert results.get(timeout=600)[0] == "ready"
    started = time.perf_counter()
    go.set()
    done = [results.get(timeout=600) for _ in procs]
    seconds = time.perf_counter() - started
    for p in procs:
        p.join(60)
    refused = sum(d[1] for d in done)
    messages = sorted({d[2] for d in done if d[2]})
    with store.reading() as conn:
        if scenario == "edits":
            sent = processes * EDITS_PER_PROCESS
            landed = conn.execute(sa.text("SELECT COALESCE(SUM(version - 1), 0) FROM assets")
                                  ).scalar_one()
            logged = conn.execute(sa.text("SELECT COUNT(*) FROM history WHERE action = 'update'")
                                  ).scalar_one()
            lost = sent - refused - int(landed)
            duplicated = int(logged) - int(landed)
        else:
            sent = ROWS_PER_FILE * (1 if scenario == "same rows" else processes)
            rows = conn.execute(sa.text("SELECT COUNT(*) FROM assets")).scalar_one()
            distinct = conn.execute(sa.text(
                "SELECT COUNT(*) FROM (SELECT DISTINCT source_key, source_ref FROM assets) d")
            ).scalar_one()
            lost = sent - int(distinct)
            duplicated = int(rows) - int(distinct)
    store.close()
    return {"sent": sent, "lost": lost, "duplicated": duplicated, "refused": refused,
            "seconds": seconds, "messages": messages}


def _postgres_database(admin_url: str) -> tuple[str, Any]:
    import sqlalchemy as sa

    name = f"nam_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--postgres", default="", help="an admin URL of a PostgreSQL server")
    args = parser.parse_args()
    processes = args.processes or (6 if args.smoke else 50)
    print(f"{processes} processes at once; edits: {EDITS_PER_PROCESS} each; imports: "
          f"{ROWS_PER_FILE} rows each")
    print(f"{'engine':<11} {'scenario':<15} {'sent':>6} {'lost':>5} {'duplicated':>10} "
          f"{'refused':>8} {'seconds':>8}")
    failed = False
    with TemporaryDirectory() as tmp:
        engines = [("SQLite", f"sqlite:///{tmp}/assets.db", None)]
        if args.postgres:
            url, drop = _postgres_database(args.postgres)
            engines.append(("PostgreSQL", url, drop))
        for engine, url, drop in engines:
            try:
                for scenario in ("edits", "same rows", "different rows"):
                    r = run(url, scenario, processes)
                    print(f"{engine:<11} {scenario:<15} {r['sent']:>6} {r['lost']:>5} "
                          f"{r['duplicated']:>10} {r['refused']:>8} {r['seconds']:>8.1f}",
                          flush=True)
                    for m in r["messages"]:
                        print(f"    refused: {m}")
                    failed |= bool(r["lost"] or r["duplicated"] or r["refused"])
            finally:
                if drop is not None:
                    drop()
    print("target 0 / 0 / 0:", "met" if not failed else "NOT met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
