"""Planners' analysis on hand-built cases: distances in metres, radius boundary, greedy
siting, branch ties, and MOEs of a selection's sums and shares."""

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mapping.analysis.community import areas_in_shape, community_profile, compare_profiles, profile_csv
from mapping.analysis.filters import Filters, compute_measure
from mapping.analysis.gaps import access, candidate_sites, gap_table, greedy_sites
from mapping.analysis.service_areas import assign_branches, summarize_branches
from mapping.infra.errors import DataError
from mapping.present.escape import neutralise_formula
from mapping.records.assets import normalize_assets
from mapping.sources.areas import AreaSet, area_km2
from mapping.sources.catalog import Catalog, Variable

UTM = "EPSG:32616"  # UTM 16N, metres; the tests place everything near Chicago
X0, Y0 = 440_000.0, 4_630_000.0


def _square(x, y, half=50.0):
    return shapely.box(x - half, y - half, x + half, y + half)


def _area_set(centres, need, need_moe=None) -> AreaSet:
    """Areas as 100 m squares centred on ``centres`` (metres from X0, Y0)."""
    geoids = [f"A{i}" for i in range(len(centres))]
    geoms = gpd.GeoSeries([_square(X0 + x, Y0 + y) for x, y in centres], crs=UTM).to_crs(4326)
    areas = gpd.GeoDataFrame({"geoid": geoids, "name": geoids}, geometry=geoms.values,
                             crs="EPSG:4326")
    areas["area_km2"] = area_km2(areas.geometry)
    need_moe = need_moe or [10.0] * len(need)
    pop = [1000.0] * len(need)
    tidy = pd.DataFrame(
        [{"geoid": g, "variable": "pop", "estimate": p, "moe": 50.0} for g, p in zip(geoids, pop, strict=True)]
        + [{"geoid": g, "variable": "lep_es", "estimate": n, "moe": m}
           for g, n, m in zip(geoids, need, need_moe, strict=True)])
    catalog = Catalog((Variable("pop", "Population", "population", role="total_population"),
                       Variable("lep_es", "Spanish LEP", "language", universe="pop",
                                language="spanish")))
    return AreaSet(areas=areas.set_index("geoid"), indicators=tidy, catalog=catalog, title="t",
                   source="hand-made", year="2024")


def _assets(points, *, category="esl", ids=None):
    """Assets at ``points`` (metres from X0, Y0)."""
    ll = gpd.GeoSeries([shapely.Point(X0 + x, Y0 + y) for x, y in points], crs=UTM).to_crs(4326)
    frame = pd.DataFrame({"asset_id": ids or [f"s{i}" for i in range(len(points))],
                          "name": [f"site {i}" for i in range(len(points))],
                          "category": category, "latitude": ll.y, "longitude": ll.x,
                          "languages": "es"})
    gdf, problems = normalize_assets(frame, source="t")
    assert not problems
    return gdf


@pytest.mark.parametrize("asset_at,expected_m", [
    ((300, 0), 300.0),
    ((0, -1250), 1250.0),
    ((3000, 4000), 5000.0),
])
def test_nearest_distance_in_metres(asset_at, expected_m):
    result = access(_area_set([(0, 0)], [100]), _assets([asset_at]))
    assert result.loc["A0", "nearest_m"] == pytest.approx(expected_m, abs=0.5)


@pytest.mark.parametrize("distance,counted", [(799.0, 1), (801.0, 0)])
def test_coverage_count_at_the_radius_boundary(distance, counted):
    result = access(_area_set([(0, 0)], [100]), _assets([(distance, 0), (5000, 0)]),
                    radius_m=800)
    assert result.loc["A0", "within_radius"] == counted


def test_no_matching_asset_means_infinite_distance_and_no_access():
    result = access(_area_set([(0, 0)], [100]), _assets([])[:0])
    assert math.isinf(result.loc["A0", "nearest_m"]) and result.loc["A0", "within_radius"] == 0


