"""Datasets from files, described declaratively, and the list of datasets the app offers.

A *dataset description* is a small JSON document: which boundary file, which id column,
which statistics tables and which of their columns is which catalog variable, which asset
files and which of their columns is which asset field. Built-in descriptions live in
``data/specs/``; datasets a user uploads are saved in ``data/datasets/<id>/``. Paths in a
description are relative to it, and ``{shared}`` stands for the shared reference data.

Example (abridged)::

    {"name": "Cook County, IL", "source": "ACS 2017-2021 5-year", "year": "2021",
     "areas": {"path": "{shared}/chicago_cook/tracts.geojson", "id": "GEOID", "name": "NAME"},
     "tables": [{"path": "{shared}/chicago_cook/dp.csv", "id": "geo_id",
                 "id_prefix": "1400000US",
                 "variables": [{"id": "foreign_born", "estimate": "tot_pop_birth_foreign",
                                "label": "Foreign-born", "topic": "origin",
                                "role": "foreign_born"}]}],
     "assets": [{"path": "{shared}/chicago_cook/assets/senior_centers.geojson",
                 "fields": {"name": "site_name", "category": {"value": "seniors"}}}]}

An asset file may say where it was surveyed: ``"coverage": {"label": "City of Chicago"}``
(its extent then derived from the points), with ``"areas"`` (ids or their beginnings) or a
boundary ``"path"``; the gap analysis ranks only areas inside (see :func:`read_coverage`).

``"origins_complete": true`` says the tables hold every country of birth of their source
(the Census loader sets it for table B05006): only then is a world region's figure called
the region's total; otherwise it is named as the sum of the countries present.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import string
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.analysis.moe import moe_of_sum
from mapping.infra.errors import DataError, UploadRejected
from mapping.infra.settings import PROJECT_ROOT, Settings
from mapping.records.assets import ASSET_COLUMNS, RowProblem, assign_areas, empty_assets, normalize_assets
from mapping.sources.areas import AreaSet, area_km2, drawable
from mapping.sources.catalog import Catalog, Variable, region_of_country
from mapping.sources.demo import demo_dataset

SPECS_DIR = PROJECT_ROOT / "data" / "specs"

#: ACS "annotation" values published in place of numbers, with their meaning.
SENTINELS: dict[int, str] = {
    -999999999: "too few sample observations to compute",
    -888888888: "not applicable",
    -666666666: "not available (too few observations)",
    -555555555: "controlled estimate (no sampling error)",
    -333333333: "median in an open-ended interval",
    -222222222: "margin of error not computable",
}
#: Code used in MOE columns for estimates controlled to population totals: MOE is zero.
CONTROLLED_MOE = -555555555
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200


@dataclass
class LoadReport:
    """What happened while loading: facts a user should see, and rows that were refused."""

    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class AssetSource:
    """One file of a dataset's assets (or the demo's generated ones), as the asset database
    imports it: ``key`` names the source there, ``digest`` changes when its content does."""

    key: str
    label: str
    digest: str
    assets: gpd.GeoDataFrame
    rejected: tuple[RowProblem, ...] = ()
    #: Where the source was surveyed, as declared (see :func:`read_coverage`); None: not
    #: declared, so the analysis derives it from the points.
    coverage: Mapping[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset: areas with statistics, assets, and the load report.

    ``asset_sources`` are the dataset's asset files; the asset database imports them (see
    :meth:`mapping.records.store.Store.sync_source`) and is where the app reads assets from.
    ``assets`` is what the files hold, or, once read from the database, what it holds for
    these areas.
    """

    id: str
    area_set: AreaSet
    assets: gpd.GeoDataFrame
    report: LoadReport
    asset_sources: tuple[AssetSource, ...] = ()


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset the app can offer, whether or not its files are present."""

    id: str
    name: str
    spec_path: Path | None  # None: the built-in demo
    available: bool = True
    reason: str = ""


# ---------------------------------------------------------------- registry


def list_datasets(settings: Settings) -> list[DatasetEntry]:
    """Return the demo, the built-in descriptions, the saved datasets, and the description
    ``NAM_DATASET`` points at when it is a path (see :func:`start_dataset`)."""
    entries = [DatasetEntry("demo", "Demo County (synthetic demo data)", None)]
    paths = sorted(SPECS_DIR.glob("*.json"))
    if settings.datasets_dir.exists():
        paths += sorted(settings.datasets_dir.glob("*/dataset.json"))
    start = Path(settings.dataset).expanduser()
    if start.suffix.lower() == ".json" and start.is_file() and start.resolve() not in {
            p.resolve() for p in paths}:
        paths.append(start.resolve())
    for path in paths:
        entries.append(_entry_for(path, settings))
    return entries


def start_dataset(settings: Settings) -> str:
    """Return the id of the dataset to show at start (``NAM_DATASET``: an id, or the path
    of a dataset description); :class:`DataError` says what is wrong with a bad one."""
    wanted = settings.dataset
    entries = list_datasets(settings)
    path = Path(wanted).expanduser()
    if path.suffix.lower() == ".json":
        if not path.is_file():
            raise DataError(f"NAM_DATASET points at {path.name}, which does not exist: give the "
                            "path of a dataset description (.json) or the id of a dataset")
        match = next(e for e in entries if e.spec_path and e.spec_path == path.resolve())
    else:
        match = next((e for e in entries if e.id == wanted), None)
        if match is None:
            raise DataError(f"NAM_DATASET is {wanted!r}, which is no dataset here; use one of "
                            f"{', '.join(e.id for e in entries)}, or the path of a dataset "
                            "description (.json)")
    if not match.available:
        raise DataError(f"NAM_DATASET: the dataset {match.name!r} cannot be loaded: "
                        f"{match.reason}")
    return match.id


#: Descriptions read, by path, modification time and size: the dataset list is asked for
#: several times per rerun, and a description changes only when it is saved again.
_SPECS: dict[tuple[str, int, int], dict[str, Any]] = {}
_SPECS_KEPT = 256


def _spec_of(path: Path) -> dict[str, Any]:
    """:func:`read_spec`, remembered until the file changes (treat the result as read-only)."""
    try:
        stat = path.stat()
    except OSError:
        return read_spec(path)  # says what is wrong
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    spec = _SPECS.get(key)
    if spec is None:
        spec = read_spec(path)
        if len(_SPECS) >= _SPECS_KEPT:
            _SPECS.pop(next(iter(_SPECS)), None)
        _SPECS[key] = spec
    return spec


def _entry_for(path: Path, settings: Settings) -> DatasetEntry:
    dataset_id = path.parent.name if path.name == "dataset.json" else path.stem
    try:
        spec = _spec_of(path)
    except DataError as exc:
        return DatasetEntry(dataset_id, dataset_id, path, False, str(exc))
    missing = [p for p in _spec_files(spec, path, settings) if not p.exists()]
    reason = f"missing file {missing[0]}" if missing else ""
    return DatasetEntry(dataset_id, str(spec.get("name", dataset_id)), path, not missing, reason)


def find_dataset(settings: Settings, dataset: str) -> DatasetEntry:
    """Return the entry for an id from :func:`list_datasets`, or for a path to a description."""
    for entry in list_datasets(settings):
        if entry.id == dataset:
            return entry
    path = Path(dataset)
    if path.suffix == ".json" and path.exists():
        return _entry_for(path.resolve(), settings)
    known = ", ".join(e.id for e in list_datasets(settings))
    raise DataError(f"no dataset {dataset!r}; choose one of {known}, or give the path of a "
                    "dataset description (.json)")


def load_dataset(entry: DatasetEntry, settings: Settings) -> Dataset:
    """Return the dataset an entry names, with assets placed in their areas."""
    if entry.spec_path is None:
        area_set, assets = demo_dataset()
        report = LoadReport(notes=["Demo County is synthetic: generated by mapping/sources/demo.py; "
                                   "no figure describes real people."])
        files = [AssetSource("generated", "Demo County (synthetic)", frame_digest(assets), assets)]
    else:
        if not entry.available:
            raise DataError(f"dataset {entry.name!r} cannot be loaded: {entry.reason}")
        area_set, assets, report, files = load_from_spec(read_spec(entry.spec_path),
                                                         entry.spec_path, settings)
    sources = tuple(dataclasses.replace(f, key=f"dataset:{entry.id}:{f.key}") for f in files)
    assets = assets.copy()
    assets["source_key"] = f"dataset:{entry.id}:" + assets.get("source_key", "generated")
    assets["geoid"] = assign_areas(assets, area_set.areas)
    outside = int(assets["geoid"].isna().sum())
    if outside:
        report.notes.append(f"{outside} assets lie outside every area; they are drawn but "
                            "belong to no area profile")
    return Dataset(entry.id, area_set, assets, report, sources)


def frame_digest(assets: gpd.GeoDataFrame) -> str:
    """Return a digest of an asset frame's content (fields and coordinates)."""
    text = assets.drop(columns="geometry").astype(str).to_csv(index=False)
    coords = np.round(shapely.get_coordinates(assets.geometry.to_numpy()), 7).tobytes()
    return hashlib.sha256(text.encode("utf-8") + coords).hexdigest()


