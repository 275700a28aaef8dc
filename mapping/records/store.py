"""The shared asset database: one schema on SQLite (embedded) or PostgreSQL (shared).

Every write runs in one transaction; on SQLite it starts with ``BEGIN IMMEDIATE`` (so a
read-then-write never fails half-way with "database is locked"), in WAL mode with a busy
timeout and foreign keys on. Every update names the version it read
(``UPDATE ... WHERE id = ? AND version = ?``): a stale write raises :class:`EditConflict`
carrying the user's draft and the current record, and nothing is overwritten. Every
change, and every refused attempt, is kept in the history; deleted assets can be restored.
Personal contacts live in their own table and never leave it through :meth:`assets_frame`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mapping.infra.errors import DataError, MappingError
from mapping.migrations import upgrade
from mapping.records.addresses import ADDRESS_FIELDS, with_address_parts
from mapping.records.assets import (
    ASSET_COLUMNS,
    ENTRY_TECHNIQUES,
    FIELD_LIMITS,
    RowProblem,
    assign_areas,
    validate_asset,
    verified_date,
)
from mapping.records.geocode import Geocode
from mapping.sources.catalog import parse_languages

metadata = sa.MetaData()

branches = sa.Table(
    "branches", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(FIELD_LIMITS["branch"]), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

assets = sa.Table(
    "assets", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(FIELD_LIMITS["name"]), nullable=False),
    sa.Column("organization", sa.String(FIELD_LIMITS["organization"]), nullable=False, default=""),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("services", sa.Text, nullable=False, default="[]"),
    sa.Column("languages", sa.Text, nullable=False, default="[]"),
    sa.Column("communities", sa.Text, nullable=False, default="[]"),
    sa.Column("address", sa.String(FIELD_LIMITS["address"]), nullable=False, default=""),
    # Address parts (migration 0006), parsed from the one line or given by a source.
    sa.Column("street", sa.String(FIELD_LIMITS["street"]), nullable=False, default=""),
    sa.Column("city", sa.String(FIELD_LIMITS["city"]), nullable=False, default=""),
    sa.Column("state", sa.String(FIELD_LIMITS["state"]), nullable=False, default=""),
    sa.Column("postal_code", sa.String(FIELD_LIMITS["postal_code"]), nullable=False, default=""),
    sa.Column("country", sa.String(FIELD_LIMITS["country"]), nullable=False, default=""),
    sa.Column("phone", sa.String(FIELD_LIMITS["phone"]), nullable=False, default=""),
    sa.Column("website", sa.String(FIELD_LIMITS["website"]), nullable=False, default=""),
    sa.Column("hours", sa.String(FIELD_LIMITS["hours"]), nullable=False, default=""),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("status", sa.String(30), nullable=False, default="active"),
    sa.Column("visibility", sa.String(20), nullable=False, default="public"),
    sa.Column("found_by", sa.String(FIELD_LIMITS["found_by"]), nullable=False, default=""),
    sa.Column("branch", sa.String(FIELD_LIMITS["branch"]), nullable=False, default=""),
    sa.Column("source", sa.String(FIELD_LIMITS["source"]), nullable=False, default=""),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("last_verified", sa.Date, nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(120), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
    # Provenance (migration 0005): one record per (source_key, source_ref), enforced.
    sa.Column("source_key", sa.String(300), nullable=True),
    sa.Column("source_ref", sa.String(200), nullable=True),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("source_digest", sa.String(64), nullable=True),
    sa.Column("in_source", sa.Boolean, nullable=False, default=True),
    sa.Column("merged_into", sa.String(64), nullable=True),
    sa.Index("assets_source_ref_uq", "source_key", "source_ref", unique=True),
)

sources = sa.Table(
    "asset_sources", metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("label", sa.String(300), nullable=False),
    sa.Column("dataset", sa.String(120), nullable=False, default=""),
    sa.Column("digest", sa.String(64), nullable=False, default=""),
    sa.Column("records", sa.Integer, nullable=False, default=0),
    sa.Column("coverage", sa.Text, nullable=True),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("imported_by", sa.String(120), nullable=False),
)

duplicates = sa.Table(
    "duplicate_candidates", metadata,
    sa.Column("asset_id", sa.String(64), sa.ForeignKey("assets.id"), primary_key=True),
    sa.Column("other_id", sa.String(64), sa.ForeignKey("assets.id"), primary_key=True),
    sa.Column("reason", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, default="open"),
    sa.Column("decided_by", sa.String(120), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

source_changes = sa.Table(
    "source_changes", metadata,
    sa.Column("asset_id", sa.String(64), sa.ForeignKey("assets.id"), primary_key=True),
    sa.Column("incoming", sa.Text, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

contacts = sa.Table(
    "asset_contacts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.String(64), sa.ForeignKey("assets.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(200), nullable=False, default=""),
    sa.Column("phone", sa.String(80), nullable=False, default=""),
    sa.Column("email", sa.String(200), nullable=False, default=""),
    sa.Column("notes", sa.Text, nullable=False, default=""),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

history = sa.Table(
    "history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

outreach = sa.Table(
    "outreach_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("technique", sa.String(60), nullable=False),
    sa.Column("asset_id", sa.String(64), sa.ForeignKey("assets.id"), nullable=True),
    sa.Column("geoid", sa.String(40), nullable=True),
    sa.Column("staff", sa.String(120), nullable=False),
    sa.Column("branch", sa.String(200), nullable=False, default=""),
    sa.Column("languages", sa.Text, nullable=False, default="[]"),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("follow_up", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Migration 0009: time spent, and the stage on the public involvement continuum.
    sa.Column("minutes", sa.Integer, nullable=False, default=0),
    sa.Column("involvement", sa.String(20), nullable=False, default=""),
    # Migration 0010: "" (logged by staff), pending (a contributor's), accepted, declined.
    sa.Column("review", sa.String(20), nullable=False, default=""),
    sa.Column("reviewed_by", sa.String(254), nullable=True),
)

actions = sa.Table(
    "action_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("owner", sa.String(120), nullable=False),
    sa.Column("due", sa.Date, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, default="open"),
    sa.Column("branch", sa.String(200), nullable=False, default=""),
    sa.Column("asset_id", sa.String(64), sa.ForeignKey("assets.id"), nullable=True),
    sa.Column("geoid", sa.String(40), nullable=True),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("hours", sa.Float, nullable=False, default=0.0),  # planned (migration 0009)
)

geocodes = sa.Table(
    "geocode_cache", metadata,
    sa.Column("provider", sa.String(30), primary_key=True),
    sa.Column("address", sa.String(500), primary_key=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("matched", sa.String(500), nullable=False, default=""),
    sa.Column("tract", sa.String(20), nullable=False, default=""),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

ACTION_STATUSES = ("open", "in progress", "done", "dropped")
#: The public involvement continuum, from the library informing to the community leading.
INVOLVEMENT = ("inform", "consult", "involve", "collaborate", "community-led")
#: Review states of an outreach entry ("" for one logged by staff, which needs none).
OUTREACH_REVIEWS = ("", "pending", "accepted", "declined")
#: The entries that count (in workload and charts): staff's own and accepted ones.
COUNTED_REVIEWS = ("", "accepted")
_LIST_FIELDS = ("services", "languages", "communities")
_EDITABLE = (*(c for c in ASSET_COLUMNS if c != "asset_id"), "latitude", "longitude")
#: The fields a source provides; their digest tells an untouched record from an edited one.
#: The address parts are left out: they follow the one-line address (parsed from it, or
#: it is joined from them), and digests stored before they existed must stay valid.
SOURCE_FIELDS = tuple(c for c in _EDITABLE if c != "source" and c not in ADDRESS_FIELDS)


class EditConflict(MappingError):
    """Someone saved the record after you read it. Your draft is kept in :attr:`draft`."""

    def __init__(self, asset_id: str, draft: Mapping[str, Any], current: Mapping[str, Any] | None):
        self.asset_id = asset_id
        self.draft = dict(draft)
        self.current = dict(current) if current is not None else None
        who = f" by {current['updated_by']}" if current else ""
        super().__init__(f"'{draft.get('name') or asset_id}' was changed{who} after you opened "
                         "it. Your changes are kept: compare them with the saved version and "
                         "save again.")


def _now() -> datetime:
    return datetime.now(UTC)


#: SQLite: how long one attempt to start a write waits for other writers, and how long a
#: write keeps trying (with backoff) before it is refused.
BUSY_TIMEOUT_MS = 5_000
WRITE_WAIT_SECONDS = 120.0
#: PostgreSQL: imports and syncs take this lock in turn (as SQLite's single writer does), so
#: two imports choosing record ids at once cannot pick the same one.
IMPORT_LOCK = "asset-import"

#: The same contact or step saved again within this time is the same one (a double
#: click, a resent form): the first is kept and its id returned.
REPEAT_WINDOW = timedelta(seconds=30)


def _serialize(conn: Connection, key: str) -> None:
    """On PostgreSQL, let one transaction at a time through for ``key`` (SQLite's
    ``BEGIN IMMEDIATE`` already does), so a check-then-insert cannot race."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def _same(column: sa.Column, value: Any) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def connect(url: str) -> Engine:
    """Return an engine for ``url`` set up for safe concurrent use.

    SQLite: WAL journal, a busy timeout (then :meth:`Store.writing` retries), foreign keys
    on, and transactions that begin ``IMMEDIATE`` when they write. PostgreSQL: a pre-pinged pool.
    """
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("nam_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


@dataclass(frozen=True)
class ImportResult:
    """An import or sync that landed, in one transaction, and what it found.

    ``added``: new records; ``updated``: records nobody had edited, brought up to the
    source's version; ``unchanged``; ``missing``: records the source no longer lists
    (marked, never deleted); ``changed_by_staff``: records staff edited since the last
    import whose source also changed: ``(asset_id, saved, incoming)``, left as saved for
    staff to decide; ``duplicates``: ``(new id, existing id)`` pairs that look like one
    place from two sources; ``rejected``: input rows refused, with reasons.
    """

    added: tuple[str, ...]
    rejected: tuple[RowProblem, ...] = field(default_factory=tuple)
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    missing: tuple[str, ...] = ()
    changed_by_staff: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = ()
    duplicates: tuple[tuple[str, str], ...] = ()

    def summary(self) -> str:
        """One sentence for a person: what the import did."""
        parts = [f"{len(self.added):,} added", f"{len(self.updated):,} updated",
                 f"{self.unchanged:,} unchanged"]
        if self.missing:
            parts.append(f"{len(self.missing):,} no longer in the source (kept, marked)")
        if self.changed_by_staff:
            parts.append(f"{len(self.changed_by_staff):,} edited by staff and changed in the "
                         "source (left as saved: review them)")
        if self.duplicates:
            parts.append(f"{len(self.duplicates):,} possible duplicates to review")
        if self.rejected:
            parts.append(f"{len(self.rejected):,} rows refused")
        return "; ".join(parts) + "."


class Store:
    """The asset database behind every branch's map.

    Parameters
    ----------
    url
        SQLAlchemy URL: ``sqlite:///data/assets.db`` (embedded default) or
        ``postgresql+psycopg://user:pass@host/db`` (shared deployment).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = connect(url)
        upgrade(self.engine)  # Alembic owns the schema

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite); it lands whole or not at all.

        On SQLite, when other writers keep the database busy longer than the busy time-out,
        starting the transaction is tried again with growing, jittered pauses for up to
        :data:`WRITE_WAIT_SECONDS`; only then is the write refused, with a message. Nothing
        has been written when a start is retried.
        """
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        pause = 0.05
        while True:
            conn = self.engine.connect().execution_options(nam_write=True)
            try:
                transaction = conn.begin()
                break
            except sa.exc.OperationalError as exc:
                conn.close()
                if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                    raise
                if time.monotonic() + pause > deadline:
                    raise DataError("the asset database is busy with other changes; nothing "
                                    "was saved, try again in a minute") from None
                time.sleep(pause * (0.5 + random.random()))  # jitter
                pause = min(pause * 2, 2.0)
        with conn, transaction:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # ------------------------------------------------------------ assets

    def create_asset(self, fields: Mapping[str, Any], *, user: str,
                     asset_id: str | None = None) -> dict[str, Any]:
        """Add an asset; return it as stored. :class:`DataError` says what to fix."""
        asset_id = asset_id or uuid.uuid4().hex[:12]
        record = validate_asset(dict(fields), asset_id=asset_id)
        with self.writing() as conn:
            row = self._insert(conn, record, user=user)
        return row

    def _insert(self, conn: Connection, record: Mapping[str, Any], *, user: str,
                action: str = "create", provenance: Mapping[str, Any] | None = None
                ) -> dict[str, Any]:
        now = _now()
        values = _to_row(record)
        if record.get("last_verified"):
            values["last_verified"] = record["last_verified"]
        values.update(id=record["asset_id"], version=1, deleted=False, created_by=user,
                      created_at=now, updated_by=user, updated_at=now, in_source=True,
                      **(provenance or {}))
        conn.execute(assets.insert().values(**values))
        _register_branch(conn, str(values.get("branch") or ""))
        row = _from_row(values)
        _log(conn, record["asset_id"], action, 1, row, user)
        return row

    def get_asset(self, asset_id: str) -> dict[str, Any]:
        """Return one asset (deleted ones too, marked); :class:`DataError` if there is none."""
        with self.reading() as conn:
            row = conn.execute(assets.select().where(assets.c.id == asset_id)).mappings().first()
        if row is None:
            raise DataError(f"no asset {asset_id!r}")
        return _from_row(row)

    def update_asset(self, asset_id: str, changes: Mapping[str, Any], *, expected_version: int,
                     user: str) -> dict[str, Any]:
        """Save changes made to the version the user read; return the new record.

        Raises
        ------
        EditConflict
            The record changed (or was deleted) since ``expected_version``; the draft is
            kept on the exception and in the history.
        DataError
            A field is invalid (the message says which and why).
        """
        unknown = set(changes) - set(_EDITABLE) - {"last_verified"}
        if unknown:
            raise DataError(f"cannot change {', '.join(sorted(unknown))}")
        with self.writing() as conn:
            current = conn.execute(assets.select().where(assets.c.id == asset_id)
                                   ).mappings().first()
            if current is None:
                raise DataError(f"no asset {asset_id!r}")
            merged = {**_from_row(current), **changes}
            if "address" in changes and not set(ADDRESS_FIELDS) & set(changes):
                merged.update(dict.fromkeys(ADDRESS_FIELDS, ""))  # parsed again
            record = validate_asset(merged, asset_id=asset_id)
            values = _to_row(record)
            if "last_verified" in changes:
                values["last_verified"] = changes["last_verified"]
            values.update(version=expected_version + 1, updated_by=user, updated_at=_now())
            _register_branch(conn, str(values.get("branch") or ""))
            done = conn.execute(assets.update().where(
                assets.c.id == asset_id, assets.c.version == expected_version,
                assets.c.deleted.is_(False)).values(**values))
            if done.rowcount != 1:
                conflict = EditConflict(asset_id, merged, _from_row(current))
            else:
                row = {**_from_row(current), **_from_row(values)}
                _log(conn, asset_id, "update", expected_version + 1, row, user)
                return row
        with self.writing() as conn:  # the refused attempt is history too
            _log(conn, asset_id, "conflict", expected_version, conflict.draft, user)
        raise conflict

    def mark_verified(self, asset_id: str, *, expected_version: int, user: str) -> dict[str, Any]:
        """Record that someone checked the asset today."""
        return self.update_asset(asset_id, {"last_verified": _now().date()},
                                 expected_version=expected_version, user=user)

    def delete_asset(self, asset_id: str, *, expected_version: int, user: str) -> None:
        """Delete an asset (it stays in the history and can be restored)."""
        with self.writing() as conn:
            done = conn.execute(assets.update().where(
                assets.c.id == asset_id, assets.c.version == expected_version,
                assets.c.deleted.is_(False)).values(
                deleted=True, version=expected_version + 1, updated_by=user, updated_at=_now()))
            current = conn.execute(assets.select().where(assets.c.id == asset_id)
                                   ).mappings().first()
            if done.rowcount != 1:
                raise EditConflict(asset_id, {"deleted": True},
                                   _from_row(current) if current else None)
            _log(conn, asset_id, "delete", expected_version + 1, _from_row(current), user)

    def restore_asset(self, asset_id: str, *, user: str) -> dict[str, Any]:
        """Bring a deleted asset back, as it was when deleted."""
        with self.writing() as conn:
            current = conn.execute(assets.select().where(assets.c.id == asset_id)
                                   ).mappings().first()
            if current is None or not current["deleted"]:
                raise DataError(f"asset {asset_id!r} is not deleted")
            version = current["version"] + 1
            conn.execute(assets.update().where(assets.c.id == asset_id).values(
                deleted=False, version=version, updated_by=user, updated_at=_now()))
            row = {**_from_row(current), "deleted": False, "version": version}
            _log(conn, asset_id, "restore", version, row, user)
        return row

    def history(self, asset_id: str) -> list[dict[str, Any]]:
        """Return every change and refused attempt on an asset, oldest first."""
        with self.reading() as conn:
            rows = conn.execute(history.select().where(history.c.entity == "asset",
                                                       history.c.entity_id == asset_id)
                                .order_by(history.c.id)).mappings().all()
        return [{**dict(r), "data": json.loads(r["data"])} for r in rows]

    def assets_frame(self, *, include_deleted: bool = False) -> gpd.GeoDataFrame:
        """Return the assets in the app's asset schema (no personal contacts, ever)."""
        query = assets.select()
        if not include_deleted:
            query = query.where(assets.c.deleted.is_(False))
        with self.reading() as conn:
            rows = [_from_row(r) for r in conn.execute(query.order_by(assets.c.id)).mappings()]
        frame = pd.DataFrame(rows, columns=[*ASSET_COLUMNS, "latitude", "longitude", "version",
                                            "last_verified", "deleted", "updated_by",
                                            "updated_at", "source_key", "in_source"])
        frame["deleted"] = frame["deleted"].astype(bool)
        frame["in_source"] = frame["in_source"].astype(bool)
        frame["version"] = frame["version"].astype("int64")
        return gpd.GeoDataFrame(frame.drop(columns=["latitude", "longitude"]),
                                geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
                                crs="EPSG:4326")

    def assets_in(self, areas: gpd.GeoDataFrame, *, sources: Sequence[str] = ()
                  ) -> gpd.GeoDataFrame:
        """Return the assets that lie in these areas, or come from these sources, with the
        ``geoid`` of their area (NaN outside every area); deleted ones left out."""
        stored = self.assets_frame()
        stored["geoid"] = assign_areas(stored, areas)
        keep = stored["geoid"].notna() | stored["source_key"].isin(list(sources))
        return stored.loc[keep].reset_index(drop=True)

    def branch_names(self) -> list[str]:
        """Return the branches that own records, by name."""
        with self.reading() as conn:
            return [r[0] for r in conn.execute(sa.select(branches.c.name).order_by(branches.c.name))]

    def revision(self) -> str:
        """Return a token that changes whenever any asset changes (for caches).

        Every change of an asset sets its ``updated_at`` (records are never removed, only
        marked deleted), so the latest one names the revision; it is read from an index,
        so the cost does not grow with the number of assets.
        """
        with self.reading() as conn:
            last = conn.execute(sa.select(sa.func.max(assets.c.updated_at))).scalar_one()
        return str(last)

    def count_assets(self) -> int:
        """Return the number of assets that are not deleted."""
        with self.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(assets)
                                    .where(assets.c.deleted.is_(False))).scalar_one())

    def import_assets(self, records: gpd.GeoDataFrame, *, user: str,
                      rejected: Sequence[RowProblem] = (), source_key: str | None = None,
                      label: str | None = None, near_m: float = 50.0) -> ImportResult:
        """Add (or update) assets from a file in one transaction: all land, or none does.

        The file is a source (``source_key``, by default ``import:`` + its file name): a
        record keeps the row's id as its source id, and importing the same file again
        updates the same records (see :meth:`sync_source`). Records the file leaves out
        are not marked missing: a file a person imports may hold only some of them.
        Likely duplicates of assets from other sources (same name within ``near_m``
        metres) are imported and listed for staff to merge or keep apart.
        """
        if source_key is None:
            names = sorted({str(v) for v in records["source"]}) if len(records) else []
            source_key = "import:" + (names[0] if len(names) == 1 else "several files")
        return self.sync_source(source_key, records, label=label or source_key.split(":", 1)[1],
                                user=user, rejected=rejected, mark_missing=False,
                                near_m=near_m)

    def sync_source(self, source_key: str, records: gpd.GeoDataFrame, *, label: str,
                    user: str, dataset: str = "", digest: str = "",
                    rejected: Sequence[RowProblem] = (), mark_missing: bool = True,
                    near_m: float = 50.0) -> ImportResult:
        """Bring the database up to a source's current records, in one transaction.

        A record is the source's ``asset_id`` within ``source_key`` (the database allows
        one record per pair, so no re-import, concurrent or not, duplicates one). New
        records are added; records nobody edited since the last import take the source's
        values; records staff edited are left as saved and reported with both versions
        (also kept in :meth:`source_changes` until staff decide); records the source no
        longer has are marked ``in_source = False`` when ``mark_missing``. Deleted and
        merged records stay as staff left them.
        """
        now = _now()
        added: list[str] = []
        updated: list[str] = []
        missing: list[str] = []
        staff_changed: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        unchanged = 0
        with self.writing() as conn:
            _serialize(conn, IMPORT_LOCK)  # one import or sync at a time
            existing = {r["source_ref"]: r for r in conn.execute(
                assets.select().where(assets.c.source_key == source_key)).mappings()}
            incoming = _records_for_store(records)
            taken = _taken_ids(conn, [rec["asset_id"] for rec in incoming
                                      if rec["asset_id"] not in existing])
            seen: set[str] = set()
            for rec in incoming:
                ref = rec["asset_id"]
                if ref in seen:
                    raise DataError(f"{label}: the source id {ref!r} appears twice")
                seen.add(ref)
                new_digest = source_digest(rec)
                row = existing.get(ref)
                if row is None:
                    rec = with_address_parts(rec)
                    asset_id = ref if ref not in taken else f"{ref[:50]}-{_short_hash(source_key)}"
                    self._insert(conn, {**rec, "asset_id": asset_id}, user=user, action="import",
                                 provenance={"source_key": source_key, "source_ref": ref,
                                             "imported_at": now, "source_digest": new_digest})
                    added.append(asset_id)
                    continue
                saved = _from_row(row)
                if row["deleted"] or row["merged_into"]:
                    unchanged += 1
                    continue
                if new_digest == row["source_digest"]:
                    unchanged += 1
                    if not row["in_source"]:
                        conn.execute(assets.update().where(assets.c.id == row["id"])
                                     .values(in_source=True, updated_at=now))
                    checked = rec.get("last_verified")
                    if checked and (row["last_verified"] is None or checked > row["last_verified"]):
                        conn.execute(assets.update().where(assets.c.id == row["id"]).values(
                            last_verified=checked, version=row["version"] + 1, updated_by=user,
                            updated_at=now))  # the source checked it again: same content
                        _log(conn, row["id"], "sync", row["version"] + 1,
                             {**saved, "last_verified": checked}, user)
                    continue
                if source_digest(saved) == row["source_digest"]:  # nobody edited it
                    values = _to_row(with_address_parts(rec))
                    if rec.get("last_verified"):
                        values["last_verified"] = rec["last_verified"]
                    values.update(version=row["version"] + 1, updated_by=user, updated_at=now,
                                  imported_at=now, source_digest=new_digest, in_source=True)
                    conn.execute(assets.update().where(assets.c.id == row["id"]).values(**values))
                    _register_branch(conn, str(values.get("branch") or ""))
                    _log(conn, row["id"], "sync", row["version"] + 1,
                         {**saved, **_from_row(values)}, user)
                    updated.append(row["id"])
                    continue
                staff_changed.append((row["id"], saved, dict(rec)))
                conn.execute(source_changes.delete().where(source_changes.c.asset_id == row["id"]))
                conn.execute(source_changes.insert().values(
                    asset_id=row["id"], incoming=json.dumps(_jsonable(rec)), digest=new_digest,
                    at=now))
            if mark_missing:
                for ref, row in existing.items():
                    if ref not in seen and row["in_source"] and not row["deleted"]:
                        conn.execute(assets.update().where(assets.c.id == row["id"]).values(
                            in_source=False, updated_at=now))
                        _log(conn, row["id"], "not in source", row["version"],
                             {"source": label}, user)
                        missing.append(row["id"])
            _upsert_source(conn, key=source_key, label=label, dataset=dataset, digest=digest,
                           count=len(incoming), user=user, at=now)
            pairs = _flag_duplicates(conn, added, source_key=source_key, near_m=near_m, at=now)
        return ImportResult(tuple(added), tuple(rejected), tuple(updated), unchanged,
                            tuple(missing), tuple(staff_changed), tuple(pairs))

    def source_digest_of(self, source_key: str) -> str | None:
        """Return the digest recorded at a source's last import (``None``: never imported)."""
        with self.reading() as conn:
            return conn.execute(sa.select(sources.c.digest).where(sources.c.key == source_key)
                                ).scalar_one_or_none()

    def source_changes(self) -> list[dict[str, Any]]:
        """Return the records a source changed after staff edited them: saved and incoming."""
        with self.reading() as conn:
            rows = conn.execute(sa.select(source_changes, assets).select_from(
                source_changes.join(assets, assets.c.id == source_changes.c.asset_id))
                .order_by(source_changes.c.at)).mappings().all()
        return [{"asset_id": r["asset_id"], "saved": _from_row({c.name: r[c] for c in assets.c}),
                 "incoming": json.loads(r["incoming"]), "digest": r["digest"]} for r in rows]

    def settle_source_change(self, asset_id: str, *, take_source: bool, user: str) -> None:
        """Staff decide on a source's new version: take it, or keep the saved record."""
        with self.writing() as conn:
            change = conn.execute(source_changes.select().where(
                source_changes.c.asset_id == asset_id)).mappings().first()
            current = conn.execute(assets.select().where(assets.c.id == asset_id)
                                   ).mappings().first()
            if change is None or current is None:
                raise DataError(f"no pending source change for asset {asset_id!r}")
            values: dict[str, Any] = {"source_digest": change["digest"]}
            if take_source:
                values.update(_to_row(json.loads(change["incoming"])))
            values.update(version=current["version"] + 1, updated_by=user, updated_at=_now())
            conn.execute(assets.update().where(assets.c.id == asset_id).values(**values))
            conn.execute(source_changes.delete().where(source_changes.c.asset_id == asset_id))
            _log(conn, asset_id, "source taken" if take_source else "kept ours",
                 current["version"] + 1, {**_from_row(current), **_from_row(values)}, user)

    def duplicate_candidates(self, *, status: str = "open") -> pd.DataFrame:
        """Return likely duplicates (two sources, one place) with both names, for review."""
        a, b = assets.alias("a"), assets.alias("b")
        query = sa.select(duplicates.c.asset_id, a.c.name.label("name"),
                          duplicates.c.other_id, b.c.name.label("other_name"),
                          duplicates.c.reason, duplicates.c.status).select_from(
            duplicates.join(a, a.c.id == duplicates.c.asset_id)
            .join(b, b.c.id == duplicates.c.other_id)).where(duplicates.c.status == status)
        with self.reading() as conn:
            rows = conn.execute(query.order_by(duplicates.c.at)).mappings().all()
        return pd.DataFrame(rows, columns=["asset_id", "name", "other_id", "other_name",
                                           "reason", "status"])

    def decide_duplicate(self, asset_id: str, other_id: str, *, merge: bool, user: str) -> None:
        """Keep two records apart, or merge ``asset_id`` into ``other_id``.

        A merge keeps both records and their histories: the merged one is marked deleted
        with ``merged_into`` pointing at the one kept, so its provenance stays and a later
        import of its source does not bring it back.
        """
        with self.writing() as conn:
            done = conn.execute(duplicates.update().where(
                duplicates.c.asset_id == asset_id, duplicates.c.other_id == other_id,
                duplicates.c.status == "open").values(
                status="merged" if merge else "kept apart", decided_by=user, at=_now()))
            if done.rowcount != 1:
                raise DataError("that pair is not waiting for a decision (someone decided "
                                "already?)")
            if merge:
                current = conn.execute(assets.select().where(assets.c.id == asset_id)
                                       ).mappings().one()
                version = current["version"] + 1
                conn.execute(assets.update().where(assets.c.id == asset_id).values(
                    deleted=True, merged_into=other_id, version=version, updated_by=user,
                    updated_at=_now()))
                _log(conn, asset_id, "merged", version,
                     {**_from_row(current), "merged_into": other_id}, user)
                _log(conn, other_id, "merged in", None, {"merged": asset_id}, user)


    # ------------------------------------------------------------ personal contacts

    def add_contact(self, asset_id: str, *, name: str, role: str = "", phone: str = "",
                    email: str = "", notes: str = "", user: str) -> int:
        """Record a named person at an asset (staff only; never on a map or in an export)."""
        if not name.strip():
            raise DataError("a contact needs a name")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip()):
            raise DataError(f"{email!r} is not an e-mail address")
        with self.writing() as conn:
            if conn.execute(sa.select(assets.c.id).where(assets.c.id == asset_id)).first() is None:
                raise DataError(f"no asset {asset_id!r}")
            new_id = conn.execute(contacts.insert().values(
                asset_id=asset_id, name=name.strip(), role=role.strip(), phone=phone.strip(),
                email=email.strip(), notes=notes.strip(), created_by=user, created_at=_now())
            ).inserted_primary_key[0]
            _log(conn, str(new_id), "create", None, {"asset_id": asset_id}, user,
                 entity="contact")  # the person's details stay out of the history
        return int(new_id)

    def contacts_of(self, asset_id: str) -> pd.DataFrame:
        """Return the personal contacts of an asset (show them to staff only)."""
        with self.reading() as conn:
            rows = conn.execute(contacts.select().where(contacts.c.asset_id == asset_id)
                                .order_by(contacts.c.id)).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in contacts.columns])

    # ------------------------------------------------------------ geocoding cache

    def lookup(self, provider: str, keys: Sequence[str]) -> dict[str, Any]:
        """Return cached geocodes (:class:`mapping.records.geocode.Geocode`) by normalised address."""
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        with self.reading() as conn:
            for start in range(0, len(unique), 500):
                rows = conn.execute(geocodes.select().where(
                    geocodes.c.provider == provider,
                    geocodes.c.address.in_(unique[start:start + 500]))).mappings()
                found.update({r["address"]: _geocode_from(r) for r in rows})
        return found

    def remember(self, provider: str, answers: Sequence[tuple[str, Any]]) -> None:
        """Keep geocoding answers, matched or not, so nobody asks twice."""
        if not answers:
            return
        with self.writing() as conn:
            for key, g in dict(answers).items():
                conn.execute(geocodes.delete().where(geocodes.c.provider == provider,
                                                     geocodes.c.address == key))
                conn.execute(geocodes.insert().values(
                    provider=provider, address=key, latitude=g.latitude, longitude=g.longitude,
                    matched=g.matched, tract=g.tract, at=_now()))

    # ------------------------------------------------------------ outreach and plan

    def log_outreach(self, *, date: Any, technique: str, staff: str, summary: str,
                     asset_id: str | None = None, geoid: str | None = None, branch: str = "",
                     languages: Sequence[str] = (), follow_up: str = "", minutes: int = 0,
                     involvement: str = "", review: str = "") -> int:
        """Record one contact made in the community (with the minutes it took and where it
        sits on the involvement continuum, :data:`INVOLVEMENT`); return its id."""
        if technique not in ENTRY_TECHNIQUES:
            raise DataError(f"unknown technique {technique!r}; use one of "
                            f"{', '.join(ENTRY_TECHNIQUES)}")
        if involvement and involvement not in INVOLVEMENT:
            raise DataError(f"unknown involvement {involvement!r}; use one of "
                            f"{', '.join(INVOLVEMENT)}")
        if review not in ("", "pending"):
            raise DataError(f"unknown review {review!r}: a new entry is logged by staff "
                            "(empty) or waits for them (pending)")
        if not 0 <= int(minutes) <= 24 * 60:
            raise DataError(f"time spent must be between 0 and 1440 minutes, not {minutes}")
        if not summary.strip() or not staff.strip():
            raise DataError("say who made the contact and what came of it (staff and summary)")
        codes = parse_languages(list(languages))
        day = as_date(date, what="date of the contact")
        with self.writing() as conn:
            if asset_id and conn.execute(sa.select(assets.c.id).where(
                    assets.c.id == asset_id)).first() is None:
                raise DataError(f"no asset {asset_id!r} in the database")
            _serialize(conn, f"outreach:{staff.strip()}")
            repeat = conn.execute(sa.select(outreach.c.id).where(
                outreach.c.date == day, outreach.c.technique == technique,
                outreach.c.staff == staff.strip(), outreach.c.summary == summary.strip(),
                _same(outreach.c.asset_id, asset_id or None), _same(outreach.c.geoid, geoid or None),
                outreach.c.created_at >= _now() - REPEAT_WINDOW)).first()
            if repeat is not None:  # a double click: the contact is logged once
                return int(repeat[0])
            new_id = conn.execute(outreach.insert().values(
                date=day, technique=technique, asset_id=asset_id or None, geoid=geoid or None,
                staff=staff.strip(), branch=branch.strip(), languages=json.dumps(list(codes)),
                summary=summary.strip(), follow_up=follow_up.strip(), created_at=_now(),
                minutes=int(minutes), involvement=involvement, review=review)
            ).inserted_primary_key[0]
            _log(conn, str(new_id), "create", None, {"summary": summary, "staff": staff},
                 staff, entity="outreach")
        return int(new_id)

    def outreach_log(self) -> pd.DataFrame:
        """Return the outreach log, newest first, with the asset's name."""
        query = sa.select(outreach, assets.c.name.label("asset")).select_from(
            outreach.outerjoin(assets, outreach.c.asset_id == assets.c.id)).order_by(
            outreach.c.date.desc(), outreach.c.id.desc())
        with self.reading() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all())
        if frame.empty:
            return pd.DataFrame(columns=[c.name for c in outreach.columns] + ["asset"])
        frame["languages"] = frame["languages"].map(lambda t: tuple(json.loads(t)))
        return frame

    def review_outreach(self, entry_id: int, *, accept: bool, by: str) -> None:
        """Accept or decline an entry a contributor logged (once; the history says who)."""
        verdict = "accepted" if accept else "declined"
        with self.writing() as conn:
            row = conn.execute(sa.select(outreach.c.review).where(outreach.c.id == entry_id)
                               ).first()
            if row is None:
                raise DataError(f"no outreach entry {entry_id}")
            if row[0] != "pending":
                raise DataError(f"outreach entry {entry_id} was already {row[0]}" if row[0]
                                else f"outreach entry {entry_id} was logged by staff: it "
                                     "needs no review")
            conn.execute(outreach.update().where(outreach.c.id == entry_id).values(
                review=verdict, reviewed_by=by[:254]))
            _log(conn, str(entry_id), verdict, None, {"review": verdict}, by, entity="outreach")

    def add_action(self, *, step: str, owner: str, due: Any = None, branch: str = "",
                   asset_id: str | None = None, geoid: str | None = None, user: str,
                   hours: float = 0.0) -> int:
        """Add a next step to the action plan (with the hours it will take); return its id."""
        if not step.strip() or not owner.strip():
            raise DataError("an action needs a step and an owner")
        if not 0 <= float(hours) <= 744:
            raise DataError(f"hours planned must be between 0 and 744, not {hours}")
        due_day = as_date(due, what="due date", required=False)
        with self.writing() as conn:
            _serialize(conn, f"action:{user}")
            repeat = conn.execute(sa.select(actions.c.id).where(
                actions.c.step == step.strip(), actions.c.owner == owner.strip(),
                _same(actions.c.due, due_day), actions.c.branch == branch.strip(),
                _same(actions.c.asset_id, asset_id or None), _same(actions.c.geoid, geoid or None),
                actions.c.created_by == user, actions.c.version == 1,
                actions.c.updated_at >= _now() - REPEAT_WINDOW)).first()
            if repeat is not None:  # a double click: the step is stored once
                return int(repeat[0])
            new_id = conn.execute(actions.insert().values(
                step=step.strip(), owner=owner.strip(), due=due_day, status="open",
                branch=branch.strip(), asset_id=asset_id or None, geoid=geoid or None,
                version=1, created_by=user, updated_at=_now(), hours=float(hours))
            ).inserted_primary_key[0]
            _log(conn, str(new_id), "create", 1, {"step": step, "owner": owner}, user,
                 entity="action")
        return int(new_id)

    def set_action_status(self, action_id: int, status: str, *, expected_version: int,
                          user: str) -> None:
        """Move an action to a new status, checking the version that was read."""
        if status not in ACTION_STATUSES:
            raise DataError(f"unknown status {status!r}; use one of {', '.join(ACTION_STATUSES)}")
        with self.writing() as conn:
            done = conn.execute(actions.update().where(
                actions.c.id == action_id, actions.c.version == expected_version).values(
                status=status, version=expected_version + 1, updated_at=_now()))
            if done.rowcount != 1:
                raise EditConflict(str(action_id), {"status": status}, None)
            _log(conn, str(action_id), "update", expected_version + 1, {"status": status}, user,
                 entity="action")

    def action_plan(self, *, today: Any = None) -> pd.DataFrame:
        """Return the action plan with an ``overdue`` flag (open, past its due date)."""
        with self.reading() as conn:
            frame = pd.DataFrame(conn.execute(actions.select().order_by(
                actions.c.due, actions.c.id)).mappings().all())
        if frame.empty:
            return pd.DataFrame(columns=[c.name for c in actions.columns] + ["overdue"])
        today = pd.Timestamp(today or datetime.now(UTC).date())
        due = pd.to_datetime(frame["due"], errors="coerce")
        frame["overdue"] = due.lt(today) & frame["status"].isin(["open", "in progress"])
        return frame


