"""The area set: census areas, their statistics in tidy form, and the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.infra.errors import DataError
from mapping.sources.catalog import Catalog

#: Equal-area CRS used for densities (NSIDC EASE-Grid 2.0 Global, metres).
EQUAL_AREA_CRS = "EPSG:6933"
INDICATOR_COLUMNS = ("geoid", "variable", "estimate", "moe")


def drawable(geometry: gpd.GeoSeries) -> np.ndarray:
    """Return a mask of geometries that are present and not empty."""
    values = geometry.to_numpy()
    return ~(shapely.is_missing(values) | shapely.is_empty(values))


def area_km2(geometry: gpd.GeoSeries) -> pd.Series:
    """Return the area of each geometry in square kilometres (equal-area projection)."""
    return geometry.to_crs(EQUAL_AREA_CRS).area / 1e6


@dataclass(frozen=True, eq=False)
class AreaSet:
    """Areas (GeoDataFrame indexed by ``geoid``) + tidy indicators + their catalog.

    Parameters
    ----------
    areas
        Index ``geoid`` (str); columns ``name``, ``area_km2`` and ``geometry`` in
        EPSG:4326. An area with an empty geometry is kept (its people count) but not drawn.
    indicators
        Columns ``geoid, variable, estimate, moe``; one row per area and variable.
        Missing values are NaN, never sentinel numbers.
    catalog
        Describes every variable in ``indicators``.
    title, source, year
        What the legend and the profile say about the data.
    synthetic
        True for generated demo data; every view labels it as such.
    """

    areas: gpd.GeoDataFrame
    indicators: pd.DataFrame
    catalog: Catalog
    title: str
    source: str
    year: str
    synthetic: bool = False

    def __post_init__(self) -> None:
        validate_area_set(self)

    @cached_property
    def estimates(self) -> pd.DataFrame:
        """Wide table of estimates: one row per area (in ``areas`` order), one column per variable."""
        return self._wide("estimate")

    @cached_property
    def moes(self) -> pd.DataFrame:
        """Wide table of margins of error, aligned with :attr:`estimates`."""
        return self._wide("moe")

    def _wide(self, column: str) -> pd.DataFrame:
        wide = self.indicators.pivot(index="geoid", columns="variable", values=column)
        wide = wide.reindex(index=self.areas.index, columns=[v.id for v in self.catalog])
        return wide.astype(float)

    @property
    def label(self) -> str:
        """Title with the synthetic warning where it applies."""
        return f"{self.title} (synthetic demo data)" if self.synthetic else self.title


def validate_area_set(area_set: AreaSet) -> None:
    """Raise :class:`DataError` unless the area set is internally consistent."""
    areas = area_set.areas
    if areas.index.name != "geoid":
        raise DataError("areas must be indexed by 'geoid'")
    if not areas.index.is_unique:
        dupes = areas.index[areas.index.duplicated()].unique()[:5].tolist()
        raise DataError(f"area ids must be unique; repeated: {', '.join(map(str, dupes))}")
    if areas.crs is None or areas.crs.to_epsg() != 4326:
        raise DataError("areas must be in EPSG:4326 (WGS84 longitude/latitude)")
    for col in ("name", "area_km2"):
        if col not in areas.columns:
            raise DataError(f"areas need a {col!r} column")
    missing = [c for c in INDICATOR_COLUMNS if c not in area_set.indicators.columns]
    if missing:
        raise DataError(f"indicators need columns {', '.join(missing)}")
    unknown = set(area_set.indicators["variable"].unique()) - {v.id for v in area_set.catalog}
    if unknown:
        raise DataError(f"indicators use variables not in the catalog: {', '.join(sorted(unknown))}")
    est = area_set.indicators["estimate"].to_numpy(dtype=float)
    if np.isinf(est).any():
        raise DataError("indicators hold infinite estimates")