def _file_digest(path: Path, source: Mapping[str, Any]) -> str:
    """Digest of an asset file and of how its columns are read (either changing matters)."""
    h = hashlib.sha256(json.dumps(source, sort_keys=True, default=str).encode("utf-8"))
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_spec(path: Path) -> dict[str, Any]:
    """Return a dataset description read from JSON; :class:`DataError` if malformed."""
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:  # its text names the server's path: say what, not where
        raise DataError(f"dataset description {Path(path).name}: cannot be read "
                        f"({exc.strerror or 'not a readable file'})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"dataset description {Path(path).name}: not valid JSON ({exc})"
                        ) from None
    if not isinstance(spec, dict) or "areas" not in spec:
        raise DataError(f"dataset description {Path(path).name}: needs an 'areas' section")
    return spec


def _spec_files(spec: Mapping[str, Any], spec_path: Path, settings: Settings) -> list[Path]:
    parts = [spec["areas"], *spec.get("tables", []), *spec.get("assets", [])]
    return [resolve_path(p["path"], spec_path, settings) for p in parts if "path" in p]


def resolve_path(raw: str, spec_path: Path, settings: Settings) -> Path:
    """Return the file a description means: ``{shared}`` expanded, relative to the description."""
    text = raw.replace("{shared}", str(settings.shared_data_dir))
    path = Path(text)
    return path if path.is_absolute() else (spec_path.parent / path).resolve()


