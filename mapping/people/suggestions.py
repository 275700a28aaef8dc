"""The community takes part: "suggest a place" and "something is wrong here", reviewed by staff.

Anyone may send a suggestion (a visitor, or a contributor signed in). It waits in a review
queue (table ``suggestions``, migration 0008) until staff approve it (a new place becomes
an asset), merge it into an asset that already exists, mark a correction fixed, or
decline it, each with who and when. The suggester's name and contact, if given, are
personal data: kept with the suggestion for staff to reply, never copied into an asset,
never on a map or in an export.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from mapping.infra.errors import DataError
from mapping.records.assets import validate_asset
from mapping.records.store import Store, metadata

KINDS = ("new place", "correction")
STATUSES = ("open", "approved", "merged", "fixed", "declined")
#: A queue longer than this refuses new suggestions until staff catch up (a flood guard).
MAX_OPEN = 2000
SOURCE = "community suggestion"

suggestions = sa.Table(
    "suggestions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("asset_id", sa.String(64), nullable=True),  # what a correction is about
    sa.Column("name", sa.String(300), nullable=False, default=""),
    sa.Column("category", sa.String(40), nullable=False, default=""),
    sa.Column("address", sa.String(400), nullable=False, default=""),
    sa.Column("services", sa.Text, nullable=False, default="[]"),
    sa.Column("languages", sa.Text, nullable=False, default="[]"),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("contact_name", sa.String(200), nullable=False, default=""),  # personal
    sa.Column("contact", sa.String(254), nullable=False, default=""),  # personal
    sa.Column("account_id", sa.Integer, nullable=True),
    sa.Column("sent_by", sa.String(254), nullable=False, default=""),
    sa.Column("status", sa.String(20), nullable=False, default="open"),
    sa.Column("decided_by", sa.String(254), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("note", sa.String(300), nullable=False, default=""),
    sa.Column("result_asset_id", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("suggestions_status_idx", "status"),
)

#: Columns staff see in the queue; the contact columns only where the role may see them.
PUBLIC_COLUMNS = ("id", "kind", "asset_id", "name", "category", "address", "services",
                  "languages", "description", "latitude", "longitude", "sent_by", "status",
                  "decided_by", "decided_at", "note", "result_asset_id", "created_at")
CONTACT_COLUMNS = ("contact_name", "contact")


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: Any, *, what: str, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise DataError(f"{what} is {len(text)} characters long; shorten it to {limit} at most")
    return text


class Suggestions:
    """The review queue of one asset database."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self._clock = clock

    def suggest_place(self, *, name: str, category: str, latitude: float, longitude: float,
                      address: str = "", services: Iterable[str] | str = (),
                      languages: Iterable[str] | str = (), description: str = "",
                      contact_name: str = "", contact: str = "", sent_by: str = "public",
                      account_id: int | None = None) -> int:
        """Queue a new place; :class:`DataError` says what to fix (the same rules as an
        asset: a name, a known category, a point on the globe, known languages)."""
        place = validate_asset({"name": name, "category": category, "latitude": latitude,
                                "longitude": longitude, "address": address,
                                "services": services, "languages": languages},
                               asset_id="suggested", source=SOURCE)
        return self._queue(kind="new place", asset_id=None, place=place,
                           description=description, contact_name=contact_name,
                           contact=contact, sent_by=sent_by, account_id=account_id)

    def report_problem(self, asset_id: str, *, description: str, contact_name: str = "",
                       contact: str = "", sent_by: str = "public",
                       account_id: int | None = None) -> int:
        """Queue "something is wrong here" about an asset (what is wrong, in words)."""
        if not str(description or "").strip():
            raise DataError("say what is wrong (closed, moved, another phone number ...)")
        asset = self.store.get_asset(asset_id)
        if asset["deleted"] or asset["visibility"] == "staff":
            raise DataError(f"no asset {asset_id!r} on the public map")
        return self._queue(kind="correction", asset_id=asset_id,
                           place={"name": asset["name"], "category": asset["category"]},
                           description=description, contact_name=contact_name,
                           contact=contact, sent_by=sent_by, account_id=account_id)

    def _queue(self, *, kind: str, asset_id: str | None, place: dict[str, Any],
               description: str, contact_name: str, contact: str, sent_by: str,
               account_id: int | None) -> int:
        values = {
            "kind": kind, "asset_id": asset_id, "name": place["name"],
            "category": place.get("category", ""), "address": place.get("address", ""),
            "services": json.dumps(list(place.get("services", ())), ensure_ascii=False),
            "languages": json.dumps(list(place.get("languages", ()))),
            "description": _text(description, what="the description", limit=2000),
            "latitude": place.get("latitude"), "longitude": place.get("longitude"),
            "contact_name": _text(contact_name, what="your name", limit=200),
            "contact": _text(contact, what="the contact", limit=254),
            "account_id": account_id, "sent_by": _text(sent_by, what="sent by", limit=254),
            "status": "open", "note": "", "created_at": self._clock(),
        }
        with self.store.writing() as conn:
            waiting = conn.execute(sa.select(sa.func.count()).select_from(suggestions).where(
                suggestions.c.status == "open")).scalar_one()
            if waiting >= MAX_OPEN:
                raise DataError("the library's review queue is full: please try again in a "
                                "few days")
            return int(conn.execute(suggestions.insert().values(**values)
                                    ).inserted_primary_key[0])

    def frame(self, *, status: str | None = "open", with_contact: bool = False) -> pd.DataFrame:
        """The suggestions (newest first); the contact columns only ``with_contact``."""
        cols = [*PUBLIC_COLUMNS, *(CONTACT_COLUMNS if with_contact else ())]
        query = sa.select(*(suggestions.c[c] for c in cols)).order_by(suggestions.c.id.desc())
        if status is not None:
            query = query.where(suggestions.c.status == status)
        with self.store.reading() as conn:
            rows = conn.execute(query).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=cols)
        for col in ("services", "languages"):
            frame[col] = frame[col].map(lambda v: tuple(json.loads(v or "[]")))
        return frame

    def count_open(self) -> int:
        """How many suggestions wait for staff."""
        with self.store.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(suggestions).where(
                suggestions.c.status == "open")).scalar_one())

    def approve(self, suggestion_id: int, *, by: str, branch: str = "",
                changes: dict[str, Any] | None = None) -> str:
        """Add a suggested place to the asset database (staff may correct fields on the
        way in); return the new asset's id. The suggester's contact is not copied."""
        row = self._open(suggestion_id, kind="new place")
        fields = {"name": row["name"], "category": row["category"], "address": row["address"],
                  "services": json.loads(row["services"]),
                  "languages": json.loads(row["languages"]),
                  "description": row["description"], "latitude": row["latitude"],
                  "longitude": row["longitude"], "found_by": "word of mouth",
                  "source": SOURCE, "branch": branch, **(changes or {})}
        asset_id = uuid.uuid4().hex[:12]
        record = validate_asset(fields, asset_id=asset_id, source=SOURCE)
        with self.store.writing() as conn:  # decided and added together, or neither
            self._decide_in(conn, suggestion_id, status="approved", by=by, result=asset_id)
            self.store._insert(conn, record, user=by)
        return asset_id

    def merge(self, suggestion_id: int, asset_id: str, *, by: str, note: str = "") -> None:
        """The suggested place is one the database already has."""
        self._open(suggestion_id, kind="new place")
        self.store.get_asset(asset_id)  # DataError if there is none
        self._decide(suggestion_id, status="merged", by=by, result=asset_id, note=note)

    def fixed(self, suggestion_id: int, *, by: str, note: str = "") -> None:
        """A correction that staff have made to the asset."""
        row = self._open(suggestion_id, kind="correction")
        self._decide(suggestion_id, status="fixed", by=by, result=row["asset_id"], note=note)

    def decline(self, suggestion_id: int, *, by: str, note: str = "") -> None:
        """Not taken (say why in ``note``: a duplicate, not a community asset ...)."""
        self._open(suggestion_id, kind=None)
        self._decide(suggestion_id, status="declined", by=by, note=note)

    def _open(self, suggestion_id: int, *, kind: str | None) -> dict[str, Any]:
        with self.store.reading() as conn:
            row = conn.execute(suggestions.select().where(suggestions.c.id == suggestion_id)
                               ).mappings().first()
        if row is None:
            raise DataError(f"no suggestion {suggestion_id}")
        if row["status"] != "open":
            raise DataError(f"suggestion {suggestion_id} was already {row['status']} by "
                            f"{row['decided_by']}")
        if kind is not None and row["kind"] != kind:
            raise DataError(f"suggestion {suggestion_id} is a {row['kind']}, not a {kind}")
        return dict(row)

    def _decide(self, suggestion_id: int, *, status: str, by: str, result: str | None = None,
                note: str = "") -> None:
        with self.store.writing() as conn:
            self._decide_in(conn, suggestion_id, status=status, by=by, result=result, note=note)

    def _decide_in(self, conn: sa.Connection, suggestion_id: int, *, status: str, by: str,
                   result: str | None = None, note: str = "") -> None:
        """Close an open suggestion in the caller's transaction; two people deciding at
        once: the second is refused (the update finds it open no more)."""
        done = conn.execute(suggestions.update().where(
            suggestions.c.id == suggestion_id, suggestions.c.status == "open").values(
            status=status, decided_by=by[:254], decided_at=self._clock(),
            note=_text(note, what="the note", limit=300), result_asset_id=result))
        if done.rowcount != 1:
            raise DataError(f"suggestion {suggestion_id} was decided by someone else meanwhile")
