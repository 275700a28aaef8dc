"""Settings and the current dataset, cached once per process and shared by every session.

The cached objects (datasets, prepared geometry, the live map's base and data blobs)
are treated as read-only.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from mapping.analysis.filters import Filters, MeasureResult, asset_mask, service_tags
from mapping.analysis.service_areas import assign_branches, branches_of, service_area_outlines
from mapping.infra.errors import MappingError
from mapping.infra.settings import Settings, load_settings
from mapping.present.render import (
    Blob,
    LiveBase,
    LiveData,
    PreparedAreas,
    area_geometry_blob,
    live_base_map,
    live_map_data,
    outline_blob,
    prepare_areas,
    prepare_asset_points,
)
from mapping.records.assets import visible_to
from mapping.records.store import Store
from mapping.sources.datasets import (
    Dataset,
    DatasetEntry,
    find_dataset,
    frame_digest,
    list_datasets,
    load_dataset,
)
from ui import messages as msg

T = TypeVar("T")


def _secrets() -> Mapping[str, object]:
    try:
        return dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):  # no secrets.toml
        return {}


def openid_configured() -> bool:
    """True when ``[auth]`` in the secrets names an OpenID provider for ``st.login``."""
    auth = _secrets().get("auth")
    if not isinstance(auth, Mapping):
        return False
    return bool(auth.get("server_metadata_url")) or any(
        isinstance(v, Mapping) and v.get("server_metadata_url") for v in auth.values())


@functools.lru_cache(maxsize=8)
def _settings(environ_items: tuple[tuple[str, str], ...]) -> Settings:
    # Once per process and environment. A plain cache: pages ask for the settings a dozen
    # times a rerun, and Streamlit's cache inspects and hashes the arguments on every call
    # (~0.5 ms each).
    return load_settings(dict(environ_items), _secrets())


def settings() -> Settings:
    """Return this process's settings; stop the page with the message if one is invalid."""
    items = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("NAM_")))
    try:
        return _settings(items)
    except MappingError as exc:
        msg.error(f"Configuration problem: {exc}")
        st.stop()
        raise  # unreachable; st.stop raises


def datasets() -> list[DatasetEntry]:
    """Return the datasets the app offers (rescanned on each run: saving one adds it)."""
    return list_datasets(settings())


@st.cache_resource(show_spinner="Loading dataset...", max_entries=6)
def _load(dataset_id: str, stamp: float, _settings: Settings) -> Dataset:
    return load_dataset(find_dataset(_settings, dataset_id), _settings)


@st.cache_resource(show_spinner=False, max_entries=6)
def _prepared(dataset_id: str, stamp: float, _dataset: Dataset) -> PreparedAreas:
    return prepare_areas(_dataset.area_set)


def _stamp(entry: DatasetEntry) -> float:
    """Modification time of the description: an edited or re-saved dataset reloads."""
    return entry.spec_path.stat().st_mtime if entry.spec_path and entry.spec_path.exists() else 0.0


def dataset(dataset_id: str) -> tuple[Dataset, PreparedAreas]:
    """Return a loaded dataset and its map geometry; stop the page with the reason on failure."""
    s = settings()
    try:
        entry = find_dataset(s, dataset_id)
        data = _load(entry.id, _stamp(entry), s)
        return data, _prepared(entry.id, _stamp(entry), data)
    except MappingError as exc:
        msg.error(f"This dataset cannot be shown: {exc}")
        st.stop()
        raise


@st.cache_resource(show_spinner="Assigning areas to branches...", max_entries=12)
def _branches(dataset_id: str, stamp: float, branch_digest: str, max_km: float,
              _dataset: Dataset) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    branches = branches_of(_dataset.assets)
    assignment = assign_branches(_dataset.area_set, branches, max_distance_m=max_km * 1000)
    return assignment, service_area_outlines(_dataset.area_set, assignment)