# ---------------------------------------------------------------- loading


def load_from_spec(spec: Mapping[str, Any], spec_path: Path, settings: Settings
                   ) -> tuple[AreaSet, gpd.GeoDataFrame, LoadReport, list[AssetSource]]:
    """Return the area set, assets, report and asset files a dataset description defines.

    Each asset file is an :class:`AssetSource` keyed by its file name (with its position
    when two files share a name).
    """
    report = LoadReport()
    area_spec = spec["areas"]
    boundaries = load_boundaries(resolve_path(area_spec["path"], spec_path, settings),
                                 id_column=area_spec.get("id", "GEOID"),
                                 name_column=area_spec.get("name"),
                                 crs=area_spec.get("crs"), id_width=area_spec.get("id_width"),
                                 id_prefix=area_spec.get("id_prefix"), report=report)
    variables: list[Variable] = []
    frames: list[pd.DataFrame] = []
    for table in spec.get("tables", []):
        path = resolve_path(table["path"], spec_path, settings)
        tidy, table_vars = load_table(path, table, area_ids=boundaries.index, report=report)
        frames.append(tidy)
        variables.extend(table_vars)
    if not variables:
        raise DataError("the dataset description lists no statistics (a 'tables' section with "
                        "'variables')")
    indicators = pd.concat(frames, ignore_index=True)
    for rule in spec.get("derived", []):
        tidy, variable = derive_sum(indicators, rule)
        indicators = pd.concat([indicators, tidy], ignore_index=True)
        variables.append(variable)
    catalog = Catalog(tuple(variables), origins_complete=bool(spec.get("origins_complete")))
    area_set = AreaSet(areas=boundaries, indicators=indicators, catalog=catalog,
                       title=str(spec.get("name", "Dataset")), source=str(spec.get("source", "")),
                       year=str(spec.get("year", "")), synthetic=bool(spec.get("synthetic", False)))
    asset_frames = []
    files: list[AssetSource] = []
    for position, source in enumerate(spec.get("assets", []), start=1):
        path = resolve_path(source["path"], spec_path, settings)
        gdf, problems = load_assets(path, source)
        key = path.name if path.name not in {f.label for f in files} else f"{path.name}#{position}"
        asset_frames.append(gdf.assign(source_key=key))  # as the asset database keys them
        files.append(AssetSource(key, path.name, _file_digest(path, source), gdf,
                                 tuple(problems),
                                 read_coverage(source.get("coverage"), spec_path, settings)))
        report.rejected.extend(problems)
        report.notes.append(f"{path.name}: {len(gdf)} assets loaded"
                            + (f", {len(problems)} rows refused" if problems else ""))
    assets = (pd.concat(asset_frames, ignore_index=True) if asset_frames else empty_assets())
    assets = gpd.GeoDataFrame(assets, geometry="geometry", crs="EPSG:4326")
    return area_set, assets, report, files