def test_gap_score_is_need_times_capped_kilometres():
    areas = _area_set([(0, 0), (0, 3000), (0, 30_000)], [100, 50, 10])
    gaps = gap_table(areas, compute_measure(areas, Filters(languages=("spanish",))),
                     _assets([(500, 0)]))
    assert gaps.loc["A0", "gap_score"] == pytest.approx(100 * 0.5, abs=0.01)
    assert gaps.loc["A1", "gap_score"] == pytest.approx(50 * math.hypot(500, 3000) / 1000, rel=1e-4)
    assert gaps.loc["A2", "gap_score"] == pytest.approx(10 * 10.0)  # capped at 10 km
    assert list(gaps.index) == ["A1", "A2", "A0"]  # 152 > 100 > 50


def test_gap_table_refuses_shares():
    areas = _area_set([(0, 0)], [100])
    with pytest.raises(DataError, match="counts of people"):
        gap_table(areas, compute_measure(areas, Filters(languages=("spanish",), measure="share")),
                  _assets([(0, 0)]))


def test_greedy_siting_picks_the_known_best_sites():
    # Unserved areas: A0 (need 100) and A1 (need 80) near x=0; A2 (need 150) at x=5000;
    # A3 (need 60) at x=10000. Candidate c0 covers A0+A1 (180), c1 covers A2 (150),
    # c2 covers A1 only (80), c3 covers A3 (60).
    areas = _area_set([(0, 0), (600, 0), (5000, 0), (10_000, 0)], [100, 80, 150, 60])
    gaps = gap_table(areas, compute_measure(areas, Filters(languages=("spanish",))),
                     _assets([(50_000, 0)]))  # one far-away service: nobody is served
    cands = _assets([(300, 0), (5000, 100), (900, 0), (10_000, 0)], category="library",
                    ids=["c0", "c1", "c2", "c3"])
    picks = greedy_sites(areas, gaps, candidate_sites(areas, cands, kinds=("assets",)), k=3,
                         radius_m=800)
    assert [p.candidate_id for p in picks] == ["asset:c0", "asset:c1", "asset:c3"]
    assert [p.need_covered for p in picks] == [180, 150, 60]
    assert picks[0].areas_covered == ("A0", "A1")


def test_greedy_siting_skips_served_areas_and_stops_when_nothing_is_left():
    areas = _area_set([(0, 0), (5000, 0)], [100, 200])
    gaps = gap_table(areas, compute_measure(areas, Filters(languages=("spanish",))),
                     _assets([(5000, 300)]))  # A1 is served within 800 m
    cands = candidate_sites(areas, _assets([(0, 0), (5000, 0)], category="library"),
                            kinds=("areas", "assets"))
    picks = greedy_sites(areas, gaps, cands, k=5)
    assert len(picks) == 1 and picks[0].need_covered == 100


def test_branch_ties_go_to_the_smallest_id():
    areas = _area_set([(0, 0)], [1])
    branches = _assets([(1000, 0), (-1000, 0)], category="library", ids=["b2", "b1"])
    assignment = assign_branches(areas, branches)
    assert assignment.loc["A0", "branch_id"] == "b1"
    assert assignment.loc["A0", "distance_m"] == pytest.approx(1000, abs=0.5)


def test_branch_assignment_is_nearest():
    areas = _area_set([(0, 0), (9000, 0), (4000, 0)], [1, 2, 3])
    branches = _assets([(0, 100), (10_000, 0)], category="library", ids=["west", "east"])
    assignment = assign_branches(areas, branches)
    assert assignment["branch_id"].tolist() == ["west", "east", "west"]


def test_branch_summary_sentence():
    areas = _area_set([(0, 0), (100, 0)], [10, 20])
    branches = _assets([(0, 0)], category="library", ids=["b"])
    [summary] = summarize_branches(areas, assign_branches(areas, branches))
    assert summary.areas == 2 and summary.population == 2000
    assert "30 people speak Spanish with limited English" in summary.sentence


