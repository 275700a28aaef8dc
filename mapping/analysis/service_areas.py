"""Branch service areas: each area goes to its nearest library branch, in metres."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.analysis.community import sum_over_areas, total_of
from mapping.infra.errors import DataError
from mapping.present.render import simplify_tolerance
from mapping.sources.areas import AreaSet, drawable
from mapping.sources.catalog import language_group
from mapping.sources.projection import area_points, metric_crs, metric_points, nearest_sites

#: An area farther than this from every branch belongs to none (setting NAM_BRANCH_MAX_KM).
DEFAULT_BRANCH_MAX_M = 10_000.0


def branches_of(assets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the library branches among the assets (active or temporarily closed)."""
    found = assets[(assets["category"] == "library") & (assets["status"] != "inactive")]
    return found.sort_values("asset_id")


def branch_key(library: Mapping[str, Any]) -> str:
    """How staff, accounts and records name a branch: the branch its library record
    belongs to (Demo County's "Maple Branch"), else the library's name (Chicago's
    "Albany Park").

    Examples
    --------
    >>> branch_key({"name": "Demo County Library - Maple Branch", "branch": "Maple Branch"})
    'Maple Branch'
    >>> branch_key({"name": "Albany Park", "branch": ""})
    'Albany Park'
    """
    return str(library.get("branch") or "").strip() or str(library.get("name") or "").strip()


def branch_keys(assets: gpd.GeoDataFrame) -> list[str]:
    """The names of every branch among the assets (see :func:`branch_key`), sorted."""
    return sorted({branch_key(r) for r in branches_of(assets).to_dict("records")})


def assign_branches(area_set: AreaSet, branches: gpd.GeoDataFrame, *,
                    max_distance_m: float = DEFAULT_BRANCH_MAX_M) -> pd.DataFrame:
    """Return, per area, its nearest branch and the distance in metres.

    Distance runs from the area's representative point (always inside it) to the branch,
    in the UTM zone of the data. Ties go to the branch with the smallest ``asset_id``, so
    the same inputs always give the same service areas. Areas with no shape, and areas
    farther than ``max_distance_m`` from every branch (a suburb a city's branches do not
    serve), get no branch.

    Returns
    -------
    DataFrame indexed by ``geoid`` with ``branch_id``, ``branch`` (name), ``distance_m``.
    """
    if branches.empty:
        raise DataError("this dataset has no library branch (category 'Library branch') to "
                        "assign areas to")
    areas = area_set.areas
    crs = metric_crs(areas.geometry)
    branches = branches.sort_values("asset_id")
    shown = drawable(areas.geometry)
    pts = shapely.points(metric_points(area_points(areas[shown]), crs))
    area_idx, branch_idx, dist = nearest_sites(
        pts, shapely.points(metric_points(branches.geometry, crs)), branches["asset_id"].to_numpy())
    within = dist <= max_distance_m  # beyond the cap an area belongs to no branch
    area_idx, branch_idx, dist = area_idx[within], branch_idx[within], dist[within]
    out = pd.DataFrame(index=areas.index, columns=["branch_id", "branch", "distance_m"])
    geoids = areas.index[shown][area_idx]
    out.loc[geoids, "branch_id"] = branches["asset_id"].to_numpy()[branch_idx]
    out.loc[geoids, "branch"] = branches["name"].to_numpy()[branch_idx]
    out.loc[geoids, "distance_m"] = dist
    return out.astype({"distance_m": float})


def service_area_outlines(area_set: AreaSet, assignment: pd.DataFrame, *,
                          tolerance: float | None = None) -> gpd.GeoDataFrame:
    """Return one polygon per branch: the union of the areas it serves (label = branch name).

    The areas are simplified as a coverage first, so the union is quick and the outlines
    match the simplified areas drawn under them.
    """
    areas = area_set.areas.loc[drawable(area_set.areas.geometry)]
    tol = simplify_tolerance(areas) if tolerance is None else tolerance
    simplified = pd.Series(shapely.coverage_simplify(areas.geometry.to_numpy(), tol),
                           index=areas.index)
    groups = assignment.loc[areas.index].dropna(subset=["branch_id"]).groupby("branch")
    labels, geoms = [], []
    for branch, group in groups:
        labels.append(f"Service area of {branch} ({len(group)} areas)")
        geoms.append(shapely.coverage_union_all(simplified.loc[group.index].to_numpy()))
    return gpd.GeoDataFrame({"label": labels}, geometry=geoms, crs="EPSG:4326")


@dataclass(frozen=True)
class BranchSummary:
    """The newcomer profile of one branch's service area, in numbers and in one sentence."""

    branch_id: str
    branch: str
    areas: int
    population: float
    foreign_born: float
    foreign_born_moe: float
    top_origins: tuple[tuple[str, float], ...]
    top_language: tuple[str, float, float] | None  # label, estimate, moe
    sentence: str
    lep_total: float = float("nan")  # limited English, all languages (NaN: not in the data)
    lep_total_moe: float = float("nan")


def summarize_branches(area_set: AreaSet, assignment: pd.DataFrame, *, top: int = 2
                       ) -> list[BranchSummary]:
    """Return one summary per branch, largest foreign-born population first."""
    catalog = area_set.catalog
    pop = catalog.by_role("total_population")
    fb = catalog.by_role("foreign_born")
    origins = catalog.origins()
    leps = catalog.lep_variables()
    lep_total = catalog.by_role("lep_total")
    out = []
    for (branch_id, branch), group in assignment.dropna(subset=["branch_id"]).groupby(
            ["branch_id", "branch"]):
        geoids = list(group.index)
        pop_e = sum_over_areas(area_set, geoids, [pop.id])[0][0] if pop else np.nan
        fb_e, fb_m = (sum_over_areas(area_set, geoids, [fb.id]) if fb else ([np.nan], [np.nan]))
        top_origins: tuple[tuple[str, float], ...] = ()
        if origins:
            e, _ = sum_over_areas(area_set, geoids, [v.id for v in origins])
            ranked = sorted(zip(origins, e, strict=True), key=lambda x: -x[1])[:top]
            top_origins = tuple((v.country or v.label, float(x)) for v, x in ranked if x > 0)
        top_language = None
        if leps:
            e, m = sum_over_areas(area_set, geoids, [v.id for v in leps])
            i = int(np.argmax(e))
            label = language_group(leps[i].language).label if leps[i].language else leps[i].label
            top_language = (label, float(e[i]), float(m[i]))
        lep = total_of(area_set, geoids, [lep_total.id]) if lep_total else None
        out.append(BranchSummary(str(branch_id), str(branch), len(geoids), float(pop_e),
                                 float(fb_e[0]), float(fb_m[0]), top_origins, top_language,
                                 _sentence(str(branch), float(fb_e[0]), top_origins,
                                           top_language),
                                 lep.estimate if lep else np.nan, lep.moe if lep else np.nan))
    return sorted(out, key=lambda s: -(s.foreign_born if np.isfinite(s.foreign_born) else -1))


def _sentence(branch: str, fb: float, origins: tuple[tuple[str, float], ...],
              language: tuple[str, float, float] | None) -> str:
    parts = [f"{branch} serves"]
    parts.append(f"{fb:,.0f} foreign-born residents" if np.isfinite(fb) else "its area")
    text = " ".join(parts)
    if origins:
        names = " and ".join(name for name, _ in origins)
        text += f"; the largest groups are from {names}"
    if language and language[1] > 0:
        text += f"; {language[1]:,.0f} people speak {language[0]} with limited English"
    return text + "."