def read_coverage(spec: Any, spec_path: Path, settings: Settings) -> dict[str, Any] | None:
    """Return an asset file's declared coverage, checked: where it was surveyed.

    ``{"label": "City of Chicago"}`` names it (its extent is then derived from the points);
    ``"areas": ["17031", ...]`` lists area ids or their beginnings (a county's code);
    ``"path": "city.geojson"`` gives a boundary file, read here into one WGS84 shape
    (``"wkt"``).
    """
    if spec is None:
        return None
    if not isinstance(spec, Mapping) or not str(spec.get("label", "")).strip():
        raise DataError("an asset file's 'coverage' must be an object with a 'label' (where "
                        "it was surveyed), and optionally 'areas' or 'path'")
    out: dict[str, Any] = {"label": str(spec["label"]).strip()}
    if "areas" in spec:
        areas = spec["areas"]
        if not (isinstance(areas, list) and areas and all(isinstance(a, str) and a
                                                          for a in areas)):
            raise DataError("coverage 'areas' must be a list of area ids or id beginnings")
        out["areas"] = list(areas)
    if "path" in spec:
        shapes = read_vector(resolve_path(str(spec["path"]), spec_path, settings))
        if shapes.crs is None:
            raise DataError(f"coverage file {spec['path']}: no coordinate system")
        out["wkt"] = shapes.to_crs("EPSG:4326").geometry.union_all().wkt
    return out


