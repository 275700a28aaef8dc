"""Exports of the asset database: CSV, GeoJSON and GeoPackage, safe to hand out.

A public export holds public assets and sensitive ones moved to the centre of their area
with the address withheld; staff-only assets stay inside. Personal contacts are never part
of an asset record, so no export can carry them. CSV cells that a spreadsheet would run
as a formula are neutralised.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapping.infra.errors import DataError
from mapping.present.escape import neutralise_formula
from mapping.records.addresses import ADDRESS_FIELDS
from mapping.records.assets import ASSET_COLUMNS, category, display_points

AUDIENCES = ("public", "staff")
EXPORT_COLUMNS = (*ASSET_COLUMNS, "category_label", "latitude", "longitude", "location_note",
                  "last_verified")


def export_frame(assets: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, audience: str = "public"
                 ) -> gpd.GeoDataFrame:
    """Return the assets as they may leave the app for ``audience`` (see module doc)."""
    if audience not in AUDIENCES:
        raise DataError(f"unknown audience {audience!r}; use public or staff")
    shown = assets[assets["visibility"] != "staff"] if audience == "public" else assets
    shown = shown.copy()
    points = display_points(shown, areas)
    sensitive = shown["visibility"] == "sensitive"
    for col in ("address", *ADDRESS_FIELDS):
        if col in shown:
            shown.loc[sensitive, col] = ""
    out = pd.DataFrame({c: shown.get(c, "") for c in ASSET_COLUMNS})
    for col in ("services", "languages", "communities"):
        out[col] = out[col].map(lambda v: "; ".join(v) if isinstance(v, list | tuple) else v)
    out["category_label"] = shown["category"].map(lambda k: category(k).label)
    out["latitude"] = points.y.round(6).to_numpy()
    out["longitude"] = points.x.round(6).to_numpy()
    out["location_note"] = sensitive.map({True: "approximate: centre of its area (sensitive "
                                                "site)", False: ""}).to_numpy()
    out["last_verified"] = (shown["last_verified"].astype(str).replace({"None": "", "NaT": ""})
                            if "last_verified" in shown else "")
    return gpd.GeoDataFrame(out[list(EXPORT_COLUMNS)].reset_index(drop=True),
                            geometry=gpd.points_from_xy(out["longitude"], out["latitude"]),
                            crs="EPSG:4326")


def to_csv(frame: gpd.GeoDataFrame) -> str:
    """Return CSV text where no cell starts a formula (= + - @, tab, CR are quoted away)."""
    table = pd.DataFrame(frame.drop(columns="geometry"))
    for col in table.columns:
        if not pd.api.types.is_numeric_dtype(table[col]):
            table[col] = table[col].map(lambda v: "" if v is None or v != v
                                        else neutralise_formula(str(v)))
    return table.to_csv(index=False)


def to_geojson(frame: gpd.GeoDataFrame) -> str:
    """Return the export as GeoJSON text (WGS84)."""
    return frame.to_json(drop_id=True)


def to_geopackage(frame: gpd.GeoDataFrame, *, layer: str = "community_assets") -> bytes:
    """Return the export as a GeoPackage file (opens in QGIS)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "assets.gpkg"
        frame.to_file(path, layer=layer, driver="GPKG")
        return path.read_bytes()