def branch_service_areas(data: Dataset) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Return (assignment per area, one outline per branch) for a dataset, cached.

    The cache key holds the branches themselves (ids, names, places): a branch added or
    moved redraws the service areas, and a visitor, who does not see staff-only
    branches, never gets a staff member's service areas.
    """
    entry = find_dataset(settings(), data.id)
    branches = branches_of(data.assets)[["asset_id", "name", "geometry"]]
    return _branches(data.id, _stamp(entry), frame_digest(branches),
                     settings().branch_max_km, data)


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def store() -> Store:
    """Return the shared asset database (one engine per process, safe across sessions)."""
    settings_ = settings()
    try:
        if settings_.store_url.startswith("sqlite"):
            settings_.data_dir.mkdir(parents=True, exist_ok=True)
        return _store(settings_.store_url)
    except Exception as exc:  # a database that cannot be opened must say which and why
        msg.error(f"The asset database ({settings_.store_url.split('@')[-1]}) cannot be opened: "
                 f"{exc}")
        st.stop()
        raise


@st.cache_resource(show_spinner="Bringing the dataset's assets into the asset database...",
                   max_entries=12)
def _synced(dataset_id: str, digests: tuple[str, ...], url: str, _data: Dataset
            ) -> tuple[str, ...]:
    """Import the dataset's asset files into the database once per process and file version
    (the digest check makes it a no-op after the first time, and the import is idempotent)."""
    db = _store(url)
    for source in _data.asset_sources:
        if db.source_digest_of(source.key) != source.digest:
            db.sync_source(source.key, source.assets, label=source.label, dataset=dataset_id,
                           digest=source.digest, rejected=source.rejected,
                           user=f"import of dataset {dataset_id}")
    return tuple(s.key for s in _data.asset_sources)


@st.cache_resource(show_spinner=False, max_entries=12)
def _database_assets(dataset_id: str, digests: tuple[str, ...], url: str, revision: str,
                     sources: tuple[str, ...], _data: Dataset) -> gpd.GeoDataFrame:
    return _store(url).assets_in(_data.area_set.areas, sources=sources)


def with_database_assets(data: Dataset) -> Dataset:
    """Return the dataset with its assets read from the asset database, the one home of
    assets: those in its areas, and its own files' records wherever they lie.

    The first time a dataset is used its asset files are imported; after that the
    assets are read once per database revision (any change anywhere makes a new one),
    not on every rerun.
    """
    db = store()
    # Keyed by the files' digests (computed at load) and the areas' extent: no file is read
    # on a rerun, and a dataset whose areas changed places its assets again.
    areas = data.area_set.areas
    extent = _per_frame("extent", areas, lambda: ",".join(f"{b:.6f}" for b in areas.total_bounds),
                        table=_MASKS, keep=64)  # 3 ms a rerun at 9,300 areas otherwise
    digests = (*(s.digest for s in data.asset_sources), str(len(areas)), extent)
    sources = _synced(data.id, digests, db.url, data)
    assets = _database_assets(data.id, digests, db.url, db.revision(), sources, data)
    return replace(data, assets=assets)


@st.cache_resource(show_spinner=False, max_entries=24)
def _live_base(dataset_id: str, stamp: float, leaflet: tuple[str, str], tiles: str,
               draw: tuple[str, str] | None, outline_name: str | None,
               _prepared: PreparedAreas) -> LiveBase:
    return live_base_map(_prepared, leaflet_js=leaflet[0], leaflet_css=leaflet[1], tiles=tiles,
                         draw=draw, outline_name=outline_name)


@st.cache_resource(show_spinner=False, max_entries=6)
def _geometry(dataset_id: str, stamp: float, _prepared: PreparedAreas) -> Blob:
    return area_geometry_blob(_prepared)


_BY_FRAME: dict[tuple[str, int], tuple[gpd.GeoDataFrame, object]] = {}
_MASKS: dict[tuple[str, int], tuple[gpd.GeoDataFrame, object]] = {}  # small values
_BY_FRAME_LOCK = threading.Lock()


def _per_frame(kind: str, frame: gpd.GeoDataFrame, compute: Callable[[], T], *,
               table: dict[tuple[str, int], tuple[gpd.GeoDataFrame, object]] = _BY_FRAME,
               keep: int = 16) -> T:
    """Return ``compute()`` once per asset table object (tables come from the per-revision
    cache, so the same object means the same content; hashing 50,000 rows per rerun would
    cost more than the rest of the rerun). Holds the last ``keep`` results of ``table``."""
    key = (kind, id(frame))
    hit = table.get(key)
    if hit is not None and hit[0] is frame:
        return hit[1]  # type: ignore[return-value]
    value = compute()
    with _BY_FRAME_LOCK:
        while len(table) >= keep:
            table.pop(next(iter(table)))
        table[key] = (frame, value)
    return value


def shown_assets(data: Dataset, filters: Filters) -> gpd.GeoDataFrame:
    """The dataset's assets that match the filters. Which ones match is remembered per
    asset table and filters (a bit per asset), so 50,000 assets' languages and services
    are not tested again on every rerun, only when the filters or the table change."""
    assets = data.assets
    if assets.empty:
        return assets
    key = "match:" + repr((filters.categories, filters.services, filters.languages,
                           filters.origins, filters.regions))
    mask = _per_frame(key, assets, lambda: asset_mask(assets, filters, data.area_set.catalog),
                      table=_MASKS, keep=64)
    return assets if mask.all() else assets.loc[mask]


def service_tags_of(data: Dataset) -> tuple[str, ...]:
    """Every service tag of the dataset's assets, most common first (once per table)."""
    return _per_frame("tags", data.assets, lambda: service_tags(data.assets), table=_MASKS,
                      keep=64)


def public_assets(data: Dataset) -> Dataset:
    """Return the dataset with only what the public may see (no staff-only sites), the
    same table object on every rerun of a database revision."""
    return replace(data, assets=_per_frame("public", data.assets,
                                           lambda: visible_to(data.assets, staff=False)))


def live_base(data: Dataset, *, draw: bool = False, outline_name: str | None = None) -> LiveBase:
    """Return the base of the live map for a dataset (built once per process)."""
    s = settings()
    entry = find_dataset(s, data.id)
    _, prepared = dataset(data.id)
    return _live_base(data.id, _stamp(entry), s.leaflet_urls(), s.tiles,
                      s.draw_urls() if draw else None, outline_name, prepared)


def live_data(data: Dataset, measure: MeasureResult, shown: gpd.GeoDataFrame, *,
              outlines: gpd.GeoDataFrame | None = None, scheme: str = "YlGnBu",
              high_contrast: bool = False) -> LiveData:
    """Return what the live map shows on this rerun: ``measure`` by area and the ``shown``
    subset of the dataset's assets (the points themselves are prepared once per asset
    table: the person's own view of it, so a visitor's browser never receives a
    staff-only asset)."""
    entry = find_dataset(settings(), data.id)
    _, prepared = dataset(data.id)
    points = _per_frame("points", data.assets,
                        lambda: prepare_asset_points(data.assets, data.area_set.areas))
    return live_map_data(prepared, data.area_set, measure, _geometry(data.id, _stamp(entry),
                                                                      prepared),
                         points, shown, outlines=outline_blob(outlines), scheme=scheme,
                         high_contrast=high_contrast)
