"""Filters and measures on a three-area area set small enough to compute by hand."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from mapping.analysis.filters import (
    Filters,
    clean_filters,
    compute_measure,
    filter_assets,
    format_value,
    format_values,
    selected_origins,
)
from mapping.records.assets import normalize_assets
from mapping.sources.areas import AreaSet
from mapping.sources.catalog import Catalog, Variable


def _areas() -> AreaSet:
    geoms = [shapely.box(0, 0, 0.01, 0.01), shapely.box(0.01, 0, 0.02, 0.01),
             shapely.box(0.02, 0, 0.03, 0.01)]
    areas = gpd.GeoDataFrame({"geoid": ["A", "B", "C"], "name": ["a", "b", "c"],
                              "area_km2": [2.0, 4.0, 0.0]}, geometry=geoms, crs="EPSG:4326")
    catalog = Catalog((
        Variable("pop", "Population", "population", role="total_population"),
        Variable("pop5", "Population 5+", "population", universe="pop", role="population_5plus"),
        Variable("fb", "Foreign-born", "origin", universe="pop", role="foreign_born"),
        Variable("mx", "Born in Mexico", "origin", universe="pop", region="Latin America",
                 country="Mexico"),
        Variable("gt", "Born in Guatemala", "origin", universe="pop", region="Latin America",
                 country="Guatemala"),
        Variable("cn", "Born in China", "origin", universe="pop", region="Asia", country="China"),
        Variable("lep_es", "Spanish LEP", "language", universe="pop5", language="spanish"),
        Variable("lep_zh", "Chinese LEP", "language", universe="pop5", language="chinese"),
        Variable("inc", "Median income", "income", kind="median"),
    ))
    rows = {
        "pop": [(1000, 100), (400, 40), (0, 12)],
        "pop5": [(900, 90), (380, 40), (0, 12)],
        "fb": [(300, 60), (100, 30), (0, 12)],
        "mx": [(100, 30), (0, 12), (0, 12)],
        "gt": [(50, 40), (20, 15), (0, 12)],
        "cn": [(10, 9), (60, 25), (0, 12)],
        "lep_es": [(120, 40), (10, 9), (0, 12)],
        "lep_zh": [(5, 8), (30, 20), (0, 12)],
        "inc": [(52000, 5000), (np.nan, np.nan), (61000, 30000)],
    }
    tidy = pd.DataFrame([{"geoid": g, "variable": v, "estimate": e, "moe": m}
                         for v, vals in rows.items() for g, (e, m) in zip("ABC", vals, strict=True)])
    return AreaSet(areas=areas.set_index("geoid"), indicators=tidy, catalog=catalog, title="T",
                   source="hand-made", year="2024")


def test_default_measure_is_foreign_born_count():
    m = compute_measure(_areas(), Filters())
    assert m.label == "Foreign-born" and m.kind == "count"
    assert m.values["value"].tolist() == [300, 100, 0]


def test_language_sum_uses_moe_of_sum_and_takes_precedence_over_origins():
    m = compute_measure(_areas(), Filters(languages=("spanish", "chinese"), origins=("cn",)))
    assert m.variables == ("lep_es", "lep_zh")
    assert m.values.loc["A", "estimate"] == 125
    assert m.values.loc["A", "moe"] == pytest.approx(math.sqrt(40**2 + 8**2))
    assert m.values.loc["C", "moe"] == pytest.approx(12)  # two zeros: largest MOE only


def test_share_uses_proportion_formula_against_the_universe():
    m = compute_measure(_areas(), Filters(origins=("mx",), measure="share"))
    assert m.kind == "share" and m.universe_label == "Population"
    assert m.values.loc["A", "value"] == pytest.approx(10.0)
    # p = 0.1; sqrt(30^2 - 0.01 * 100^2) / 1000 = sqrt(800)/1000
    assert m.values.loc["A", "value_moe"] == pytest.approx(100 * math.sqrt(800) / 1000)
    assert math.isnan(m.values.loc["C", "value"])  # zero universe: no share


def test_density_divides_by_land_area():
    m = compute_measure(_areas(), Filters(origins=("mx", "gt"), measure="density"))
    assert m.values["value"].tolist()[:2] == [75.0, 5.0]
    assert math.isnan(m.values.loc["C", "value"])  # no land area


def test_region_selects_all_its_countries():
    f = Filters(regions=("Latin America",))
    assert [v.id for v in selected_origins(_areas().catalog, f)] == ["gt", "mx"]  # by name
    m = compute_measure(_areas(), f)
    assert m.values.loc["A", "estimate"] == 150
    assert "Latin America" in m.label


def test_median_is_shown_as_published_and_not_summed_into_shares():
    m = compute_measure(_areas(), Filters(indicator="inc", measure="share"))
    assert m.kind == "median"
    assert m.values.loc["A", "value"] == 52000


def test_reliability_codes():
    m = compute_measure(_areas(), Filters(languages=("chinese",)))
    # A: 5 +/- 8 -> CV 97% unreliable; B: 30 +/- 20 -> CV 40.5% unreliable; C: zero
    assert m.values["reliability"].tolist() == [2, 2, 2]
    m = compute_measure(_areas(), Filters())
    # A: 300 +/- 60 -> CV 12.2% caution; B: 100 +/- 30 -> CV 18.2% caution
    assert m.values["reliability"].tolist()[:2] == [1, 1]
    assert m.values.loc["A", "cv"] == pytest.approx(60 / 1.645 / 300)


def _assets():
    frame = pd.DataFrame([
        {"name": "Clinica", "category": "health", "languages": "es;en", "communities": "Mexico",
         "services": "Primary care", "latitude": 0.005, "longitude": 0.005},
        {"name": "Chinatown Library", "category": "library", "languages": "zh",
         "communities": "China", "services": "ESL classes", "latitude": 0.005, "longitude": 0.015},
        {"name": "Latino center", "category": "community", "languages": "es",
         "communities": "Latin America", "services": "ESL classes; Tax preparation",
         "latitude": 0.005, "longitude": 0.025},
        {"name": "Closed", "category": "health", "languages": "es", "status": "inactive",
         "latitude": 0.005, "longitude": 0.005},
    ])
    gdf, problems = normalize_assets(frame, source="test")
    assert not problems
    return gdf


@pytest.mark.parametrize("filters,expected", [
    (Filters(), ["Clinica", "Chinatown Library", "Latino center"]),
    (Filters(languages=("spanish",)), ["Clinica", "Latino center"]),
    (Filters(languages=("chinese",)), ["Chinatown Library"]),
    (Filters(origins=("gt",)), ["Latino center"]),  # region tag serves every country in it
    (Filters(origins=("mx",)), ["Clinica", "Latino center"]),
    (Filters(categories=("library",)), ["Chinatown Library"]),
    (Filters(services=("ESL classes",)), ["Chinatown Library", "Latino center"]),
    (Filters(services=("ESL classes",), languages=("spanish",)), ["Latino center"]),
])
def test_filter_assets(filters, expected):
    assert filter_assets(_assets(), filters, _areas().catalog)["name"].tolist() == expected


def test_clean_filters_drops_what_the_dataset_lacks():
    f = Filters(origins=("mx", "zz"), regions=("Atlantis",), languages=("korean", "spanish"),
                categories=("health", "bakery"), indicator="nope", measure="volume")
    cleaned, dropped = clean_filters(f, _areas().catalog)
    assert cleaned.origins == ("mx",) and cleaned.regions == ()
    assert cleaned.languages == ("spanish",) and cleaned.categories == ("health",)
    assert cleaned.indicator is None and cleaned.measure == "count"
    assert len(dropped) == 6


@pytest.mark.parametrize("value,kind,text", [
    (1234.4, "count", "1,234"), (12.345, "share", "12.3%"), (1500.04, "density", "1,500.0 /km²"),
    (float("nan"), "count", "no data"), (52000, "median", "52,000"),
    (None, "share", "no data"), (float("inf"), "share", "no data"), (-3.25, "share", "-3.2%"),
    (99.94, "derived", "99.9"), (100.4, "derived", "100"), (-12.34, "derived", "-12.3"),
])
def test_format_value(value, kind, text):
    assert format_value(value, kind) == text
    # The map formats all its areas at once: the same texts, missing ones as asked.
    assert format_values([value, value], kind) == [text, text]
    assert format_values([value], kind, missing="")[0] == ("" if text == "no data" else text)


@pytest.mark.parametrize("kwargs,expected", [
    ({"text": "esl"}, ["Chinatown Library", "Latino center"]),      # in services
    ({"text": "CLINICA"}, ["Clinica"]),                              # case-insensitive name
    ({"statuses": ["inactive"]}, ["Closed"]),
    ({"categories": ["health"], "text": "clos"}, ["Closed"]),
    ({"communities": ["Guatemala"]}, ["Latino center"]),
    ({"communities": ["China", "Mexico"]}, ["Chinatown Library", "Latino center"]),
    ({"unverified_months": 6}, ["Clinica", "Chinatown Library", "Latino center", "Closed"]),
])
def test_search_records(kwargs, expected):
    from mapping.records.assets import search_records
    records = _assets_all()
    assert search_records(records, **kwargs)["name"].tolist() == expected


def test_search_records_not_verified_recently():
    from mapping.records.assets import search_records
    records = _assets_all().assign(last_verified=[pd.Timestamp("2026-10-01"), None,
                                                  pd.Timestamp("2025-01-01"), None])
    stale = search_records(records, unverified_months=6, today="2026-11-27")
    assert stale["name"].tolist() == ["Chinatown Library", "Latino center", "Closed"]


def _assets_all():
    frame = pd.DataFrame([
        {"name": "Clinica", "category": "health", "latitude": 0.005, "longitude": 0.005},
        {"name": "Chinatown Library", "category": "library", "services": "ESL classes",
         "communities": "China", "latitude": 0.005, "longitude": 0.015},
        {"name": "Latino center", "category": "community", "services": "ESL classes",
         "communities": "Mexico; Guatemala", "latitude": 0.005, "longitude": 0.025},
        {"name": "Closed", "category": "health", "status": "inactive",
         "latitude": 0.005, "longitude": 0.005},
    ])
    gdf, _ = normalize_assets(frame, source="test")
    return gdf


def test_reject_outside_the_loaded_areas_says_where():
    from mapping.records.assets import reject_outside
    records = _assets_all()
    records.loc[records["name"] == "Closed", "geometry"] = shapely.Point(5, 5)
    inside, problems = reject_outside(records, _areas().areas, where="Test County")
    assert inside["name"].tolist() == ["Clinica", "Chinatown Library", "Latino center"]
    [p] = problems
    assert p.row == 4 and "outside the areas of Test County" in p.reason


def test_visible_to_hides_staff_sites_from_the_public():
    from mapping.records.assets import visible_to
    frame = pd.DataFrame([{"name": "Public", "category": "food", "latitude": 0, "longitude": 0},
                          {"name": "Staff", "category": "food", "visibility": "staff",
                           "latitude": 0, "longitude": 0},
                          {"name": "Shelter", "category": "housing", "visibility": "sensitive",
                           "latitude": 0, "longitude": 0}])
    gdf, _ = normalize_assets(frame, source="t")
    assert visible_to(gdf, staff=False)["name"].tolist() == ["Public", "Shelter"]
    assert len(visible_to(gdf, staff=True)) == 3


def test_search_records_by_language_served():
    from mapping.records.assets import search_records
    records = _assets().assign(branch=["North", "South", "North", "South"])
    assert search_records(records, languages=["zh"])["name"].tolist() == ["Chinatown Library"]
    assert search_records(records, languages=["es"], branches=["North"])["name"].tolist() == [
        "Clinica", "Latino center"]


def test_search_records_by_service():
    from mapping.records.assets import search_records
    assert search_records(_assets(), services=["Tax preparation"])["name"].tolist() == [
        "Latino center"]
