"""Community assets: the record every source is normalised to, and checks on it.

Aligned with Open Referral HSDS (organization + service + location). Personal contacts
are never part of an asset record: they live elsewhere and never reach a map or export.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.infra.errors import DataError
from mapping.records.addresses import ADDRESS_FIELDS, PART_LIMITS, with_address_parts
from mapping.sources.areas import drawable
from mapping.sources.catalog import (
    groups_of_language,
    language_name,
    parse_languages,
    region_of_country,
)


@dataclass(frozen=True)
class Category:
    """An asset category with the colour and marker shape it has on every map.

    The shape tells apart categories whose colours look alike to people who do not tell
    red from green (checked by a test under protanopia and deuteranopia simulation).
    """

    key: str
    label: str
    color: str
    shape: str = "circle"  # one of MARKER_SHAPES


MARKER_SHAPES = ("circle", "square", "triangle", "diamond", "wedge")
CATEGORIES: tuple[Category, ...] = (
    Category("settlement", "Settlement & immigration services", "#e6194b", "circle"),
    Category("esl", "ESL & adult learning", "#3cb44b", "square"),
    Category("legal", "Legal aid", "#4363d8", "triangle"),
    Category("health", "Health", "#f58231", "diamond"),
    Category("employment", "Employment", "#911eb4", "wedge"),
    Category("housing", "Housing & shelter", "#42d4f4", "circle"),
    Category("food", "Food", "#f032e6", "square"),
    Category("faith", "Faith community", "#9a6324", "triangle"),
    Category("cultural", "Cultural association", "#bfef45", "diamond"),
    Category("business", "Ethnic business", "#808000", "wedge"),
    Category("school", "School & early learning", "#469990", "circle"),
    Category("library", "Library branch", "#000075", "square"),
    Category("community", "Community center", "#800000", "triangle"),
    Category("family", "Family & youth services", "#fabed4", "diamond"),
    Category("seniors", "Senior services", "#a9a9a9", "wedge"),
)
CATEGORY_KEYS = tuple(c.key for c in CATEGORIES)
_CATEGORY_BY_KEY = {c.key: c for c in CATEGORIES}
_CATEGORY_BY_LABEL = {c.label.lower(): c for c in CATEGORIES}

STATUSES = ("active", "temporarily closed", "inactive")
VISIBILITIES = ("public", "staff", "sensitive")
ENTRY_TECHNIQUES = (
    "service provider", "walkabout", "word of mouth", "community event", "outreach activity",
    "public directory",
)

#: Columns of an asset frame, in order. Lists are tuples of strings.
ASSET_COLUMNS = (
    "asset_id", "name", "organization", "category", "services", "languages", "communities",
    "address", *ADDRESS_FIELDS, "phone", "website", "hours", "description", "status",
    "visibility", "found_by", "branch", "source",
)
_LIST_COLUMNS = ("services", "languages", "communities")
#: Longest text a field may hold (the database's column sizes); longer is refused, never cut.
FIELD_LIMITS = {"name": 300, "organization": 300, "address": 400, **PART_LIMITS, "phone": 80,
                "website": 400, "hours": 400, "found_by": 60, "branch": 200, "source": 300}


def category(key: str) -> Category:
    """Return the category with this key."""
    return _CATEGORY_BY_KEY[key]


def parse_category(text: Any) -> str:
    """Return the category key for a key or label; :class:`DataError` if unknown."""
    t = str(text or "").strip().lower()
    if t in _CATEGORY_BY_KEY:
        return t
    if t in _CATEGORY_BY_LABEL:
        return _CATEGORY_BY_LABEL[t].key
    raise DataError(f"unknown category {text!r}; use one of: "
                    + ", ".join(c.label for c in CATEGORIES))


def split_tags(value: Any) -> tuple[str, ...]:
    """Return tags from a list or a ``;``/``,``/``|`` separated string, trimmed, unique."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    parts = re.split(r"[;,|]", value) if isinstance(value, str) else list(value)
    tags = [str(p).strip() for p in parts if str(p).strip()]
    return tuple(dict.fromkeys(tags))