def check_zip(path: Path, *, max_bytes: int = MAX_UNZIPPED_BYTES) -> None:
    """Refuse a zip that would unpack too large, or whose entries leave their folder.

    Raises
    ------
    UploadRejected
        With the entry and the reason.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                name = info.filename
                if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
                    raise UploadRejected(f"{path.name}: entry {name!r} points outside the archive")
                total += info.file_size
                if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                    raise UploadRejected(f"{path.name}: entry {name!r} expands "
                                         f"{info.file_size // max(info.compress_size, 1)}x; "
                                         "refusing a possible zip bomb")
            if total > max_bytes:
                raise UploadRejected(f"{path.name}: unpacks to {total / 1e6:.0f} MB, more than "
                                     f"the {max_bytes / 1e6:.0f} MB allowed")
    except zipfile.BadZipFile:
        raise UploadRejected(f"{path.name}: not a valid zip archive") from None


def read_vector(path: Path) -> gpd.GeoDataFrame:
    """Return a GeoDataFrame from GeoJSON, GeoPackage or a zipped shapefile (checked first)."""
    if not path.exists():
        raise DataError(f"file not found: {path.name}")
    if path.suffix.lower() == ".zip":
        check_zip(path)
    try:
        return gpd.read_file(path)
    except Exception:  # pyogrio raises several GDAL error types; their text names paths
        raise DataError(f"{path.name}: this is not a boundary file that can be read: save it "
                        "again as GeoJSON, GeoPackage or a zipped shapefile (with its .shp, "
                        ".shx, .dbf and .prj files) and upload that") from None


def load_boundaries(path: Path, *, id_column: str, name_column: str | None = None,
                    crs: str | None = None, id_width: int | None = None,
                    id_prefix: str | None = None, report: LoadReport | None = None
                    ) -> gpd.GeoDataFrame:
    """Return areas indexed by ``geoid`` with ``name``, ``area_km2`` and EPSG:4326 geometry.

    Invalid geometries are repaired (``make_valid``) and reported; areas that cannot be
    repaired into polygons are refused with the reason. Empty geometries are kept: the
    people living there still count, the area is only not drawn.
    """
    report = report if report is not None else LoadReport()
    gdf = read_vector(path)
    gdf = gdf.rename(columns=_strip_columns(gdf))
    if crs:
        gdf = gdf.set_crs(crs, allow_override=True)
    if gdf.crs is None:
        raise DataError(f"{path.name}: the file declares no coordinate reference system; add "
                        "its .prj file to the zip, or give the CRS (e.g. EPSG:4269) in the "
                        "dataset description")
    geoid = id_values(gdf, id_column, what=path.name, id_prefix=id_prefix, id_width=id_width)
    if geoid.isna().any():
        raise DataError(f"{path.name}: {int(geoid.isna().sum())} areas have no id in column "
                        f"{id_column!r}")
    dupes = geoid[geoid.duplicated()].unique()
    if len(dupes):
        raise DataError(f"{path.name}: ids in {id_column!r} repeat ({', '.join(dupes[:5])}); "
                        "each area needs its own id")
    has_names = bool(name_column) and str(name_column).strip() in gdf.columns
    names = gdf[str(name_column).strip()].astype(str) if has_names else geoid
    out = gpd.GeoDataFrame({"geoid": geoid.to_numpy(), "name": names.to_numpy()},
                           geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    out = _repair_geometries(out, path.name, report)
    out = out.to_crs("EPSG:4326")
    out["area_km2"] = area_km2(out.geometry).fillna(0.0)
    empty = ~drawable(out.geometry)
    if empty.any():
        out.loc[empty, "geometry"] = shapely.Polygon()
        report.notes.append(f"{path.name}: {int(empty.sum())} area(s) have no shape "
                            f"({', '.join(out.loc[empty, 'geoid'][:3])}); kept in the tables, "
                            "not drawn")
    return out.set_index("geoid")


def _repair_geometries(gdf: gpd.GeoDataFrame, file: str, report: LoadReport) -> gpd.GeoDataFrame:
    geoms = gdf.geometry
    bad = pd.Series(drawable(geoms), index=gdf.index) & ~geoms.is_valid
    if not bad.any():
        return gdf
    reasons = shapely.is_valid_reason(geoms[bad].to_numpy())
    fixed = shapely.make_valid(geoms[bad].to_numpy())
    polygonal = []
    for g in fixed:
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        polygonal.append(shapely.union_all(parts) if parts else None)
    gdf = gdf.copy()
    refused = []
    for idx, g, why in zip(gdf.index[bad], polygonal, reasons, strict=True):
        if g is None or g.is_empty:
            refused.append(f"{gdf.at[idx, 'geoid']} ({why})")
            gdf = gdf.drop(index=idx)
        else:
            gdf.at[idx, "geometry"] = g
    repaired = int(bad.sum()) - len(refused)
    if repaired:
        report.warnings.append(f"{file}: repaired {repaired} invalid geometr"
                               f"{'y' if repaired == 1 else 'ies'} "
                               f"(e.g. {reasons[0]})")
    if refused:
        report.warnings.append(f"{file}: refused {len(refused)} area(s) whose shape could not "
                               f"be repaired into a polygon: {'; '.join(refused[:5])}")
    return gdf


def normalize_ids(values: pd.Series, *, id_prefix: str | None = None,
                  id_width: int | None = None) -> pd.Series:
    """Return ids as strings: prefix removed, whitespace trimmed, left-padded with zeros.

    Examples
    --------
    >>> normalize_ids(pd.Series(["1400000US17031010100"]), id_prefix="1400000US").tolist()
    ['17031010100']
    >>> normalize_ids(pd.Series([6001400100]), id_width=11).tolist()
    ['06001400100']
    """
    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v).strip()
        if id_prefix and s.startswith(id_prefix):
            s = s[len(id_prefix):]
        if id_width and s.isdigit():
            s = s.zfill(int(id_width))
        return s or None

    return values.map(one).astype(object)


def id_values(frame: pd.DataFrame, id_spec: str, *, what: str, id_prefix: str | None = None,
              id_width: int | None = None) -> pd.Series:
    """Return each row's area id from one column, or from several through a template.

    A template names columns in braces, with an optional width to zero-pad that part to,
    around fixed text: ``"36{COUNTY:3}{TRACT:6}"`` builds ``36061000100`` from county 61
    and tract 100 (a file with no GEOID column). A row missing any part has no id.

    >>> f = pd.DataFrame({"COUNTY": [61, 5], "TRACT": ["100", "2201"]})
    >>> id_values(f, "36{COUNTY:3}{TRACT:6}", what="t.csv").tolist()
    ['36061000100', '36005002201']
    """
    spec = id_spec.strip()
    if "{" not in spec:
        if spec not in frame.columns:
            raise DataError(f"{what}: no id column {spec!r}; columns are "
                            f"{', '.join(map(str, frame.columns[:30]))}")
        return normalize_ids(frame[spec], id_prefix=id_prefix, id_width=id_width)
    try:
        parsed = list(string.Formatter().parse(spec))
    except ValueError:
        raise DataError(f"{what}: the id template {spec!r} is not well formed; write it as "
                        "fixed text and {COLUMN} or {COLUMN:width} parts") from None
    parts: list[pd.Series | str] = []
    for literal, column, width, _ in parsed:
        if literal:
            parts.append(literal)
        if column is None:
            continue
        if column not in frame.columns:
            raise DataError(f"{what}: the id template names column {column!r}, which is not "
                            f"in the file; columns are {', '.join(map(str, frame.columns[:30]))}")
        if width and not width.isdigit():
            raise DataError(f"{what}: in the id template, {{{column}:{width}}} must give a "
                            "width in digits, e.g. {TRACT:6}")
        values = normalize_ids(frame[column], id_width=int(width) if width else None)
        parts.append(values)
    out = pd.Series("", index=frame.index, dtype=object)
    missing = pd.Series(False, index=frame.index)
    for part in parts:
        if isinstance(part, str):
            out = out + part
        else:
            missing |= part.isna()
            out = out + part.fillna("").astype(str)
    return out.where(~missing, None).astype(object)


def _strip_columns(frame: pd.DataFrame) -> dict[str, str]:
    """Map each column name to itself trimmed (headers like ``'NAME '`` are common)."""
    return {c: c.strip() if isinstance(c, str) else c for c in frame.columns}


#: Encodings a library's export may come in when it is not UTF-8 (Excel and older systems
#: in the Americas and Western Europe); charset-normalizer picks among them by the content.
#: Central European cp1250 is left out on purpose: on short files it wins over cp1252 and
#: turns Spanish "ñ" into "ń".
LEGACY_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "mac_roman", "cp850")


def decode_text(data: bytes, *, name: str) -> tuple[str, str]:
    """Return a text file's content and the encoding it was read with.

    UTF-8 (with or without a byte-order mark) and UTF-16 (with a byte-order mark, or
    without one when every other byte of ASCII text is zero) are taken as they are; a
    legacy single-byte encoding (:data:`LEGACY_ENCODINGS`, as Excel and older library
    systems export) is identified by charset-normalizer from the content.

    Raises
    ------
    DataError
        When no encoding fits (for example a binary file named .csv).

    Examples
    --------
    >>> decode_text("Niños de España, Bogotá".encode("cp1252"), name="x.csv")
    ('Niños de España, Bogotá', 'cp1252')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:  # UTF-16 without a byte-order mark, or not text at all
        half = max(1, len(data) // 2)
        for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
            if zeros.count(0) > half * 0.6:
                try:
                    return data.decode(encoding), "utf-16"
                except UnicodeDecodeError:
                    break
        raise DataError(f"{name}: this is not a text (CSV) file; save it as UTF-8 CSV and "
                        "upload it again")
    best = charset_normalizer.from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        raise DataError(f"{name}: cannot tell its text encoding; save it as UTF-8 CSV and "
                        "upload it again")
    return str(best), str(best.encoding)


def read_table(path: Path) -> pd.DataFrame:
    """Return a table (CSV, or the attributes of a vector file) with every value as text.

    A CSV's encoding is in ``frame.attrs["encoding"]`` (see :func:`decode_text`).
    """
    if not path.exists():
        raise DataError(f"file not found: {path.name}")
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            text, encoding = decode_text(path.read_bytes(), name=path.name)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            frame.attrs["encoding"] = encoding
        else:
            frame = pd.DataFrame(read_vector(path).drop(columns="geometry"))
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path.name}: cannot be read as CSV ({exc})") from None
    out = frame.rename(columns=_strip_columns(frame))
    out.attrs.update(frame.attrs)
    return out


