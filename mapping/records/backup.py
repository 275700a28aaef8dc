"""Backups of the embedded asset database, taken and restored while the app runs.

Run:  .venv/bin/python -m mapping.records.backup backup  [--to FILE]   (default: data/backups/...)
      .venv/bin/python -m mapping.records.backup restore FILE

SQLite's online backup API (Python's :meth:`sqlite3.Connection.backup`) copies the
database as of one moment, consistent, while other connections keep writing; every
backup is checked (``PRAGMA integrity_check``) before it is kept or restored. A restore
first keeps a backup of the database it replaces. For PostgreSQL use its own tools
(``pg_dump -Fc`` and ``pg_restore --clean``; see the README).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from mapping.infra.errors import DataError
from mapping.infra.settings import load_settings


def sqlite_path(url: str) -> Path:
    """Return the file of a ``sqlite:///`` database URL.

    Raises
    ------
    DataError
        For any other database (PostgreSQL has its own backup tools).
    """
    for prefix in ("sqlite+pysqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            return Path(url[len(prefix):].split("?", 1)[0])
    raise DataError("this command backs up the embedded SQLite database; for PostgreSQL use "
                    "pg_dump -Fc and pg_restore (see the README)")


def _check(path: Path) -> None:
    conn = sqlite3.connect(path, timeout=30)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    finally:
        conn.close()
    if result != "ok":
        raise DataError(f"{path} is not a sound database ({result})")


def _copy(source: Path, destination: Path) -> None:
    src = sqlite3.connect(source, timeout=30)  # only read (a read-only open of a WAL
    # database needs its shared-memory file to exist already)
    dst = sqlite3.connect(destination, timeout=30)
    try:
        src.backup(dst)  # one step: a consistent copy as of one moment
    finally:
        dst.close()
        src.close()


def backup(database: Path, destination: Path) -> Path:
    """Copy ``database`` to ``destination`` (online, consistent, checked); return it."""
    if not database.exists():
        raise DataError(f"there is no database at {database}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy(database, partial)
    _check(partial)
    os.replace(partial, destination)
    return destination


def restore(backup_file: Path, database: Path) -> Path | None:
    """Put ``backup_file`` back as ``database``; return the safety copy of what it replaced.

    The backup is checked first: a damaged file never replaces a working database.
    """
    if not backup_file.exists():
        raise DataError(f"there is no backup at {backup_file}")
    _check(backup_file)
    kept = None
    if database.exists():
        kept = backup(database, database.with_name(
            f"{database.stem}-before-restore-{_stamp()}{database.suffix}"))
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup_file, database)
    _check(database)
    return kept


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(prog="python -m mapping.records.backup",
                                     description="Back up or restore the asset database.")
    sub = parser.add_subparsers(dest="command", required=True)
    take = sub.add_parser("backup", help="take a consistent backup while the app runs")
    take.add_argument("--to", type=Path, default=None)
    put = sub.add_parser("restore", help="restore a backup (the current database is kept)")
    put.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings(os.environ)
    try:
        database = sqlite_path(settings.store_url)
        if args.command == "backup":
            target = args.to or settings.data_dir / "backups" / f"assets-{_stamp()}.db"
            print(f"Backed up {database} to {backup(database, target)}")
        else:
            kept = restore(args.file, database)
            print(f"Restored {args.file} into {database}"
                  + (f"; the database it replaced is kept as {kept}" if kept else ""))
    except DataError as exc:
        print(f"Not done: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
