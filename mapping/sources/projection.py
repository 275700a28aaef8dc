"""Distances in metres: a projected CRS chosen for the data, and points in it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from mapping.sources.areas import drawable


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


def nearest_sites(origins: np.ndarray, sites: np.ndarray, site_ids: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For points ``origins`` (shapely points, metres), the nearest of ``sites``.

    The one tie rule of the project: among sites equally near (within a millimetre, so
    that rounding in reprojection does not decide) the one with the smallest id wins, so
    the same inputs always give the same answer (branches' service areas and the gap
    analysis alike). Returns ``(origin index, site index, distance)`` for every origin.
    """
    tree = shapely.STRtree(sites)
    near_idx, near_dist = tree.query_nearest(origins, return_distance=True)
    best = np.full(len(origins), np.inf)
    best[near_idx[0]] = near_dist
    reach = np.where(np.isfinite(best), best + TIE_M, 0.0)
    pairs = tree.query(origins, predicate="dwithin", distance=reach)
    dist = shapely.distance(origins[pairs[0]], sites[pairs[1]])
    keep = dist <= reach[pairs[0]]
    pairs, dist = pairs[:, keep], dist[keep]
    ids = np.asarray(site_ids).astype(str)
    order = np.lexsort((ids[pairs[1]], pairs[0]))
    pairs, dist = pairs[:, order], dist[order]
    first = np.unique(pairs[0], return_index=True)[1]
    return pairs[0][first], pairs[1][first], dist[first]


#: Distances closer than this are a tie (metres).
TIE_M = 0.001


#: How a source's coverage is found from its points when it declares none.
DERIVED_COVERAGE_RULE = ("the concave hull of its points (shapely, ratio 0.1) widened by "
                         "1 km")


def coverage_from_points(points: gpd.GeoSeries) -> shapely.Geometry:
    """Return where a set of assets was surveyed, by :data:`DERIVED_COVERAGE_RULE`
    (WGS84); fewer than three points: 1 km around each."""
    pts = points[~points.is_empty & points.notna()]
    if pts.empty:
        return shapely.Polygon()
    crs = metric_crs(pts)
    metric = pts.to_crs(crs)
    multi = shapely.MultiPoint(list(metric.geometry.to_numpy()))
    hull = shapely.concave_hull(multi, ratio=0.1) if len(metric) >= 3 else multi
    area = gpd.GeoSeries([shapely.buffer(hull, 1000.0)], crs=crs).to_crs("EPSG:4326")
    return area.iloc[0]