def _missing_values(table: Mapping[str, Any], path: Path) -> list[float]:
    """A table's own codes for a missing value (``"missing_values": [-99999]``), checked."""
    raw = table.get("missing_values", [])
    if not isinstance(raw, list) or not all(isinstance(v, (int, float)) and
                                            not isinstance(v, bool) for v in raw):
        raise DataError(f"{path.name}: 'missing_values' must be a list of numbers, such as "
                        "[-99999]")
    return [float(v) for v in raw]


def to_numbers(values: pd.Series, *, what: str, moe: bool = False,
               report: LoadReport | None = None,
               missing_values: Sequence[float] = ()) -> pd.Series:
    """Return values as floats with ACS sentinels and non-numbers as NaN, and say so.

    A controlled-estimate code (-555555555) in a MOE column means "no sampling error"
    and becomes 0; every other sentinel becomes NaN, as do ``missing_values`` (a source's
    own codes, such as a regional agency's -99999). Commas in numbers are accepted.
    """
    text = values.astype(str).str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    blank = text.isna() | text.isin(["", "nan", "NaN", "None", "NA", "null"])
    bad_text = numbers.isna() & ~blank
    if report is not None and bad_text.any():
        examples = ", ".join(repr(x) for x in text[bad_text].unique()[:3])
        report.warnings.append(f"{what}: {int(bad_text.sum())} value(s) are not numbers "
                               f"({examples}); treated as missing")
    codes = {**SENTINELS, **{float(c): "the source's code for a missing value"
                             for c in missing_values}}
    for code, meaning in codes.items():
        hit = numbers == code
        if hit.any():
            if moe and code == CONTROLLED_MOE:
                numbers[hit] = 0.0
                continue
            numbers[hit] = np.nan
            if report is not None:
                report.notes.append(f"{what}: {int(hit.sum())} value(s) coded {code:.0f} "
                                    f"({meaning}); treated as missing, not as a number")
    negative = numbers < 0
    if negative.any():
        if report is not None:
            report.warnings.append(f"{what}: {int(negative.sum())} negative value(s) such as "
                                   f"{numbers[negative].iloc[0]:g}; treated as missing")
        numbers[negative] = np.nan
    return numbers.astype(float)


