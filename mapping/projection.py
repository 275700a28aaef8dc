"""Distances in metres: a projected CRS chosen for the data, and points in it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from mapping.areas import drawable


def metric_crs(geometry: gpd.GeoSeries) -> CRS:
    """Return the UTM zone CRS (metres) that holds the centre of these geometries."""
    shown = geometry[drawable(geometry)]
    crs = shown.estimate_utm_crs() if len(shown) else None
    if crs is None:  # pragma: no cover - only for empty input
        return CRS.from_epsg(3857)
    return crs


def metric_points(points: gpd.GeoSeries, crs: CRS) -> np.ndarray:
    """Return an (n, 2) array of x, y in metres for point geometries."""
    projected = points.to_crs(crs)
    return shapely.get_coordinates(projected.to_numpy())


def area_points(areas: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Return one point per area inside it (representative point; empty areas stay empty)."""
    return areas.geometry.representative_point()