@dataclass(frozen=True)
class RowProblem:
    """Why one input row was not accepted."""

    source: str
    row: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}, row {self.row}: {self.reason}"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def normalize_assets(records: pd.DataFrame, *, source: str,
                     id_prefix: str | None = None) -> tuple[gpd.GeoDataFrame, list[RowProblem]]:
    """Return valid assets as a GeoDataFrame (EPSG:4326) and the rows that were rejected.

    ``records`` has the columns of :data:`ASSET_COLUMNS` (missing ones are empty) plus
    ``latitude`` and ``longitude``, and may have ``last_verified`` (the day someone last
    checked the record). Rows are rejected, with a reason, for a missing name,
    missing or out-of-range coordinates, an unknown category, status or visibility, or an
    unparseable language. Row numbers count from 1 as a spreadsheet user sees them.
    """
    problems: list[RowProblem] = []
    rows: list[dict[str, Any]] = []
    prefix = id_prefix or re.sub(r"\W+", "_", source.lower()).strip("_")
    for i, rec in enumerate(records.to_dict("records"), start=1):
        try:
            rows.append(_normalize_row(rec, row=i, prefix=prefix, source=source))
        except DataError as exc:
            problems.append(RowProblem(source, i, str(exc)))
    frame = pd.DataFrame(rows, columns=[*ASSET_COLUMNS, "last_verified", "latitude", "longitude"])
    geometry = gpd.points_from_xy(frame["longitude"].astype(float), frame["latitude"].astype(float))
    gdf = gpd.GeoDataFrame(frame.drop(columns=["latitude", "longitude"]), geometry=geometry,
                           crs="EPSG:4326")
    dupes = gdf["asset_id"].duplicated(keep="first")
    for aid in gdf.loc[dupes, "asset_id"]:
        problems.append(RowProblem(source, 0, f"asset id {aid!r} appears more than once; "
                                              "the first row was kept"))
    return gdf.loc[~dupes].reset_index(drop=True), problems


def validate_asset(fields: dict[str, Any], *, asset_id: str, source: str = "typed in the app"
                   ) -> dict[str, Any]:
    """Return one asset's fields checked and normalised, or raise :class:`DataError` with why.

    The same rules as a file import: a name, coordinates in range, a known category,
    status and visibility, and languages this catalog knows. An address typed on one line
    gets its parts (street, city, state, postal code), parsed.
    """
    record = _normalize_row({**fields, "asset_id": asset_id}, row=1, prefix="asset",
                            source=source)
    return with_address_parts(record)


