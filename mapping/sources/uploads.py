"""Datasets a user uploads: bounded storage of the files, and saving a dataset description.

An upload is checked before anything reads it (size, file type, zip contents). Saving is
all or nothing: the files and description are written to a temporary folder, loaded once
as the app would load them, and only then moved into ``data/datasets/<id>/``. A dataset
that does not load is never half-saved, and an existing dataset is never overwritten.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mapping.infra.errors import DataError, UploadRejected
from mapping.infra.settings import Settings
from mapping.sources.catalog import LANGUAGE_GROUPS, ROLES
from mapping.sources.datasets import SPECS_DIR, LoadReport, check_zip, load_from_spec, normalize_ids

BOUNDARY_TYPES = (".geojson", ".json", ".gpkg", ".zip")
TABLE_TYPES = (".csv",)
ASSET_TYPES = (".geojson", ".json", ".gpkg", ".csv")


def safe_filename(name: str) -> str:
    """Return a file name with no folders and only plain characters.

    Examples
    --------
    >>> safe_filename("../../app.py")
    'app.py'
    >>> safe_filename("Tracts 2020 (Cook).GeoJSON")
    'Tracts_2020_Cook.geojson'
    """
    base = re.split(r"[\\\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "upload"
    return f"{stem}.{ext.lower()}" if ext else stem


def store_upload(name: str, data: bytes, folder: Path, *, allowed: Sequence[str],
                 max_bytes: int) -> Path:
    """Write an uploaded file into ``folder`` after checking its size, type and contents.

    Raises
    ------
    UploadRejected
        Too large, a type that is not allowed, or an unsafe zip archive.
    """
    filename = safe_filename(name)
    suffix = Path(filename).suffix.lower()
    if suffix not in allowed:
        raise UploadRejected(f"{name}: files of type {suffix or '(none)'} are not accepted here; "
                             f"use {', '.join(allowed)}")
    if len(data) > max_bytes:
        raise UploadRejected(f"{name}: {len(data) / 2**20:.1f} MB is more than the "
                             f"{max_bytes / 2**20:.0f} MB allowed (setting NAM_MAX_UPLOAD_MB)")
    if not data:
        raise UploadRejected(f"{name}: the file is empty")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_bytes(data)
    if suffix == ".zip":
        try:
            check_zip(path, max_bytes=max_bytes * 20)
        except UploadRejected:
            path.unlink(missing_ok=True)
            raise
    return path


def _saved(root: Path) -> dict[str, int]:
    """The saved datasets under ``root`` and their sizes in bytes (work folders left out)."""
    if not root.is_dir():
        return {}
    return {d.name: sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
            for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")}


def check_quota(settings: Settings, *, adding: int, replacing: str | None = None) -> None:
    """Refuse a dataset that would pass the quota on saved datasets (their number, and their
    size in all), with a message that says what to do. ``replacing``: the id of a dataset
    being refreshed (it does not count twice)."""
    saved = _saved(settings.datasets_dir)
    kept = {k: v for k, v in saved.items() if k != replacing}
    if replacing is None and len(kept) >= settings.max_datasets:
        raise UploadRejected(f"{len(kept):,} datasets are saved already, the most this copy "
                             f"keeps (setting NAM_MAX_DATASETS); remove one on the Data page "
                             "or ask the administrator to raise the limit")
    limit = settings.max_datasets_mb * 1_000_000
    if sum(kept.values()) + adding > limit:
        raise UploadRejected(f"saving this dataset ({adding / 1e6:,.1f} MB) would pass the "
                             f"{settings.max_datasets_mb:,} MB kept for saved datasets "
                             f"({sum(kept.values()) / 1e6:,.1f} MB used; setting "
                             "NAM_MAX_DATASETS_MB); remove one on the Data page or ask the "
                             "administrator to raise the limit")


def prune_folders(root: Path, *, older_than_s: float, now: float | None = None) -> int:
    """Remove the folders directly under ``root`` in which nothing changed for
    ``older_than_s`` seconds (upload folders of browser sessions that ended, removed
    datasets past their keeping time); return how many went."""
    if not root.is_dir():
        return 0
    now = time.time() if now is None else now
    gone = 0
    for folder in root.iterdir():
        if not folder.is_dir() or folder.is_symlink():
            continue
        newest = max((f.lstat().st_mtime for f in folder.rglob("*")),
                     default=folder.stat().st_mtime)
        if now - max(newest, folder.stat().st_mtime) > older_than_s:
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    return gone


#: A removed dataset is kept this long under ``data/datasets/.removed/`` (an administrator
#: can move it back), then deleted at a later removal.
KEEP_REMOVED_S = 30 * 24 * 3600


def remove_dataset(settings: Settings, dataset_id: str) -> Path:
    """Take a saved dataset off the list (and out of the quota); return where it is kept.

    Only datasets saved on this server (uploads, Census loads) can be removed; the demo
    and the built-in descriptions cannot. Assets imported from it stay in the asset
    database.
    """
    root = settings.datasets_dir
    folder = root / dataset_id
    if (slugify(dataset_id) != dataset_id or not (folder / "dataset.json").is_file()
            or folder.is_symlink()):
        raise DataError(f"{dataset_id!r} is not a dataset saved on this server; only those "
                        "can be removed")
    trash = root / ".removed"
    trash.mkdir(exist_ok=True)
    prune_folders(trash, older_than_s=KEEP_REMOVED_S)
    kept = trash / f"{dataset_id}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.rename(kept)
    os.utime(kept)  # its keeping time starts now
    return kept


def numeric_columns(frame: pd.DataFrame, *, min_share: float = 0.8) -> list[str]:
    """Return columns whose non-blank values are mostly numbers (candidates for statistics)."""
    out = []
    for col in frame.columns:
        text = frame[col].astype(str).str.strip().str.replace(",", "", regex=False)
        text = text[~text.isin(["", "nan", "None"]) & text.notna()]
        if len(text) and pd.to_numeric(text, errors="coerce").notna().mean() >= min_share:
            out.append(str(col))
    return out


def slugify(name: str) -> str:
    """Return an id for a dataset name: lower case letters, digits and underscores."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:40] or "dataset"