def load_table(path: Path, table: Mapping[str, Any], *, area_ids: pd.Index,
               report: LoadReport) -> tuple[pd.DataFrame, list[Variable]]:
    """Return the tidy indicators and catalog variables that one statistics table provides."""
    frame = read_table(path)
    id_column = str(table.get("id", "GEOID")).strip()
    ids = id_values(frame, id_column, what=path.name, id_prefix=table.get("id_prefix"),
                    id_width=table.get("id_width"))
    matched = ids.isin(area_ids)
    if not matched.any():
        raise DataError(f"{path.name}: no id in column {id_column!r} matches an area id "
                        f"(table ids look like {ids.dropna().iloc[:2].tolist()}, area ids like "
                        f"{area_ids[:2].tolist()}); check the id column, its prefix and padding")
    if (~matched).any():
        report.notes.append(f"{path.name}: {int((~matched).sum())} row(s) have ids that are not "
                            "areas of this dataset; ignored")
    frame = frame.loc[matched].copy()
    frame["_geoid"] = ids[matched]
    if frame["_geoid"].duplicated().any():
        dup = frame.loc[frame["_geoid"].duplicated(), "_geoid"].iloc[0]
        raise DataError(f"{path.name}: id {dup} appears in more than one row")
    unmatched_areas = int((~area_ids.isin(frame["_geoid"])).sum())
    if unmatched_areas:
        report.warnings.append(f"{path.name}: {unmatched_areas} area(s) have no row in this "
                               "table; their figures are missing")
    tidy_parts = []
    variables = []
    for spec in table.get("variables", []):
        variable = _variable_from_spec(spec, path)
        est_col = str(spec.get("estimate", spec.get("column", ""))).strip()
        if est_col not in frame.columns:
            raise DataError(f"{path.name}: no column {est_col!r} (for variable {variable.id!r}); "
                            f"columns are {', '.join(frame.columns[:30])}")
        missing = _missing_values(table, path)
        est = to_numbers(frame[est_col], what=f"{path.name} column {est_col}", report=report,
                         missing_values=missing)
        moe_col = spec.get("moe")
        if moe_col:
            if moe_col not in frame.columns:
                raise DataError(f"{path.name}: no MOE column {moe_col!r} for {variable.id!r}")
            moe = to_numbers(frame[moe_col], what=f"{path.name} column {moe_col}", moe=True,
                             report=report, missing_values=missing)
        else:
            moe = pd.Series(np.nan, index=frame.index)
        tidy_parts.append(pd.DataFrame({"geoid": frame["_geoid"].to_numpy(),
                                        "variable": variable.id, "estimate": est.to_numpy(),
                                        "moe": moe.to_numpy()}))
        variables.append(variable)
    tidy = pd.concat(tidy_parts, ignore_index=True) if tidy_parts else pd.DataFrame(
        columns=["geoid", "variable", "estimate", "moe"])
    return tidy, variables


def _variable_from_spec(spec: Mapping[str, Any], path: Path) -> Variable:
    for key in ("id", "label", "topic"):
        if key not in spec:
            raise DataError(f"{path.name}: a variable in the description has no {key!r}: {spec}")
    region, subregion = spec.get("region"), spec.get("subregion")
    country = spec.get("country")
    residual = bool(spec.get("residual", False))
    if spec["topic"] == "origin" and not spec.get("role") and not residual:
        country = str(country or re.sub(r"^Born in\s+", "", str(spec["label"])))
    if country and region is None:
        found = region_of_country(country)
        if found is None:
            raise DataError(f"{path.name}: variable {spec['id']!r} is an origin but its country "
                            f"{spec['label']!r} has no known world region; give 'region'")
        region, subregion = found
    return Variable(id=str(spec["id"]), label=str(spec["label"]), topic=str(spec["topic"]),
                    universe=spec.get("universe"), kind=str(spec.get("kind", "count")),
                    role=spec.get("role"), region=region, subregion=subregion,
                    language=spec.get("language"), country=country, residual=residual)


def derive_sum(indicators: pd.DataFrame, rule: Mapping[str, Any]) -> tuple[pd.DataFrame, Variable]:
    """Return a variable that sums others (``rule["sum"]``), its MOE by the Bureau's formula."""
    parts = list(rule.get("sum", []))
    have = set(indicators["variable"])
    missing = [p for p in parts if p not in have]
    if not parts or missing:
        raise DataError(f"derived variable {rule.get('id')!r}: cannot sum {missing or 'nothing'}")
    sub = indicators[indicators["variable"].isin(parts)]
    est = sub.pivot(index="geoid", columns="variable", values="estimate")[parts]
    moe = sub.pivot(index="geoid", columns="variable", values="moe")[parts]
    total = est.sum(axis=1, min_count=len(parts))
    tidy = pd.DataFrame({"geoid": est.index, "variable": str(rule["id"]),
                         "estimate": total.to_numpy(),
                         "moe": moe_of_sum(est.to_numpy(), moe.to_numpy())})
    variable = _variable_from_spec(rule, Path("derived"))
    return tidy, dataclasses.replace(variable, parts=tuple(parts))


# ---------------------------------------------------------------- assets

_LATLON = re.compile(r"^\s*\(?\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)?\s*$")


