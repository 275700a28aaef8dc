"""Saved views and stories: what presenters show, kept in the shared asset database.

A *saved view* is a page of the app and its link's parameters (the dataset, the filters,
the map's centre and zoom, the clicked area or asset, a drawn shape, the page's own
choices), with a title and a note the presenter writes. A *story* orders saved views into
a deck. Both belong to the account that made them (tables ``saved_views``, ``stories``
and ``story_views``, migration 0011): every colleague sees and presents them; only the
author, or someone allowed to change everyone's (an administrator), changes or deletes
them. A change made from a stale copy is refused, never silently overwritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from mapping.infra.errors import DataError
from mapping.records.store import Store, metadata

#: Pages a view can be saved from: URL path -> the page's title.
PAGES = {"map": "Map", "profile": "Who lives here?", "branches": "Branches",
         "gaps": "Service gaps"}
MAX_TITLE = 120
MAX_NOTE = 1000
#: A link's parameters as JSON text (a drawn shape of 500 points is about 10,000).
MAX_PARAMS_CHARS = 20_000
MAX_PARAMS = 40
MAX_SLIDES = 60
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")

saved_views = sa.Table(
    "saved_views", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(MAX_TITLE), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("page", sa.String(40), nullable=False),
    sa.Column("params", sa.Text, nullable=False, default="{}"),
    sa.Column("owner_id", sa.Integer, nullable=True),
    sa.Column("owner", sa.String(254), nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
)

stories = sa.Table(
    "stories", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(MAX_TITLE), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("owner_id", sa.Integer, nullable=True),
    sa.Column("owner", sa.String(254), nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
)

story_views = sa.Table(
    "story_views", metadata,
    sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("view_id", sa.Integer, sa.ForeignKey("saved_views.id"), nullable=False),
    sa.Index("story_views_view_idx", "view_id"),
)


@dataclass(frozen=True)
class Author:
    """Who is saving or changing: their account (``None`` without accounts), the name
    shown, and whether they may change what others made."""

    account_id: int | None
    name: str
    may_change_all: bool = False


@dataclass(frozen=True)
class SavedView:
    """One saved view (see the module's description)."""

    id: int
    title: str
    note: str
    page: str
    params: dict[str, str]
    owner_id: int | None
    owner: str
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def dataset(self) -> str:
        """The dataset the view shows (``ds`` of its link; empty: the app's default)."""
        return self.params.get("ds", "")

    @property
    def link(self) -> str:
        """The view's link inside the app (a path and query, from the app's root).

        >>> _view(page="map", params={"ds": "cook", "lang": "spanish,polish"}).link
        '/map?ds=cook&lang=spanish%2Cpolish'
        """
        query = urlencode(self.params)
        return f"/{self.page}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Story:
    """A deck: saved views in order."""

    id: int
    title: str
    note: str
    owner_id: int | None
    owner: str
    created_at: datetime
    updated_at: datetime
    version: int
    view_ids: tuple[int, ...]


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: Any, *, what: str, limit: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise DataError(f"give the {what}")
    if len(text) > limit:
        raise DataError(f"the {what} is {len(text)} characters long; shorten it to {limit} "
                        "at most")
    return text


def clean_params(params: Mapping[str, Any]) -> dict[str, str]:
    """A link's parameters, checked: short lower-case names, text values, bounded size.

    >>> clean_params({"ds": "cook_county", "view": "41.8,-87.7,11"})
    {'ds': 'cook_county', 'view': '41.8,-87.7,11'}
    >>> clean_params({"<script>": "x"})
    Traceback (most recent call last):
    mapping.infra.errors.DataError: the link has a parameter named '<script>'; names are short lower-case words
    """
    if len(params) > MAX_PARAMS:
        raise DataError(f"the link has {len(params)} parameters; a view keeps {MAX_PARAMS} "
                        "at most")
    clean: dict[str, str] = {}
    for name, value in params.items():
        if not isinstance(name, str) or not _PARAM_NAME.match(name):
            raise DataError(f"the link has a parameter named {name!r}; names are short "
                            "lower-case words")
        clean[name] = str(value)
    if len(json.dumps(clean)) > MAX_PARAMS_CHARS:
        raise DataError("the view's link is too long to save (a very detailed drawn shape?); "
                        "draw a simpler shape")
    return clean


def _view(**fields: Any) -> SavedView:
    """A view from a row (or, for the examples, from a few fields)."""
    params = fields.get("params", {})
    if isinstance(params, str):
        params = json.loads(params)
    moment = fields.get("created_at") or _now()
    return SavedView(id=fields.get("id", 0), title=fields.get("title", ""),
                     note=fields.get("note", ""), page=fields.get("page", "map"),
                     params=dict(params), owner_id=fields.get("owner_id"),
                     owner=fields.get("owner", ""), created_at=moment,
                     updated_at=fields.get("updated_at") or moment,
                     version=fields.get("version", 1))


class Stories:
    """The saved views and stories of one asset database."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self._clock = clock

    # ------------------------------------------------------------ views

    def save_view(self, *, title: str, note: str = "", page: str,
                  params: Mapping[str, Any], author: Author) -> SavedView:
        """Save a view; :class:`DataError` says what to fix."""
        values = self._view_values(title=title, note=note, page=page, params=params)
        now = self._clock()
        with self.store.writing() as conn:
            new_id = conn.execute(saved_views.insert().values(
                **values, owner_id=author.account_id, owner=author.name[:254],
                created_at=now, updated_at=now, version=1)).inserted_primary_key[0]
        return self.view(int(new_id))

    def update_view(self, view_id: int, *, expected_version: int, author: Author,
                    title: str, note: str = "", params: Mapping[str, Any] | None = None
                    ) -> SavedView:
        """Change a view's title and note (and its link, when ``params`` is given)."""
        with self.store.writing() as conn:
            row = self._row(conn, saved_views, view_id, "view")
            _check_change(row, author, expected_version, "view")
            values = self._view_values(title=title, note=note, page=row["page"],
                                       params=json.loads(row["params"]) if params is None
                                       else params)
            conn.execute(saved_views.update().where(saved_views.c.id == view_id).values(
                **values, updated_at=self._clock(), version=row["version"] + 1))
        return self.view(view_id)

    def delete_view(self, view_id: int, *, expected_version: int, author: Author
                    ) -> list[str]:
        """Delete a view; it leaves every story that showed it. Returns those stories' titles."""
        with self.store.writing() as conn:
            row = self._row(conn, saved_views, view_id, "view")
            _check_change(row, author, expected_version, "view")
            used = conn.execute(sa.select(story_views.c.story_id).where(
                story_views.c.view_id == view_id).distinct()).scalars().all()
            titles = [conn.execute(sa.select(stories.c.title).where(stories.c.id == s)
                                   ).scalar_one() for s in used]
            for story_id in used:
                kept = [v for v in self._slides(conn, story_id) if v != view_id]
                self._write_slides(conn, story_id, kept)
                conn.execute(stories.update().where(stories.c.id == story_id).values(
                    updated_at=self._clock(), version=stories.c.version + 1))
            conn.execute(saved_views.delete().where(saved_views.c.id == view_id))
        return titles

    def view(self, view_id: int) -> SavedView:
        """One view; :class:`DataError` when there is none with this number."""
        with self.store.reading() as conn:
            return _view(**self._row(conn, saved_views, view_id, "view"))

    def views(self) -> list[SavedView]:
        """Every saved view, newest first."""
        with self.store.reading() as conn:
            rows = conn.execute(saved_views.select().order_by(
                saved_views.c.updated_at.desc(), saved_views.c.id.desc())).mappings().all()
        return [_view(**row) for row in rows]

    def _view_values(self, *, title: str, note: str, page: str, params: Mapping[str, Any]
                     ) -> dict[str, Any]:
        if page not in PAGES:
            raise DataError(f"views are saved from the pages {', '.join(PAGES.values())}; "
                            f"not from {page!r}")
        return {"title": _text(title, what="title", limit=MAX_TITLE, required=True),
                "note": _text(note, what="note", limit=MAX_NOTE), "page": page,
                "params": json.dumps(clean_params(params), ensure_ascii=False)}

    # ------------------------------------------------------------ stories

    def create_story(self, *, title: str, note: str = "", view_ids: Sequence[int],
                     author: Author) -> Story:
        """Make a story of saved views, in the order given."""
        title = _text(title, what="story's title", limit=MAX_TITLE, required=True)
        note = _text(note, what="story's note", limit=MAX_NOTE)
        now = self._clock()
        with self.store.writing() as conn:
            slides = self._check_slides(conn, view_ids)
            new_id = int(conn.execute(stories.insert().values(
                title=title, note=note, owner_id=author.account_id, owner=author.name[:254],
                created_at=now, updated_at=now, version=1)).inserted_primary_key[0])
            self._write_slides(conn, new_id, slides)
        return self.story(new_id)

    def update_story(self, story_id: int, *, expected_version: int, author: Author,
                     title: str, note: str = "", view_ids: Sequence[int]) -> Story:
        """Change a story's title, note and slides (their order is the order given)."""
        title = _text(title, what="story's title", limit=MAX_TITLE, required=True)
        note = _text(note, what="story's note", limit=MAX_NOTE)
        with self.store.writing() as conn:
            row = self._row(conn, stories, story_id, "story")
            _check_change(row, author, expected_version, "story")
            slides = self._check_slides(conn, view_ids)
            self._write_slides(conn, story_id, slides)
            conn.execute(stories.update().where(stories.c.id == story_id).values(
                title=title, note=note, updated_at=self._clock(), version=row["version"] + 1))
        return self.story(story_id)

    def delete_story(self, story_id: int, *, expected_version: int, author: Author) -> None:
        """Delete a story (its views stay)."""
        with self.store.writing() as conn:
            row = self._row(conn, stories, story_id, "story")
            _check_change(row, author, expected_version, "story")
            conn.execute(story_views.delete().where(story_views.c.story_id == story_id))
            conn.execute(stories.delete().where(stories.c.id == story_id))

    def story(self, story_id: int) -> Story:
        """One story; :class:`DataError` when there is none with this number."""
        with self.store.reading() as conn:
            row = self._row(conn, stories, story_id, "story")
            return _story(row, self._slides(conn, story_id))

    def stories(self) -> list[Story]:
        """Every story, newest first."""
        with self.store.reading() as conn:
            rows = conn.execute(stories.select().order_by(
                stories.c.updated_at.desc(), stories.c.id.desc())).mappings().all()
            return [_story(row, self._slides(conn, row["id"])) for row in rows]

    def views_of(self, story: Story) -> list[SavedView]:
        """A story's views, in its order."""
        with self.store.reading() as conn:
            rows = conn.execute(saved_views.select().where(
                saved_views.c.id.in_(story.view_ids))).mappings().all()
        by_id = {row["id"]: _view(**row) for row in rows}
        return [by_id[i] for i in story.view_ids if i in by_id]

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _row(conn: sa.Connection, table: sa.Table, ident: int, what: str) -> dict[str, Any]:
        row = conn.execute(table.select().where(table.c.id == int(ident))).mappings().first()
        if row is None:
            raise DataError(f"there is no saved {what} number {ident} (deleted?)")
        return dict(row)

    @staticmethod
    def _slides(conn: sa.Connection, story_id: int) -> list[int]:
        return list(conn.execute(sa.select(story_views.c.view_id).where(
            story_views.c.story_id == story_id).order_by(story_views.c.position)).scalars())

    @staticmethod
    def _check_slides(conn: sa.Connection, view_ids: Sequence[int]) -> list[int]:
        slides = [int(v) for v in view_ids]
        if not slides:
            raise DataError("pick at least one saved view for the story")
        if len(slides) > MAX_SLIDES:
            raise DataError(f"a story holds {MAX_SLIDES} views at most; it has {len(slides)}")
        found = set(conn.execute(sa.select(saved_views.c.id).where(
            saved_views.c.id.in_(set(slides)))).scalars())
        missing = sorted(set(slides) - found)
        if missing:
            raise DataError(f"saved view(s) {', '.join(map(str, missing))} no longer exist; "
                            "reload the page")
        return slides

    @staticmethod
    def _write_slides(conn: sa.Connection, story_id: int, slides: Sequence[int]) -> None:
        conn.execute(story_views.delete().where(story_views.c.story_id == story_id))
        if slides:
            conn.execute(story_views.insert(), [
                {"story_id": story_id, "position": i, "view_id": v}
                for i, v in enumerate(slides)])


def _story(row: Mapping[str, Any], slides: Sequence[int]) -> Story:
    return Story(id=row["id"], title=row["title"], note=row["note"], owner_id=row["owner_id"],
                 owner=row["owner"], created_at=row["created_at"],
                 updated_at=row["updated_at"], version=row["version"],
                 view_ids=tuple(slides))


def _check_change(row: Mapping[str, Any], author: Author, expected_version: int,
                  what: str) -> None:
    """Refuse a change by someone else than the author (unless allowed) or from a stale copy."""
    if not author.may_change_all and row["owner_id"] != author.account_id:
        raise DataError(f"only its author ({row['owner'] or 'unknown'}) or an administrator "
                        f"may change this {what}")
    if row["version"] != expected_version:
        raise DataError(f"this {what} was changed by someone else since you opened it; "
                        "nothing was saved: reload the page and make your change again")
