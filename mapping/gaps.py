"""Service gaps: where many people in a community have no matching service nearby.

For one community (limited-English speakers of chosen languages, or people born in
chosen countries) and the chosen services:

* **need** per area is the number of people in the community (with its MOE);
* **access** is the distance in metres from the area's representative point to the
  nearest matching asset, and how many matching assets lie within the walking radius;
* the **gap score** is ``need x min(distance, cap) / 1 km``: people times the kilometres
  they would travel to the nearest matching service (capped at 10 km), so an area with
  many people far from any service ranks first;
* **where to go next** picks ``k`` candidate sites that together bring the most
  *unserved* need (areas with no matching asset within the radius) within the radius
  (greedy maximal coverage).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.areas import AreaSet, drawable
from mapping.errors import DataError
from mapping.filters import MeasureResult
from mapping.projection import area_points, metric_crs, metric_points

DEFAULT_RADIUS_M = 800.0
DISTANCE_CAP_M = 10_000.0
GAP_FORMULA = ("gap score = people in need × kilometres to the nearest matching service "
               "(capped at 10 km)")


def access(area_set: AreaSet, matching: gpd.GeoDataFrame, *, radius_m: float = DEFAULT_RADIUS_M
           ) -> pd.DataFrame:
    """Return per area the distance to the nearest matching asset and the count within radius.

    Returns
    -------
    DataFrame indexed by ``geoid``: ``nearest_m`` (inf when there is no matching asset),
    ``nearest_id`` and ``within_radius`` (assets at distance <= ``radius_m``).
    """
    if radius_m <= 0:
        raise DataError("the walking radius must be more than 0 metres")
    areas = area_set.areas
    shown = drawable(areas.geometry)
    out = pd.DataFrame({"nearest_m": np.inf, "nearest_id": None, "within_radius": 0},
                       index=areas.index)
    if matching.empty:
        return out
    crs = metric_crs(areas.geometry)
    pts = shapely.points(metric_points(area_points(areas[shown]), crs))
    sites = shapely.points(metric_points(matching.geometry, crs))
    tree = shapely.STRtree(sites)
    pairs, dist = tree.query_nearest(pts, return_distance=True)
    geoids = areas.index[shown]
    out.loc[geoids[pairs[0]], "nearest_m"] = dist
    out.loc[geoids[pairs[0]], "nearest_id"] = matching["asset_id"].to_numpy()[pairs[1]]
    near = tree.query(pts, predicate="dwithin", distance=radius_m)
    counts = np.bincount(near[0], minlength=len(pts))
    out.loc[geoids, "within_radius"] = counts
    return out


def gap_table(area_set: AreaSet, need: MeasureResult, matching: gpd.GeoDataFrame, *,
              radius_m: float = DEFAULT_RADIUS_M) -> pd.DataFrame:
    """Return every area with need, access and gap score, worst first.

    ``need`` is a count measure (see :func:`mapping.filters.compute_measure`); its
    reliability travels with each row so a planner sees which needs are uncertain.
    """
    if need.kind != "count":
        raise DataError("the gap analysis needs counts of people: choose the 'Number of "
                        "people' measure")
    acc = access(area_set, matching, radius_m=radius_m)
    table = pd.DataFrame({
        "name": area_set.areas["name"],
        "need": need.values["estimate"],
        "need_moe": need.values["moe"],
        "reliability": need.values["reliability"],
        "nearest_m": acc["nearest_m"],
        "nearest_id": acc["nearest_id"],
        "within_radius": acc["within_radius"],
    })
    table["gap_score"] = table["need"].fillna(0) * np.minimum(table["nearest_m"],
                                                              DISTANCE_CAP_M) / 1000
    table["served"] = table["within_radius"] > 0
    table = table[drawable(area_set.areas.geometry)]
    return table.sort_values(["gap_score", "need"], ascending=False, kind="mergesort")


@dataclass(frozen=True)
class SitePick:
    """One chosen site and the unserved need it brings within the radius."""

    rank: int
    candidate_id: str
    label: str
    need_covered: float
    areas_covered: tuple[str, ...]


def candidate_sites(area_set: AreaSet, assets: gpd.GeoDataFrame, *, kinds: tuple[str, ...]
                    ) -> gpd.GeoDataFrame:
    """Return candidate places for a pop-up service or outreach event.

    ``kinds`` picks from ``"branches"`` (library branches), ``"assets"`` (every active
    asset, which could host) and ``"areas"`` (each area's representative point).
    """
    frames = []
    if "branches" in kinds or "assets" in kinds:
        pool = assets[assets["status"] == "active"]
        if "assets" not in kinds:
            pool = pool[pool["category"] == "library"]
        frames.append(gpd.GeoDataFrame({"candidate_id": "asset:" + pool["asset_id"],
                                        "label": pool["name"]}, geometry=pool.geometry.values,
                                       crs="EPSG:4326"))
    if "areas" in kinds:
        shown = area_set.areas[drawable(area_set.areas.geometry)]
        frames.append(gpd.GeoDataFrame({"candidate_id": "area:" + shown.index,
                                        "label": "Centre of " + shown["name"]},
                                       geometry=area_points(shown).values, crs="EPSG:4326"))
    if not frames:
        raise DataError("choose at least one kind of candidate site")
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def greedy_sites(area_set: AreaSet, gaps: pd.DataFrame, candidates: gpd.GeoDataFrame, *,
                 k: int, radius_m: float = DEFAULT_RADIUS_M) -> list[SitePick]:
    """Pick up to ``k`` candidates that together cover the most unserved need (greedy).

    An area is covered when its representative point is within ``radius_m`` of a pick;
    only unserved areas (no matching asset within the radius) count, each once. Each
    round takes the candidate adding the most uncovered need; ties go to the candidate
    listed first. Stops early when no candidate adds anything.
    """
    if k < 1:
        raise DataError("choose at least one site")
    unserved = gaps[~gaps["served"] & (gaps["need"].fillna(0) > 0)]
    if unserved.empty or candidates.empty:
        return []
    crs = metric_crs(area_set.areas.geometry)
    demand = shapely.points(metric_points(area_points(area_set.areas.loc[unserved.index]), crs))
    weights = unserved["need"].to_numpy(dtype=float)
    sites = shapely.points(metric_points(candidates.geometry, crs))
    cand_idx, dem_idx = shapely.STRtree(demand).query(sites, predicate="dwithin",
                                                      distance=radius_m)
    uncovered = np.ones(len(demand), dtype=bool)
    picks: list[SitePick] = []
    for rank in range(1, k + 1):
        live = uncovered[dem_idx]
        gains = np.bincount(cand_idx[live], weights=weights[dem_idx[live]],
                            minlength=len(candidates))
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        hit = dem_idx[(cand_idx == best) & uncovered[dem_idx]]
        uncovered[hit] = False
        picks.append(SitePick(rank, str(candidates["candidate_id"].iloc[best]),
                              str(candidates["label"].iloc[best]), float(gains[best]),
                              tuple(unserved.index[np.sort(hit)])))
    return picks


def highlight_outlines(area_set: AreaSet, gaps: pd.DataFrame, picks: list[SitePick], *,
                       worst: int = 10) -> gpd.GeoDataFrame:
    """Return outlines to draw on the gap map: the worst areas and the areas each pick reaches."""
    labels, geoms = [], []
    for rank, geoid in enumerate(gaps.index[:worst], start=1):
        labels.append(f"Gap #{rank}: {gaps.at[geoid, 'name']} (need {gaps.at[geoid, 'need']:,.0f})")
        geoms.append(area_set.areas.at[geoid, "geometry"])
    for pick in picks:
        reached = shapely.union_all(area_set.areas.loc[list(pick.areas_covered), "geometry"].to_numpy())
        labels.append(f"Pick {pick.rank}: {pick.label} reaches {pick.need_covered:,.0f} people")
        geoms.append(reached)
    return gpd.GeoDataFrame({"label": labels}, geometry=geoms, crs="EPSG:4326")