def parse_latlon(text: Any) -> tuple[float, float] | None:
    """Return ``(lat, lon)`` from text like ``"(41.69, -87.67)"``; ``None`` if it is not that.

    Examples
    --------
    >>> parse_latlon("(41.69198346617567, -87.6739093032301)")
    (41.69198346617567, -87.6739093032301)
    """
    m = _LATLON.match(str(text or ""))
    return (float(m.group(1)), float(m.group(2))) if m else None


def load_assets(path: Path, source: Mapping[str, Any]) -> tuple[gpd.GeoDataFrame, list[RowProblem]]:
    """Return valid assets from one file and the rows refused, with reasons.

    ``source["fields"]`` maps each asset field to a column name, ``{"value": constant}``,
    ``{"columns": [...], "join": ", "}`` or ``{"column": c, "map": {...}, "default": v}``.
    Coordinates come from the geometry (vector files), from ``latitude``/``longitude``
    columns, or from one ``"(lat, lon)"`` column named by ``location``.
    """
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame = read_table(path)
        lat, lon = _csv_coordinates(frame, source, path)
    else:
        gdf = read_vector(path)
        gdf = gdf.rename(columns=_strip_columns(gdf))
        if gdf.crs is None:
            raise DataError(f"{path.name}: the file declares no coordinate reference system")
        if gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs("EPSG:4326")
        points = gdf.geometry
        is_point = points.notna() & ~points.is_empty & (points.geom_type == "Point")
        lat = pd.Series(np.where(is_point, points.y.where(is_point), np.nan), index=gdf.index)
        lon = pd.Series(np.where(is_point, points.x.where(is_point), np.nan), index=gdf.index)
        frame = pd.DataFrame(gdf.drop(columns="geometry"))
    fields = dict(source.get("fields", {}))
    records = pd.DataFrame(index=frame.index)
    for name in ASSET_COLUMNS:
        if name in fields:
            records[name] = _field_values(frame, fields[name], name, path)
    records["latitude"] = lat.to_numpy()
    records["longitude"] = lon.to_numpy()
    if "website" in records.columns:
        records["website"] = records["website"].map(_website)
    return normalize_assets(records.reset_index(drop=True), source=path.name,
                            id_prefix=source.get("id_prefix"))


def _csv_coordinates(frame: pd.DataFrame, source: Mapping[str, Any], path: Path
                     ) -> tuple[pd.Series, pd.Series]:
    location = source.get("location")
    if location:
        if location not in frame.columns:
            raise DataError(f"{path.name}: no location column {location!r}")
        pairs = frame[location].map(parse_latlon)
        lat = pairs.map(lambda p: p[0] if p else np.nan)
        lon = pairs.map(lambda p: p[1] if p else np.nan)
        return lat.astype(float), lon.astype(float)
    lat_col, lon_col = source.get("latitude", "latitude"), source.get("longitude", "longitude")
    for col in (lat_col, lon_col):
        if col not in frame.columns:
            raise DataError(f"{path.name}: no {col!r} column; name the latitude and longitude "
                            "columns, or a single '(lat, lon)' location column")
    return (pd.to_numeric(frame[lat_col], errors="coerce"),
            pd.to_numeric(frame[lon_col], errors="coerce"))


def _field_values(frame: pd.DataFrame, rule: Any, name: str, path: Path) -> pd.Series:
    def column(col: str) -> pd.Series:
        col = col.strip()
        if col not in frame.columns:
            raise DataError(f"{path.name}: no column {col!r} (for asset field {name!r}); "
                            f"columns are {', '.join(map(str, frame.columns[:30]))}")
        return frame[col]

    if isinstance(rule, str):
        return column(rule)
    if not isinstance(rule, Mapping):
        raise DataError(f"{path.name}: asset field {name!r} has an unreadable rule {rule!r}")
    if "value" in rule:
        value = rule["value"]
        return pd.Series([value] * len(frame), index=frame.index, dtype=object)
    if "columns" in rule:
        sep = rule.get("join", ", ")
        parts = [column(c).map(lambda v: "" if v is None or v != v else str(v).strip())
                 for c in rule["columns"]]
        joined = parts[0]
        for p in parts[1:]:
            joined = joined.str.cat(p, sep=sep)
        return joined.str.strip(sep.strip() + " ")
    if "column" in rule:
        values = column(rule["column"])
        mapping = rule.get("map")
        if mapping is None:
            return values
        default = rule.get("default")
        return values.map(lambda v: mapping.get(str(v).strip(), default)
                          if v is not None else default)
    raise DataError(f"{path.name}: asset field {name!r} needs 'value', 'column' or 'columns'")


def _website(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("url", "")
    text = "" if value is None or value != value else str(value).strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("url", ""))
        except (json.JSONDecodeError, AttributeError):
            return ""
    return text