def _register_branch(conn: Connection, name: str) -> None:
    """Make sure a branch named on an asset is in the branches table (once, race-free)."""
    name = name.strip()
    if not name:
        return
    branch_id = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "branch"
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(branches).values(id=branch_id, name=name, created_at=_now())
                 .on_conflict_do_nothing(index_elements=["id"]))


def _geocode_from(row: Mapping[str, Any]) -> Geocode:
    return Geocode(row["address"], row["latitude"], row["longitude"], row["matched"],
                   row["tract"], row["provider"])


def as_date(value: Any, *, what: str, required: bool = True) -> date | None:
    """Return a date from a date, datetime or ``YYYY-MM-DD`` text; say what is wrong otherwise."""
    if value is None or value == "":
        if required:
            raise DataError(f"give the {what} (YYYY-MM-DD)")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DataError(f"the {what} {value!r} is not a date like 2026-11-27") from None


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; good to a few metres at these ranges)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * 6_371_008.8 * np.arcsin(np.sqrt(a)))


def _to_row(record: Mapping[str, Any]) -> dict[str, Any]:
    out = {c: record.get(c, "") for c in _EDITABLE if c in record}
    for c in _LIST_FIELDS:
        if c in out:
            out[c] = json.dumps(list(out[c] or ()), ensure_ascii=False)
    return out