def test_selection_profile_sums_with_combined_moes():
    areas = _area_set([(0, 0), (100, 0), (200, 0)], [100, 0, 0], need_moe=[30, 12, 20])
    profile = community_profile(areas, _assets([])[:0], ["A0", "A1", "A2"], title="all")
    row = profile.section("Limited English by language").iloc[0]
    assert row["estimate"] == 100
    assert row["moe"] == pytest.approx(math.hypot(30, 20))  # zeros: only the largest MOE
    assert row["share"] == pytest.approx(100 / 3000)
    moe_pop = math.sqrt(3 * 50**2)
    p = 100 / 3000
    assert row["share_moe"] == pytest.approx(math.sqrt(row["moe"] ** 2 - p**2 * moe_pop**2) / 3000)
    assert row["source_variables"] == "lep_es over 3 area(s)"


def test_profile_csv_is_spreadsheet_safe():
    areas = _area_set([(0, 0)], [5])
    areas.areas.loc["A0", "name"] = "=cmd"
    text = profile_csv(community_profile(areas, _assets([])[:0], ["A0"], title="=HYPERLINK(1)"))
    assert "\n=" not in text and ",=" not in text and text.startswith("# '=HYPERLINK")


@pytest.mark.parametrize("text,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM", "'@SUM"), ("\tx", "'\tx"),
    ("plain", "plain"), ("", ""),
])
def test_neutralise_formula(text, expected):
    assert neutralise_formula(text) == expected


def test_empty_selection_is_refused():
    with pytest.raises(DataError, match="no area"):
        community_profile(_area_set([(0, 0)], [1]), _assets([])[:0], [], title="x")


def test_areas_in_a_drawn_shape_count_whole_by_their_inside_point():
    areas = _area_set([(0, 0), (1000, 0), (5000, 0)], [1, 2, 3])
    shape = gpd.GeoSeries([shapely.box(X0 - 200, Y0 - 200, X0 + 1100, Y0 + 200)],
                          crs=UTM).to_crs(4326).iloc[0]

    assert areas_in_shape(areas, shapely.geometry.mapping(shape)) == ["A0", "A1"]


@pytest.mark.parametrize("shape,message", [
    ({"type": "Point", "coordinates": [0, 0]}, "polygon or a rectangle"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "do not cross"),
    ({"type": "Nonsense"}, "cannot be read"),
])
def test_bad_drawn_shapes_are_refused(shape, message):

    with pytest.raises(DataError, match=message):
        areas_in_shape(_area_set([(0, 0)], [1]), shape)


def test_highlight_outlines_label_worst_areas_and_picks():
    from mapping.analysis.gaps import highlight_outlines
    areas = _area_set([(0, 0), (600, 0), (5000, 0)], [100, 80, 150])
    gaps = gap_table(areas, compute_measure(areas, Filters(languages=("spanish",))),
                     _assets([(50_000, 0)]))
    picks = greedy_sites(areas, gaps, candidate_sites(areas, _assets([(300, 0)], category="library"),
                                                      kinds=("assets",)), k=1)
    outlines = highlight_outlines(areas, gaps, picks, worst=2)
    assert outlines["label"].tolist()[0].startswith("Gap #1: A2 (need 150)")
    assert outlines["label"].tolist()[-1] == "Pick 1: site 0 reaches 180 people"
    assert len(outlines) == 3


