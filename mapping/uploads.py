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
from pathlib import Path
from typing import Any

import pandas as pd

from mapping.datasets import SPECS_DIR, LoadReport, check_zip, load_from_spec
from mapping.errors import DataError, UploadRejected
from mapping.settings import Settings

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
    """Return a dataset description (see :mod:`mapping.datasets`) from a user's choices."""
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