def build_spec(*, name: str, source: str, year: str, areas: Mapping[str, Any],
               tables: Sequence[Mapping[str, Any]], assets: Sequence[Mapping[str, Any]] = ()
               ) -> dict[str, Any]:
    """Return a dataset description (see :mod:`mapping.sources.datasets`) from a user's choices."""
    if not name.strip():
        raise DataError("give the dataset a name")
    if not tables or not any(t.get("variables") for t in tables):
        raise DataError("choose at least one statistics column to map")
    return {"name": name.strip(), "source": source.strip() or "Uploaded by a user",
            "year": year.strip(), "synthetic": False, "areas": dict(areas),
            "tables": [dict(t) for t in tables], "assets": [dict(a) for a in assets]}


def save_dataset(spec: Mapping[str, Any], files: Mapping[str, Path], settings: Settings, *,
                 dataset_id: str | None = None) -> tuple[str, LoadReport]:
    """Save a dataset; return its id and the load report.

    ``files`` maps each file name used in ``spec`` to its file. The dataset is loaded from a
    temporary folder first; only a dataset that loads is moved into place. Without
    ``dataset_id`` a new id is made from the name and nothing existing is touched; with it,
    that dataset is replaced (a refresh), and the old copy stays until the new one is in.
    """
    root = settings.datasets_dir
    root.mkdir(parents=True, exist_ok=True)
    check_quota(settings, adding=sum(Path(f).stat().st_size for f in files.values()),
                replacing=dataset_id)
    if dataset_id is None:
        base = slugify(str(spec["name"]))
        dataset_id = base
        n = 2
        while (root / dataset_id).exists() or (SPECS_DIR / f"{dataset_id}.json").exists():
            dataset_id = f"{base}_{n}"
            n += 1
    elif slugify(dataset_id) != dataset_id or (SPECS_DIR / f"{dataset_id}.json").exists():
        raise DataError(f"{dataset_id!r} cannot be used as a dataset id")
    staging = Path(tempfile.mkdtemp(prefix=".saving-", dir=root))
    old = root / f".replaced-{dataset_id}"
    try:
        for filename, src in files.items():
            shutil.copyfile(src, staging / safe_filename(filename))
        spec_path = staging / "dataset.json"
        spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
        _, _, report, _ = load_from_spec(spec, spec_path, settings)
        target = root / dataset_id
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not (root / dataset_id).exists():
            old.rename(root / dataset_id)  # put the previous copy back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return dataset_id, report


# ---------------------------------------------------------------- proposing a mapping