def _normalize_row(rec: dict[str, Any], *, row: int, prefix: str, source: str) -> dict[str, Any]:
    name = _text(rec.get("name"))
    if not name:
        raise DataError("no name")
    try:
        lat = float(rec.get("latitude"))  # type: ignore[arg-type]
        lon = float(rec.get("longitude"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError("no coordinates (latitude/longitude missing or not numbers)") from None
    if not (np.isfinite(lat) and np.isfinite(lon)):
        raise DataError("no coordinates (latitude/longitude missing)")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DataError(f"coordinates out of range (latitude {lat}, longitude {lon})")
    cat = parse_category(rec.get("category"))
    status = _text(rec.get("status")).lower() or "active"
    if status not in STATUSES:
        raise DataError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    visibility = _text(rec.get("visibility")).lower() or "public"
    if visibility not in VISIBILITIES:
        raise DataError(f"unknown visibility {visibility!r}; use one of {', '.join(VISIBILITIES)}")
    languages = parse_languages(split_tags(rec.get("languages")))
    asset_id = _text(rec.get("asset_id")) or f"{prefix}-{row}"
    for field, limit in FIELD_LIMITS.items():
        if len(_text(rec.get(field))) > limit:
            raise DataError(f"{field.replace('_', ' ')} is {len(_text(rec.get(field)))} "
                            f"characters long; shorten it to {limit} at most")
    return {
        "asset_id": asset_id,
        "name": name,
        "organization": _text(rec.get("organization")),
        "category": cat,
        "services": split_tags(rec.get("services")),
        "languages": languages,
        "communities": split_tags(rec.get("communities")),
        "address": _text(rec.get("address")),
        **{f: _text(rec.get(f)) for f in ADDRESS_FIELDS},
        "phone": _text(rec.get("phone")),
        "website": _text(rec.get("website")),
        "hours": _text(rec.get("hours")),
        "description": _text(rec.get("description")),
        "status": status,
        "visibility": visibility,
        "found_by": _text(rec.get("found_by")) or "public directory",
        "branch": _text(rec.get("branch")),
        "source": _text(rec.get("source")) or source,
        "last_verified": verified_date(rec.get("last_verified")),
        "latitude": lat,
        "longitude": lon,
    }


def verified_date(value: Any) -> date | None:
    """Return the day a record was last checked from a date, a date and time or ISO text;
    ``None`` when empty; :class:`DataError` when it is not a date.

    Examples
    --------
    >>> verified_date("2026-03-01T10:00:00Z"), verified_date(None), verified_date(float("nan"))
    (datetime.date(2026, 3, 1), None, None)
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = _text(value)
    if not text or text in ("None", "NaT"):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise DataError(f"last verified {text!r} is not a date; write it as YYYY-MM-DD") from None


def empty_assets() -> gpd.GeoDataFrame:
    """Return an asset frame with no rows and every column."""
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in ASSET_COLUMNS},
                            geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def assign_areas(assets: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Return the ``geoid`` of the area each asset lies in (NaN outside every area).

    An asset on a shared boundary goes to one area only (the first match), so counts
    by area add up to the number of assets inside the coverage.
    """
    if assets.empty:
        return pd.Series([], index=assets.index, dtype=object, name="geoid")
    drawn = areas.loc[drawable(areas.geometry), ["geometry"]]
    joined = gpd.sjoin(assets[["geometry"]], drawn.reset_index(), how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["geoid"].reindex(assets.index).rename("geoid")


def display_points(assets: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Return where each asset may be drawn: sensitive sites move to their area's centre.

    A sensitive site (a shelter, say) is never drawn at its exact point: it is shown at
    the representative point of the area it lies in or, outside every area, at its
    coordinates rounded to 0.01 degree (about 1 km).
    """
    points = assets.geometry.copy()
    sensitive = (assets["visibility"] == "sensitive").to_numpy()
    if not sensitive.any():
        return points
    geoids = assets["geoid"] if "geoid" in assets.columns else assign_areas(assets, areas)
    rep = areas.geometry.representative_point()
    for idx in assets.index[sensitive]:
        gid = geoids.get(idx)
        if isinstance(gid, str) and gid in rep.index and not rep.loc[gid].is_empty:
            points.loc[idx] = rep.loc[gid]
        else:
            p = points.loc[idx]
            points.loc[idx] = shapely.Point(round(p.x, 2), round(p.y, 2))
    return points


def _per_distinct_list(column: pd.Series, test: Callable[[tuple[str, ...]], bool]
                       ) -> np.ndarray:
    """``test`` of each row's list of tags, asked once per distinct list: tens of thousands
    of assets share a few hundred lists (a filter change at 50,000 assets)."""
    keys, distinct = pd.factorize(column.map(tuple))
    if not len(distinct):
        return np.zeros(len(column), dtype=bool)
    return np.array([test(tags) for tags in distinct], dtype=bool)[keys]


def serves_languages(assets: pd.DataFrame, groups: Iterable[str]) -> np.ndarray:
    """Return a mask of assets that serve in at least one of the language groups."""
    wanted = set(groups)
    return _per_distinct_list(assets["languages"], lambda langs: any(
        wanted.intersection(groups_of_language(code)) for code in langs))


def serves_communities(assets: pd.DataFrame, countries: Iterable[str]) -> np.ndarray:
    """Return a mask of assets serving any of the countries (by name) or their regions.

    An asset tagged with a world region (``"Latin America"``) serves every country of
    that region; a country tag matches with or without a parenthesised note.
    """
    wanted: set[str] = set()
    for country in countries:
        base = re.sub(r"\(.*?\)", "", country).strip().lower()
        wanted.add(base)
        reg = region_of_country(country)
        if reg:
            wanted.update({reg[0].lower(), reg[1].lower()})
    return _per_distinct_list(assets["communities"], lambda tags: any(
        re.sub(r"\(.*?\)", "", tag).strip().lower() in wanted for tag in tags))


def search_records(records: pd.DataFrame, *, text: str = "", categories: Iterable[str] = (),
                   statuses: Iterable[str] = (), branches: Iterable[str] = (),
                   languages: Iterable[str] = (), services: Iterable[str] = (),
                   communities: Iterable[str] = (), unverified_months: int | None = None,
                   today: Any = None) -> pd.DataFrame:
    """Return the records matching a search: text in name, organization, services or address,
    and optional category, status, branch, service, language, community served and "not
    verified in N months" filters (within a filter, any of the values matches)."""
    mask = np.ones(len(records), dtype=bool)
    needle = text.strip().casefold()
    if needle:
        hay = (records["name"].astype(str) + " " + records["organization"].astype(str) + " "
               + records["services"].map(" ".join) + " " + records["address"].astype(str))
        mask &= hay.str.casefold().str.contains(needle, regex=False).to_numpy()
    for column, wanted in (("category", categories), ("status", statuses), ("branch", branches)):
        wanted = list(wanted)
        if wanted:
            mask &= records[column].isin(wanted).to_numpy()
    wanted_services = set(services)
    if wanted_services:
        mask &= np.array([bool(wanted_services.intersection(v)) for v in records["services"]],
                         dtype=bool)
    for column, wanted_set in (("languages", set(languages)), ("communities", set(communities))):
        if wanted_set:
            mask &= np.array([bool(wanted_set.intersection(v)) for v in records[column]],
                             dtype=bool)
    if unverified_months is not None and "last_verified" in records.columns:
        today = pd.Timestamp(today or pd.Timestamp.now().date())
        verified = pd.to_datetime(records["last_verified"], errors="coerce")
        stale = verified.isna() | (verified < today - pd.DateOffset(months=unverified_months))
        mask &= stale.to_numpy()
    return records.loc[mask]


def reject_outside(records: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, where: str
                   ) -> tuple[gpd.GeoDataFrame, list[RowProblem]]:
    """Split records into those inside the areas and, with a reason, those outside them."""
    inside = assign_areas(records, areas).notna().to_numpy()
    problems = [RowProblem(str(r.get("source") or "import"), i + 1,
                           f"coordinates ({r['geometry'].y:.5f}, {r['geometry'].x:.5f}) are "
                           f"outside the areas of {where}")
                for i, r in enumerate(records.to_dict("records")) if not inside[i]]
    return records.loc[inside], problems


def visible_to(assets: gpd.GeoDataFrame, *, staff: bool) -> gpd.GeoDataFrame:
    """Return the assets a person may see: staff see all, the public no staff-only site."""
    return assets if staff else assets.loc[assets["visibility"] != "staff"]


#: History actions whose data is the whole record as it stood after the action.
SNAPSHOT_ACTIONS = frozenset({"create", "import", "update", "sync", "restore", "delete",
                              "source taken", "kept ours", "merged"})
#: Fields a person reads in a change list (bookkeeping such as versions is left out).
HISTORY_FIELDS = (*ASSET_COLUMNS[1:], "latitude", "longitude", "last_verified")


def _shown(field: str, value: Any) -> str:
    """A field's value as a person reads it: lists joined, language codes by name."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        items = [language_name(v) if field == "languages" else str(v) for v in value]
        return ", ".join(items)
    if field == "category" and isinstance(value, str) and value in _CATEGORY_BY_KEY:
        return _CATEGORY_BY_KEY[value].label
    return str(value)


def _differences(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """``field: before → after`` for each field that differs (all set fields if no before)."""
    parts = []
    for field in HISTORY_FIELDS:
        if field not in after:
            continue
        new = _shown(field, after[field])
        if before is None:
            if new:
                parts.append(f"{field}: {new}")
            continue
        old = _shown(field, before.get(field))
        if old != new:
            parts.append(f"{field}: {old or '(empty)'} → {new or '(empty)'}")
    return parts


def field_changes(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return an asset's history with *what* changed in each step.

    ``entries`` are history rows, oldest first (``action``, ``user``, ``at``,
    ``version``, ``data``). For an action that stores the record as it stood after it,
    the change is every field that differs from the step before, as
    ``field: before → after``; a refused edit (``conflict``) lists what it tried to
    save (its differences from the record saved before it). Each row: ``when``, ``who``,
    ``what``, ``version``, ``changes`` (text).

    Examples
    --------
    >>> rows = field_changes([
    ...     {"action": "create", "user": "Ana", "at": "t1", "version": 1,
    ...      "data": {"name": "Casa", "phone": ""}},
    ...     {"action": "update", "user": "Bo", "at": "t2", "version": 2,
    ...      "data": {"name": "Casa", "phone": "555-0100"}}])
    >>> [r["changes"] for r in rows]
    ['name: Casa', 'phone: (empty) → 555-0100']
    """
    out: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    for entry in entries:
        data = entry.get("data") or {}
        action = str(entry.get("action", ""))
        if action in SNAPSHOT_ACTIONS:
            parts = _differences(last, data)
            last = {**(last or {}), **data}
        elif action == "conflict":  # the record it tried to save, not saved
            parts = ["not saved (someone saved first), tried", *_differences(last, data)]
        else:
            parts = [f"{k}: {v}" for k, v in data.items()]
        out.append({"when": entry.get("at"), "who": entry.get("user"), "what": action,
                    "version": entry.get("version"), "changes": "; ".join(parts)})
    return out