def _origins_area_set(est, moe) -> AreaSet:
    """Areas A0.. with two origins of one region; ``est``/``moe`` are rows of (Mexico,
    Guatemala) per area; NaN is a missing estimate."""
    geoids = [f"A{i}" for i in range(len(est))]
    geoms = gpd.GeoSeries([_square(X0 + 200 * i, Y0) for i in range(len(est))],
                          crs=UTM).to_crs(4326)
    areas = gpd.GeoDataFrame({"geoid": geoids, "name": geoids}, geometry=geoms.values,
                             crs="EPSG:4326").set_index("geoid")
    areas["area_km2"] = area_km2(areas.geometry)
    rows = [{"geoid": g, "variable": "pop", "estimate": 1000.0, "moe": 0.0} for g in geoids]
    for g, e, m in zip(geoids, est, moe, strict=True):
        rows += [{"geoid": g, "variable": v, "estimate": ev, "moe": mv}
                 for v, ev, mv in zip(("mx", "gt"), e, m, strict=True)]
    catalog = Catalog((
        Variable("pop", "Population", "population", role="total_population"),
        Variable("mx", "Born in Mexico", "origin", universe="pop", region="Latin America",
                 country="Mexico"),
        Variable("gt", "Born in Guatemala", "origin", universe="pop", region="Latin America",
                 country="Guatemala")), origins_complete=True)
    return AreaSet(areas=areas, indicators=pd.DataFrame(rows), catalog=catalog, title="t",
                   source="hand-made", year="2024")


def test_a_region_over_areas_applies_the_zero_rule_once_over_every_cell():
    """Issue #10: Mexico is 0 in A0 and Guatemala 0 in A1. Over all four cells: the two
    non-zero MOEs (2, 3) count in full and, of the zero cells (MOEs 4, 6), only the largest:
    sqrt(2^2 + 3^2 + 6^2) = 7. Summing areas first, then variables, gave sqrt(20 + 45)."""
    area_set = _origins_area_set([(0, 5), (3, 0)], [(4, 3), (2, 6)])
    profile = community_profile(area_set, _assets([])[:0], ["A0", "A1"], title="both")
    row = profile.section("World regions of birth").iloc[0]
    assert row["label"] == "Latin America"
    assert row["estimate"] == 8 and row["moe"] == pytest.approx(7.0)


def test_areas_without_an_estimate_are_left_out_and_counted():
    """Issue #10: one area of three has no Mexico estimate: the figure is the sum of the
    other two with their MOE (sqrt(30^2 + 40^2) = 50), and says 1 of 3 areas lack one."""
    nan = float("nan")
    area_set = _origins_area_set([(100, 1), (nan, 1), (200, 1)], [(30, 1), (nan, 1), (40, 1)])
    profile = community_profile(area_set, _assets([])[:0], ["A0", "A1", "A2"], title="all")
    row = profile.section("Countries of birth").set_index("variable").loc["mx"]
    assert row["estimate"] == 300 and row["moe"] == pytest.approx(50.0)
    assert row["note"] == "1 of 3 areas have no estimate (not counted)"
    assert "1 of 3 areas have no estimate" in profile_csv(profile)


def test_areas_outside_the_coverage_are_not_surveyed_and_never_ranked_or_sited():
    """Issue #10: A2 and A3 lie outside where the services' source was surveyed (areas A0
    and A1 declared): they are not gaps however far they are, and no site is picked for
    them; A1 has no need figure: listed apart, not ranked at the bottom as a need of 0."""
    from mapping.analysis.gaps import NEED_UNKNOWN, NOT_SURVEYED, RANKED, Coverage, surveyed_areas

    areas = _area_set([(0, 0), (600, 0), (20_000, 0), (30_000, 0)],
                      [100, float("nan"), 500, 400])
    coverage = Coverage("file", "Our town", "declared: areas", area_prefixes=("A0", "A1"))
    surveyed = surveyed_areas(areas, [coverage])
    assert surveyed.tolist() == [True, True, False, False]
    gaps = gap_table(areas, compute_measure(areas, Filters(languages=("spanish",))),
                     _assets([(5000, 0)]), surveyed=surveyed)
    assert gaps["status"].to_dict() == {"A0": RANKED, "A1": NEED_UNKNOWN, "A2": NOT_SURVEYED,
                                        "A3": NOT_SURVEYED}
    assert list(gaps.index[:1]) == ["A0"] and gaps["gap_score"].notna().sum() == 1
    picks = greedy_sites(areas, gaps, candidate_sites(areas, _assets([])[:0], kinds=("areas",)),
                         k=4)
    assert [p.candidate_id for p in picks] == ["area:A0"]  # never a site for A2 or A3