#: ACS variables whose meaning does not change between releases (C16001's language lines
#: are added from :data:`mapping.sources.catalog.LANGUAGE_GROUPS`, in table order, below).
_KNOWN_ACS = {
    "B01001_001": ("Total population", "population", "total_population"),
    "B01003_001": ("Total population", "population", "total_population"),
    "B05002_001": ("Total population", "population", "total_population"),
    "B05002_013": ("Foreign-born", "origin", "foreign_born"),
    "B05012_003": ("Foreign-born", "origin", "foreign_born"),
    "C16001_001": ("Population 5 years and over", "population", "population_5plus"),
}
_ACS_CODE = re.compile(r"^([BC]\d{5}[A-Z]?_\d{3})E$")
_NOT_A_STATISTIC = re.compile(
    r"(?i)^(geoid\d*|geo_id|affgeoid\d*|statefp\d*|countyfp\d*|tractce\d*|state|county|tract|"
    r"name.*|namelsad.*|mtfcc.*|funcstat.*|aland.*|awater.*|intpt.*|objectid|fid|id|"
    r"shape_.*|area.*|.*sq_?mi.*|.*sq_?km.*|lat.*|lon.*|x|y)$|pct|percent|perc_|percentile|"
    r"rate$|_rt$|ratio|share|median|avg|mean")
_ROLE_NAMES = (
    ("population_5plus", re.compile(r"(?i)(pop\w*5|5_?plus|five_?plus|over_?5|speakers_base)")),
    ("lep_total", re.compile(r"(?i)(^lep|_lep|lep_|less_?(than_?)?very_?well|en_?lw|"
                             r"limited_?english)")),
    ("foreign_born", re.compile(r"(?i)(foreign|^fb_|_fb_|^fb$|fb_?cnt)")),
    ("total_population", re.compile(r"(?i)^(tot(al)?_?pop(ulation)?\w*|pop(ulation)?(_?tot"
                                    r"(al)?)?\w*|total)$")),
)


def moe_column_of(column: str, columns: Sequence[str]) -> str | None:
    """Return the margin-of-error column paired with an estimate column, by name.

    >>> cols = ["B05006_062E", "B05006_062M", "FB_CntEst", "FB_CntMOE", "estimate", "moe",
    ...         "lep", "lep_moe"]
    >>> [moe_column_of(c, cols) for c in ("B05006_062E", "FB_CntEst", "estimate", "lep")]
    ['B05006_062M', 'FB_CntMOE', 'moe', 'lep_moe']
    """
    have = set(columns)
    candidates: list[str] = []
    if _ACS_CODE.match(column):
        candidates.append(column[:-1] + "M")
    for end, moe in (("Est", "MOE"), ("Est", "Moe"), ("_est", "_moe"), ("_E", "_M"),
                     ("_estimate", "_moe"), ("Estimate", "MOE")):
        if column.endswith(end):
            candidates.append(column[: -len(end)] + moe)
    if column.lower() == "estimate":
        candidates += ["moe", "MOE", "margin_of_error"]
    candidates += [f"{column}_moe", f"{column}_MOE", f"{column}MOE", f"{column} MOE"]
    return next((c for c in candidates if c in have and c != column), None)


def propose_variables(frame: pd.DataFrame, *, exclude: Sequence[str] = ()) -> pd.DataFrame:
    """Propose which columns of a statistics table are which catalog variables.

    Returns one row per plausible statistic column (numbers; not ids, names, areas,
    percentages or margins of error) with ``use`` (proposed to map: a recognised role,
    a known ACS code or a paired MOE column), ``label``, ``topic``, ``role``,
    ``language``, ``moe_column`` and ``universe`` (the column a share is of).
    """
    columns = [str(c) for c in frame.columns]
    numeric = [c for c in numeric_columns(frame) if c not in exclude]
    moes = {c: m for c in numeric if (m := moe_column_of(c, columns)) is not None}
    paired = set(moes.values())
    c16001 = {f"C16001_{5 + 3 * i:03d}": g for i, g in enumerate(LANGUAGE_GROUPS)}
    rows = []
    for col in numeric:
        if col in paired or _NOT_A_STATISTIC.search(col):
            continue
        code = _ACS_CODE.match(col)
        label, topic, role, language = col, "population", None, None
        if code and code.group(1) in _KNOWN_ACS:
            label, topic, role = _KNOWN_ACS[code.group(1)]
        elif code and code.group(1) in c16001:
            group = c16001[code.group(1)]
            label, topic, language = (f"{group.label}: speak English less than 'very well'",
                                      "language", group.key)
        else:
            role = next((r for r, pattern in _ROLE_NAMES if pattern.search(col)), None)
            if role:
                label, topic = ROLES[role], {"foreign_born": "origin",
                                             "lep_total": "language"}.get(role, "population")
        rows.append({"use": bool(role or language or code or col in moes), "column": col,
                     "label": label, "topic": topic, "role": role, "language": language,
                     "moe_column": moes.get(col), "universe": None})
    out = pd.DataFrame(rows, columns=["use", "column", "label", "topic", "role", "language",
                                      "moe_column", "universe"])
    # One column per role (the first), then universes from the roles present.
    seen: set[str] = set()
    for i, role in out["role"].items():
        if role in seen:  # a second 'LEP' column is one language's, not the total
            out.at[i, "role"], out.at[i, "label"] = None, out.at[i, "column"]
        elif role:
            seen.add(role)
    by_role = {r: c for c, r in zip(out["column"], out["role"], strict=True) if r}
    total, pop5 = by_role.get("total_population"), by_role.get("population_5plus")
    for i, row in out.iterrows():
        if row["topic"] == "language":
            out.at[i, "universe"] = pop5 or total
        elif row["role"] in ("foreign_born", "population_5plus") or row["topic"] == "origin":
            out.at[i, "universe"] = total
    out.loc[out["column"] == out["universe"], "universe"] = None
    out = out.astype(object)
    return out.where(pd.notna(out), None)


