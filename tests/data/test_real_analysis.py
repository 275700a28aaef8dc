"""Planners' analysis on Cook County with the real Chicago libraries and agencies."""

import numpy as np
import pytest

from mapping.analysis.community import community_profile
from mapping.analysis.filters import Filters, compute_measure, filter_assets
from mapping.analysis.gaps import candidate_sites, gap_table, greedy_sites
from mapping.analysis.service_areas import assign_branches, branches_of, summarize_branches


@pytest.fixture(scope="module")
def cook_assignment(cook):
    return assign_branches(cook.area_set, branches_of(cook.assets))


def test_tracts_within_the_cap_get_their_nearest_branch_and_far_suburbs_none(cook,
                                                                              cook_assignment):
    """Issue #10: Chicago's 81 branches 'served' every suburb up to 37 km away (Oriole Park
    551,431 people). Within the 10 km cap a tract gets its nearest branch; beyond, none."""
    assert len(branches_of(cook.assets)) == 81
    uncapped = assign_branches(cook.area_set, branches_of(cook.assets), max_distance_m=1e9)
    drawn = uncapped.drop(index="17031990000")  # Lake Michigan: no shape
    assert drawn["branch_id"].notna().all() and len(drawn) == 1331
    near = drawn["distance_m"] <= 10_000
    assert near.sum() < 1331  # the far suburbs
    capped = cook_assignment.loc[drawn.index]
    assert capped.loc[near, "branch_id"].tolist() == drawn.loc[near, "branch_id"].tolist()
    assert capped.loc[~near, "branch_id"].isna().all()


def test_branch_totals_add_up_to_the_tracts_they_serve(cook, cook_assignment):
    summaries = summarize_branches(cook.area_set, cook_assignment)
    served = cook_assignment["branch_id"].notna()
    est = cook.area_set.estimates.loc[served[served].index]
    assert sum(s.foreign_born for s in summaries) == pytest.approx(est["foreign_born"].sum())
    assert sum(s.population for s in summaries) == pytest.approx(est["total_population"].sum())
    assert sum(s.areas for s in summaries) == served.sum()
    assert all(s.sentence.startswith(s.branch + " serves") for s in summaries)
    # Issue #10: the all-language LEP total per branch, the DP column summed over its tracts.
    assert sum(s.lep_total for s in summaries) == pytest.approx(est["lep_total"].sum())
    oriole = next(s for s in summaries if "Oriole" in s.branch)
    assert oriole.population < 200_000  # it "served" 551,431 with the suburbs


def test_county_profile_matches_the_county_totals(cook):
    profile = community_profile(cook.area_set, cook.assets, list(cook.area_set.areas.index),
                                title="Cook County")
    pop = profile.section("Population").set_index("variable")
    assert pop.loc["foreign_born", "estimate"] == cook.area_set.estimates["foreign_born"].sum()
    assert pop.loc["foreign_born", "share"] == pytest.approx(
        cook.area_set.estimates["foreign_born"].sum()
        / cook.area_set.estimates["total_population"].sum())
    assert profile.assets_by_category["assets"].sum() == 1327


def test_gap_ranking_is_stable_and_siting_covers_unserved_need(cook):
    need = compute_measure(cook.area_set, Filters(languages=("spanish",)))
    matching = filter_assets(cook.assets, Filters(categories=("employment", "library")),
                             cook.area_set.catalog)
    first = gap_table(cook.area_set, need, matching)
    second = gap_table(cook.area_set, need, matching)
    assert list(first.index) == list(second.index)
    assert np.isfinite(first["nearest_m"]).all()
    assert first["gap_score"].is_monotonic_decreasing
    candidates = candidate_sites(cook.area_set, cook.assets, kinds=("branches", "assets", "areas"))
    picks = greedy_sites(cook.area_set, first, candidates, k=5)
    assert len(picks) == 5
    gains = [p.need_covered for p in picks]
    assert gains == sorted(gains, reverse=True)  # greedy gains never grow
    covered = [g for p in picks for g in p.areas_covered]
    assert len(covered) == len(set(covered))  # each area counted once
    assert sum(gains) == pytest.approx(first.loc[covered, "need"].sum())
    assert not first.loc[covered, "served"].any()


def test_cook_gaps_rank_only_where_chicago_was_surveyed(cook, shared):
    """Issue #10: the ten worst 'gaps' were suburban tracts 6-37 km from any Chicago service
    (the asset files cover the City only). Now tracts far from every Chicago asset (10 km
    and more, measured here from the source files) are 'not surveyed', and no ranked tract
    lies 6 km or more from the nearest asset of the surveyed sources."""
    import geopandas as gpd

    from mapping.analysis.gaps import NOT_SURVEYED, RANKED, coverages_of, surveyed_areas
    from mapping.sources.projection import area_points

    files = sorted((shared / "chicago_cook" / "assets").glob("*.geojson"))
    points = gpd.GeoDataFrame(
        geometry=[g for f in files for g in gpd.read_file(f).to_crs(4326).geometry
                  if g is not None and not g.is_empty], crs=4326).to_crs(26916)
    centres = area_points(cook.area_set.areas).to_crs(26916)
    nearest = centres.apply(lambda p: points.distance(p).min() if not p.is_empty else np.nan)
    need = compute_measure(cook.area_set, Filters(languages=("spanish",)))
    matching = filter_assets(cook.assets, Filters(), cook.area_set.catalog)
    coverages = coverages_of(matching, cook.assets,
                             {s.key: s.coverage for s in cook.asset_sources if s.coverage})
    assert [c.label for c in coverages] == ["City of Chicago"]
    gaps = gap_table(cook.area_set, need, matching,
                     surveyed=surveyed_areas(cook.area_set, coverages))
    ranked = gaps[gaps["status"] == RANKED]
    far = nearest[nearest >= 10_000].index
    assert len(far) > 100 and (gaps.loc[gaps.index.intersection(far), "status"]
                               == NOT_SURVEYED).all()
    assert nearest.loc[ranked.index].max() < 6_000
    assert nearest.loc[ranked.index[:10]].max() < 6_000