def test_a_derived_coverage_holds_the_surveyed_points_and_not_far_away():
    from mapping.analysis.gaps import coverages_of, surveyed_areas

    areas = _area_set([(0, 0), (1000, 1000), (15_000, 0)], [1, 1, 1])
    assets = _assets([(0, 0), (2000, 0), (0, 2000), (2000, 2000)])
    [coverage] = coverages_of(assets, assets, {})
    assert "derived" in coverage.how and "concave hull" in coverage.how
    assert surveyed_areas(areas, [coverage]).tolist() == [True, True, False]


def test_nearest_service_ties_follow_the_one_rule_smallest_id():
    """Issue #10 item 7: the gap analysis broke ties its own way; like branches, the
    equidistant service with the smallest id is the nearest."""
    areas = _area_set([(0, 0)], [10])
    for order in (["z9", "a1"], ["a1", "z9"]):
        sites = _assets([(700, 0), (-700, 0)], ids=order)
        assert access(areas, sites).loc["A0", "nearest_id"] == "a1"


def test_an_area_beyond_the_distance_cap_belongs_to_no_branch():
    """Issue #10 item 1: a city's branches 'served' suburbs 30 km away."""
    areas = _area_set([(0, 0), (9_000, 0), (30_000, 0)], [1, 1, 1])
    branches = _assets([(0, 0)], category="library", ids=["city"])
    assignment = assign_branches(areas, branches, max_distance_m=10_000)
    assert assignment["branch_id"].tolist()[:2] == ["city", "city"]
    assert pd.isna(assignment.loc["A2", "branch_id"])


def test_comparison_tests_each_selection_against_the_first_by_hand():
    """Issue #12 item 4: the Census Bureau's test, worked by hand. Shares of 1,000 people:
    A0 20% (moe of 200: 40), A1 12% (30), A2 15% (60); population 1,000 ± 50 each."""
    areas = _area_set([(0, 0), (100, 0), (200, 0)], [200, 120, 150], need_moe=[40, 30, 60])
    profiles = [community_profile(areas, _assets([])[:0], [g], title=g) for g in ("A0", "A1", "A2")]
    table = compare_profiles(profiles).set_index(["variable", "selection"])

    def share_moe(n, m):  # proportion formula, population moe 50
        p = n / 1000
        return math.sqrt(m**2 - p**2 * 50**2) / 1000

    def z(a, b):
        (na, ma), (nb, mb) = a, b
        se = math.hypot(share_moe(na, ma) / 1.645, share_moe(nb, mb) / 1.645)
        return abs(na / 1000 - nb / 1000) / se

    a1 = table.loc[("lep_es", "A1")]
    assert a1["compared"] == "share" and a1["z"] == pytest.approx(z((120, 30), (200, 40)))
    assert a1["z"] == pytest.approx(2.707, abs=1e-3) and a1["words"] == "less than"
    a2 = table.loc[("lep_es", "A2")]
    assert a2["z"] == pytest.approx(1.158, abs=1e-3) and a2["words"] == "not distinguishable from"
    assert table.loc[("lep_es", "A0"), "words"] == ""
    pop = table.loc[("pop", "A1")]  # no universe: counts, 1,000 vs 1,000
    assert pop["compared"] == "estimate" and pop["words"] == "not distinguishable from"


def test_comparison_needs_two_different_selections():
    areas = _area_set([(0, 0)], [5])
    one = community_profile(areas, _assets([])[:0], ["A0"], title="A0")
    with pytest.raises(DataError, match="at least two"):
        compare_profiles([one])
    with pytest.raises(DataError, match="the same"):
        compare_profiles([one, one])