@dataclass(frozen=True)
class JoinProposal:
    """Which id column of the areas and of the table join, and how well."""

    area_column: str
    table_column: str
    id_prefix: str | None
    id_width: int | None
    matched: int
    areas: int

    def sentence(self) -> str:
        """E.g. "GEOID10 ↔ GEOID10: 384 of 384 areas match"."""
        return (f"{self.area_column} ↔ {self.table_column}: {self.matched:,} of "
                f"{self.areas:,} areas match")


def propose_join(areas: pd.DataFrame, table: pd.DataFrame) -> JoinProposal | None:
    """Propose the id pairing of a boundary file and a table by how many areas match.

    Each column of either whose values are unique is tried against each of the other's,
    after removing a ``1400000US`` prefix and zero-padding numbers to the areas' width.
    """
    def keys(frame: pd.DataFrame) -> list[str]:
        out = []
        for c in frame.columns:
            if c == "geometry":
                continue
            values = frame[c].dropna().astype(str).str.strip()
            if len(values) and values.is_unique and values.str.len().max() <= 40:
                out.append(str(c))
        return out

    best: JoinProposal | None = None
    for a in keys(areas):
        area_ids = normalize_ids(areas[a], id_prefix="1400000US")
        lengths = area_ids.dropna().str.len()
        width = int(lengths.max()) if len(lengths) and area_ids.dropna().str.isdigit().all() \
            else None
        wanted = set(area_ids.dropna())
        for t in keys(table):
            raw = table[t].astype(str).str.strip()
            prefix = "1400000US" if raw.str.startswith("1400000US").any() else None
            ids = normalize_ids(table[t], id_prefix=prefix, id_width=width)
            matched = len(wanted & set(ids.dropna()))
            if matched and (best is None or matched > best.matched):
                best = JoinProposal(a, t, prefix, width, matched, len(wanted))
    return best


_ASSET_FIELDS = (
    ("name", r"^(name|site_?name|facility(_?name)?|agency(_?name)?|program(_?name)?|title|"
             r"location_?name|branch)$"),
    ("category", r"^(category|type|kind|asset_?type)$"),
    ("location", r"^(location|coordinates|lat_?lon|latlon|point)$"),
    ("latitude", r"^(lat|latitude|y|lat_?dd)$"),
    ("longitude", r"^(lon|lng|long|longitude|x|lon_?dd)$"),
    ("organization", r"^(organi[sz]ation|org|agency|provider|parent)$"),
    ("services", r"^(services?|programs?|service_?types?)$"),
    ("languages", r"^(languages?|lang)$"),
    ("communities", r"^(communit(y|ies)|populations?(_?served)?|served)$"),
    ("address", r"^(address|street(_?address)?|addr)$"),
    ("phone", r"^(phone|telephone|phone_?number|tel)$"),
    ("website", r"^(website|url|web(_?site)?|link)$"),
    ("hours", r"^(hours|hours_?of_?operation|opening_?hours|schedule)$"),
    ("description", r"^(description|notes?|about|summary)$"),
)


def propose_asset_columns(columns: Sequence[str]) -> dict[str, str]:
    """Propose which column of an asset file is which asset field, by its name.

    >>> propose_asset_columns(["site_name", "ADDRESS", "Phone", "LOCATION", "HOURS OF OPERATION"])
    {'name': 'site_name', 'location': 'LOCATION', 'address': 'ADDRESS', 'phone': 'Phone', \
'hours': 'HOURS OF OPERATION'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for field, pattern in _ASSET_FIELDS:
        found = next((c for c in columns if c not in used and re.fullmatch(
            pattern, re.sub(r"[\s\-]+", "_", str(c).strip()), flags=re.I)), None)
        if found is not None:
            out[field] = found
            used.add(found)
    return out
