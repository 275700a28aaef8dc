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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.analysis.filters import MeasureResult
from mapping.infra.errors import DataError
from mapping.sources.areas import AreaSet, drawable
from mapping.sources.projection import (
    DERIVED_COVERAGE_RULE,
    area_points,
    coverage_from_points,
    metric_crs,
    metric_points,
    nearest_sites,
)

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
    ids = matching["asset_id"].to_numpy()
    area_idx, site_idx, dist = nearest_sites(pts, sites, ids)  # ties: smallest asset id
    geoids = areas.index[shown]
    out.loc[geoids[area_idx], "nearest_m"] = dist
    out.loc[geoids[area_idx], "nearest_id"] = ids[site_idx]
    near = shapely.STRtree(sites).query(pts, predicate="dwithin", distance=radius_m)
    counts = np.bincount(near[0], minlength=len(pts))
    out.loc[geoids, "within_radius"] = counts
    return out


@dataclass(frozen=True)
class Coverage:
    """Where one source of assets was surveyed: a shape, or areas by id (beginning)."""

    source: str
    label: str
    how: str  # in words: "declared: boundary file", "derived: the concave hull ..."
    geometry: shapely.Geometry | None = None
    area_prefixes: tuple[str, ...] = ()

    def covers(self, area_set: AreaSet) -> np.ndarray:
        """Which areas (in order) lie in the coverage: their inside point is in the shape,
        or their id begins with one of the prefixes."""
        ids = area_set.areas.index.astype(str)
        inside = np.zeros(len(ids), dtype=bool)
        if self.area_prefixes:
            inside |= np.array([i.startswith(self.area_prefixes) for i in ids], dtype=bool)
        if self.geometry is not None and not self.geometry.is_empty:
            points = area_points(area_set.areas).to_numpy()
            shapely.prepare(self.geometry)
            inside |= np.asarray(shapely.contains(self.geometry, points), dtype=bool)
        return inside


#: The source key of assets entered by staff (no file): their coverage is derived too.
STAFF_ENTERED = "entered by staff"


def coverages_of(matching: gpd.GeoDataFrame, assets: gpd.GeoDataFrame,
                 declared: Mapping[str, Mapping[str, object]]) -> list[Coverage]:
    """Return the coverage of every source the ``matching`` services come from, taken over
    all that source's ``assets`` (not only those matching a filter: the survey covered
    where it went). A source's declared coverage is used as given; otherwise it is derived
    from its points by :data:`mapping.sources.projection.DERIVED_COVERAGE_RULE`. Assets entered by
    staff form one source of their own."""
    if matching.empty:
        return []

    def keys(frame: gpd.GeoDataFrame) -> pd.Series:
        if "source_key" not in frame:
            return pd.Series(STAFF_ENTERED, index=frame.index)
        return frame["source_key"].fillna(STAFF_ENTERED).astype(str)

    all_keys = keys(assets)
    labels = all_keys.map(lambda k: str((declared.get(k) or {}).get("label") or k))
    out: dict[str, Coverage] = {}
    for key in sorted(set(keys(matching))):
        spec = declared.get(key) or {}
        label = str(spec.get("label") or key)
        if "areas" in spec or "wkt" in spec:
            prefixes = tuple(str(a) for a in spec.get("areas", ()))  # type: ignore[union-attr]
            geometry = shapely.from_wkt(str(spec["wkt"])) if "wkt" in spec else None
            how = "declared: " + ("areas " + ", ".join(prefixes) if prefixes else "boundary file")
            out[key] = Coverage(key, label, how, geometry, prefixes)
        elif label not in {c.label for c in out.values()}:
            # Sources that declare the same place without its shape (the City's lists)
            # share one coverage, derived from all their points.
            same = assets[labels == label]
            sources = sorted(set(all_keys[labels == label]))
            out[key] = Coverage(key, label, f"derived from the points of {len(sources)} "
                                f"source(s): {DERIVED_COVERAGE_RULE}",
                                coverage_from_points(same.geometry))
    return list(out.values())


def surveyed_areas(area_set: AreaSet, coverages: Sequence[Coverage]) -> pd.Series:
    """Return, per area, whether any of the coverages holds it."""
    inside = np.zeros(len(area_set.areas), dtype=bool)
    for coverage in coverages:
        inside |= coverage.covers(area_set)
    return pd.Series(inside, index=area_set.areas.index)


#: What a row of :func:`gap_table` is: ranked, or left out and why.
RANKED, NOT_SURVEYED, NEED_UNKNOWN = "ranked", "not surveyed", "need unknown"


def gap_table(area_set: AreaSet, need: MeasureResult, matching: gpd.GeoDataFrame, *,
              radius_m: float = DEFAULT_RADIUS_M, surveyed: pd.Series | None = None
              ) -> pd.DataFrame:
    """Return every area with need, access and gap score: the ranked ones worst first, then
    those left out of the ranking, with why (``status``).

    ``need`` is a count measure (see :func:`mapping.analysis.filters.compute_measure`); its
    reliability travels with each row so a planner sees which needs are uncertain.
    ``surveyed`` (per area) says where the services' sources were surveyed: an area outside
    is "not surveyed", never a gap (nobody looked for services there). An area without a
    need figure is "need unknown", never a need of 0. Ties in the score go to the larger
    need, then to the area listed first.
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
    inside = (surveyed.reindex(table.index).fillna(False).astype(bool) if surveyed is not None
              else pd.Series(True, index=table.index))
    table["status"] = np.where(~inside, NOT_SURVEYED,
                               np.where(table["need"].isna(), NEED_UNKNOWN, RANKED))
    ranked = table["status"] == RANKED
    table["gap_score"] = np.where(ranked, table["need"] * np.minimum(table["nearest_m"],
                                                                     DISTANCE_CAP_M) / 1000,
                                  np.nan)
    table["served"] = table["within_radius"] > 0
    table = table[drawable(area_set.areas.geometry)]
    table["_order"] = np.where(table["status"] == RANKED, 0,
                               np.where(table["status"] == NEED_UNKNOWN, 1, 2))
    table = table.sort_values(["_order", "gap_score", "need"], ascending=[True, False, False],
                              kind="mergesort", na_position="last")
    return table.drop(columns="_order")


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
    unserved = gaps[(gaps["status"] == RANKED) & ~gaps["served"] & (gaps["need"] > 0)]
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
    for rank, geoid in enumerate(gaps.index[gaps["status"] == RANKED][:worst], start=1):
        labels.append(f"Gap #{rank}: {gaps.at[geoid, 'name']} (need {gaps.at[geoid, 'need']:,.0f})")
        geoms.append(area_set.areas.at[geoid, "geometry"])
    for pick in picks:
        reached = shapely.union_all(area_set.areas.loc[list(pick.areas_covered), "geometry"].to_numpy())
        labels.append(f"Pick {pick.rank}: {pick.label} reaches {pick.need_covered:,.0f} people")
        geoms.append(reached)
    return gpd.GeoDataFrame({"label": labels}, geometry=geoms, crs="EPSG:4326")
