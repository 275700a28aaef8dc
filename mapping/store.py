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

import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mapping.assets import ASSET_COLUMNS, ENTRY_TECHNIQUES, RowProblem, validate_asset
from mapping.catalog import parse_languages
from mapping.errors import DataError, MappingError
from mapping.geocode import Geocode
from mapping.migrations import upgrade

metadata = sa.MetaData()

branches = sa.Table(
    "branches", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

assets = sa.Table(
    "assets", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("organization", sa.String(300), nullable=False, default=""),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("services", sa.Text, nullable=False, default="[]"),
    sa.Column("languages", sa.Text, nullable=False, default="[]"),
    sa.Column("communities", sa.Text, nullable=False, default="[]"),
    sa.Column("address", sa.String(400), nullable=False, default=""),
    sa.Column("phone", sa.String(80), nullable=False, default=""),
    sa.Column("website", sa.String(400), nullable=False, default=""),
    sa.Column("hours", sa.String(400), nullable=False, default=""),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("status", sa.String(30), nullable=False, default="active"),
    sa.Column("visibility", sa.String(20), nullable=False, default="public"),
    sa.Column("found_by", sa.String(60), nullable=False, default=""),
    sa.Column("branch", sa.String(200), nullable=False, default=""),
    sa.Column("source", sa.String(300), nullable=False, default=""),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("last_verified", sa.Date, nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(120), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
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
_LIST_FIELDS = ("services", "languages", "communities")
_EDITABLE = (*(c for c in ASSET_COLUMNS if c != "asset_id"), "latitude", "longitude")


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


def connect(url: str) -> Engine:
    """Return an engine for ``url`` set up for safe concurrent use.

    SQLite: WAL journal, 10 s busy timeout, foreign keys on, and transactions that begin
    ``IMMEDIATE`` when they write. PostgreSQL: a pre-pinged pool.
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
            cursor.execute("PRAGMA busy_timeout=10000")
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
    """An import that landed: the ids it added and the rows it refused, with reasons."""

    added: tuple[str, ...]
    rejected: tuple[RowProblem, ...] = field(default_factory=tuple)


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
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite); it lands whole or not at all."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(nam_write=True)
            with conn.begin():
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
                action: str = "create") -> dict[str, Any]:
        now = _now()
        values = _to_row(record)
        values.update(id=record["asset_id"], version=1, deleted=False, created_by=user,
                      created_at=now, updated_by=user, updated_at=now)
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
                                            "updated_at"])
        frame["deleted"] = frame["deleted"].astype(bool)
        frame["version"] = frame["version"].astype("int64")
        return gpd.GeoDataFrame(frame.drop(columns=["latitude", "longitude"]),
                                geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
                                crs="EPSG:4326")

    def branch_names(self) -> list[str]:
        """Return the branches that own records, by name."""
        with self.reading() as conn:
            return [r[0] for r in conn.execute(sa.select(branches.c.name).order_by(branches.c.name))]

    def revision(self) -> str:
        """Return a token that changes whenever any asset changes (for caches)."""
        with self.reading() as conn:
            n, last = conn.execute(sa.select(sa.func.count(), sa.func.max(assets.c.updated_at))
                                   .select_from(assets)).one()
        return f"{n}:{last}"

    def count_assets(self) -> int:
        """Return the number of assets that are not deleted."""
        with self.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(assets)
                                    .where(assets.c.deleted.is_(False))).scalar_one())

    def import_assets(self, records: gpd.GeoDataFrame, *, user: str,
                      rejected: Sequence[RowProblem] = (), near_m: float = 50.0) -> ImportResult:
        """Add validated assets in one transaction: all of them land, or none does.

        A record with the same name (case-insensitive) as an existing asset within
        ``near_m`` metres is refused as a duplicate, with the reason.
        """
        problems = list(rejected)
        added: list[str] = []
        with self.writing() as conn:
            existing = pd.DataFrame(conn.execute(sa.select(
                assets.c.name, assets.c.latitude, assets.c.longitude).where(
                assets.c.deleted.is_(False))).all(), columns=["name", "latitude", "longitude"])
            seen: dict[str, list[tuple[float, float]]] = {}
            for name, lat, lon in existing.itertuples(index=False):
                seen.setdefault(str(name).casefold(), []).append((lat, lon))
            for i, rec in enumerate(records.to_dict("records"), start=1):
                lat, lon = rec["geometry"].y, rec["geometry"].x
                key = str(rec["name"]).casefold()
                if any(_metres(lat, lon, a, b) <= near_m for a, b in seen.get(key, [])):
                    problems.append(RowProblem(str(rec.get("source") or "import"), i,
                                               f"duplicate of an existing asset named "
                                               f"{rec['name']!r} within {near_m:.0f} m"))
                    continue
                record = {**{c: rec.get(c) for c in ASSET_COLUMNS}, "latitude": lat,
                          "longitude": lon}
                record["asset_id"] = str(rec.get("asset_id") or uuid.uuid4().hex[:12])
                self._insert(conn, record, user=user, action="import")
                seen.setdefault(key, []).append((lat, lon))
                added.append(record["asset_id"])
        return ImportResult(tuple(added), tuple(problems))


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
        """Return cached geocodes (:class:`mapping.geocode.Geocode`) by normalised address."""
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
                     languages: Sequence[str] = (), follow_up: str = "") -> int:
        """Record one contact made in the community; return its id."""
        if technique not in ENTRY_TECHNIQUES:
            raise DataError(f"unknown technique {technique!r}; use one of "
                            f"{', '.join(ENTRY_TECHNIQUES)}")
        if not summary.strip() or not staff.strip():
            raise DataError("say who made the contact and what came of it (staff and summary)")
        codes = parse_languages(list(languages))
        day = _as_date(date, what="date of the contact")
        with self.writing() as conn:
            if asset_id and conn.execute(sa.select(assets.c.id).where(
                    assets.c.id == asset_id)).first() is None:
                raise DataError(f"no asset {asset_id!r} in the database")
            new_id = conn.execute(outreach.insert().values(
                date=day, technique=technique, asset_id=asset_id or None, geoid=geoid or None,
                staff=staff.strip(), branch=branch.strip(), languages=json.dumps(list(codes)),
                summary=summary.strip(), follow_up=follow_up.strip(), created_at=_now())
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

    def add_action(self, *, step: str, owner: str, due: Any = None, branch: str = "",
                   asset_id: str | None = None, geoid: str | None = None, user: str) -> int:
        """Add a next step to the action plan; return its id."""
        if not step.strip() or not owner.strip():
            raise DataError("an action needs a step and an owner")
        due_day = _as_date(due, what="due date", required=False)
        with self.writing() as conn:
            new_id = conn.execute(actions.insert().values(
                step=step.strip(), owner=owner.strip(), due=due_day, status="open",
                branch=branch.strip(), asset_id=asset_id or None, geoid=geoid or None,
                version=1, created_by=user, updated_at=_now())).inserted_primary_key[0]
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


def _as_date(value: Any, *, what: str, required: bool = True) -> date | None:
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