def _from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if "id" in out:
        out["asset_id"] = out.pop("id")
    for c in _LIST_FIELDS:
        if isinstance(out.get(c), str):
            out[c] = tuple(json.loads(out[c]))
    return out


def _log(conn: Connection, asset_id: str, action: str, version: int | None,
         data: Mapping[str, Any], user: str, *, entity: str = "asset") -> None:
    conn.execute(history.insert().values(entity=entity, entity_id=asset_id, action=action,
                                         version=version, data=json.dumps(data, default=str),
                                         user=user, at=_now()))


def source_digest(record: Mapping[str, Any]) -> str:
    """Return a digest of the fields a source provides (lists in order, coordinates to 1e-7).

    Equal digests mean equal content; the digest stored at import tells whether anyone
    edited the record since.

    Examples
    --------
    >>> a = {"name": "Casa", "services": ("ESL",), "latitude": 41.0, "longitude": -87.0}
    >>> source_digest(a) == source_digest({**a, "latitude": 41.00000001})
    True
    """
    out: dict[str, Any] = {}
    for name in SOURCE_FIELDS:
        value = record.get(name)
        if name in _LIST_FIELDS:
            value = list(value or ())
        elif name in ("latitude", "longitude"):
            value = None if value is None else round(float(value), 7)
        else:
            value = "" if value is None or (isinstance(value, float) and np.isnan(value)) \
                else str(value)
        out[name] = value
    text = json.dumps(out, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _records_for_store(records: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The rows of a normalised asset frame as store records (coordinates from the points)."""
    out = []
    for rec in records.to_dict("records"):
        point = rec["geometry"]
        row = {c: rec.get(c) for c in ASSET_COLUMNS}
        row["last_verified"] = verified_date(rec.get("last_verified"))
        row["asset_id"] = str(rec.get("asset_id") or uuid.uuid4().hex[:12])
        for c in _LIST_FIELDS:
            row[c] = tuple(row[c] or ())
        row.update(latitude=float(point.y), longitude=float(point.x))
        out.append(row)
    return out


def _jsonable(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in record.items()}


def _taken_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
    """Return which of these ids already name a record (of any source)."""
    taken: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        taken.update(r[0] for r in conn.execute(sa.select(assets.c.id).where(
            assets.c.id.in_(chunk))))
    return taken


def _upsert_source(conn: Connection, *, key: str, label: str, dataset: str, digest: str,
                   count: int, user: str, at: datetime) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    values = {"label": label, "dataset": dataset, "digest": digest, "records": count,
              "imported_at": at, "imported_by": user}
    conn.execute(insert(sources).values(key=key, **values)
                 .on_conflict_do_update(index_elements=["key"], set_=values))


def _flag_duplicates(conn: Connection, new_ids: Sequence[str], *, source_key: str,
                     near_m: float, at: datetime) -> list[tuple[str, str]]:
    """List new records that share a name with a nearby record of another source."""
    if not new_ids:
        return []
    rows = pd.DataFrame(conn.execute(sa.select(
        assets.c.id, assets.c.name, assets.c.latitude, assets.c.longitude, assets.c.source_key)
        .where(assets.c.deleted.is_(False))).all(),
        columns=["id", "name", "latitude", "longitude", "source_key"])
    rows["key"] = rows["name"].astype(str).str.casefold().str.strip()
    new = rows[rows["id"].isin(set(new_ids))]
    others = rows[rows["source_key"].fillna("") != source_key]
    pairs = new.merge(others, on="key", suffixes=("", "_other"))
    found: list[tuple[str, str]] = []
    for r in pairs.itertuples(index=False):
        if _metres(r.latitude, r.longitude, r.latitude_other, r.longitude_other) <= near_m:
            found.append((r.id, r.id_other))
            conn.execute(duplicates.insert().values(
                asset_id=r.id, other_id=r.id_other, status="open", at=at,
                reason=f"same name as {r.id_other!r} within {near_m:.0f} m"))
    return found
