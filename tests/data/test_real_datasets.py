"""The real reference data in ../shared/data loads completely and exactly.

Totals are compared with sums computed here straight from the source files, so a lost
row, a shifted id or a sentinel counted as a number fails the test.
"""

import numpy as np
import pandas as pd
import pytest

from mapping.analysis.filters import Filters, compute_measure, filter_assets
from mapping.analysis.moe import Reliability
from mapping.analysis.profile import area_profile
from mapping.sources.datasets import to_numbers

SENTINEL = -666666666


def _cook_rows(shared, name, id_col="GEOID"):
    frame = pd.read_csv(shared / "chicago_cook" / name, dtype={id_col: str})
    ids = frame[id_col].str.replace("1400000US", "", regex=False).str.zfill(11)
    return frame.assign(_id=ids).loc[ids.str.startswith("17031")]


def test_cook_every_tract_joins(cook):
    areas = cook.area_set.areas
    assert len(areas) == 1332
    assert (areas.index.str.len() == 11).all() and areas.index.str.startswith("17031").all()
    est = cook.area_set.estimates
    for v in ("total_population", "foreign_born", "lep_total", "population_5plus", "lep_spanish"):
        assert est[v].notna().sum() == 1332, v
    assert cook.report.warnings == []


@pytest.mark.parametrize("variable,file,column", [
    ("total_population", "acs2021_il_tracts_dp_profile.csv", "total_population"),
    ("foreign_born", "acs2021_il_tracts_dp_profile.csv", "tot_pop_birth_foreign"),
    ("lep_total", "acs2021_il_tracts_dp_profile.csv", "speaks_english_less_very_well"),
    ("lep_spanish", "rdh_il_lang_2021_t_acs2021_tracts.csv", "SP_EN_LW21"),
    ("no_hs_diploma", "rdh_il_edu_2021_t_acs2021_tracts.csv", "N_HSDIP21"),
    ("families_below_poverty", "rdh_il_pov_2021_t_acs2021_tracts.csv", "TOT_BPOV21"),
])
def test_cook_totals_equal_source_column_sums(cook, shared, cook_everything, variable, file,
                                              column):
    id_col = "geo_id" if file.startswith("acs") else "GEOID"
    rows = _cook_rows(shared, file, id_col)
    values = rows[column].astype(float)
    expected = values[values != SENTINEL].sum()
    assert cook.area_set.estimates[variable].sum() == pytest.approx(expected)
    assert len(rows) == 1332
    # Issue #10: the 'everything' profile shows the same total (the LEP total was missing).
    assert cook_everything.figures.set_index("variable").loc[variable, "estimate"] == \
        pytest.approx(expected)


@pytest.fixture(scope="module")
def cook_everything(cook):
    """The profile of all of Cook County, made once."""
    from mapping.analysis.community import community_profile

    return community_profile(cook.area_set, cook.assets, list(cook.area_set.areas.index),
                             title="all")


def test_cook_sentinels_are_missing_not_numbers(cook, shared):
    rows = _cook_rows(shared, "acs2021_il_tracts_dp_profile.csv", "geo_id")
    poverty = to_numbers(rows["perc_ppl_bellow_poverty"].astype(str), what="poverty")
    assert poverty.isna().sum() == (rows["perc_ppl_bellow_poverty"] == SENTINEL).sum() > 0
    assert poverty.min() >= 0
    income = cook.area_set.estimates["median_income"]
    assert income.min() > 0  # no negative sentinel survived
    # The Lake Michigan tract has people 0 and no shape, but keeps its table row.
    assert cook.area_set.estimates.loc["17031990000", "total_population"] == 0


def test_cook_assets_all_real_points_load_and_refusals_have_reasons(cook):
    assert len(cook.assets) == 1327  # 15 + 6 + 81 + 995 + 21 + 204 + 5
    refused = cook.report.rejected
    assert len(refused) == 5
    assert all(r.source == "dfss_delegate_agencies.geojson" and "no coordinates" in r.reason
               for r in refused)
    assert cook.assets["geoid"].notna().all()  # every point falls inside a Cook tract
    # Domestic-violence sites are sensitive: never drawn at their exact point.
    dv = cook.assets[cook.assets["description"] == "Domestic Violence"]
    assert len(dv) and (dv["visibility"] == "sensitive").all()


def test_cook_source_without_moe_says_reliability_unknown(cook):
    m = compute_measure(cook.area_set, Filters())
    assert not m.has_moe
    assert set(m.values["reliability"]) == {Reliability.UNKNOWN.code}


def test_portland_every_tract_and_variable_joins(portland, shared):
    wide = pd.read_csv(shared / "portland_msa" / "acs2019_lep_birthplace_tracts_wide.csv",
                       dtype={"GEOID": str})
    area_set = portland.area_set
    assert len(area_set.areas) == 490
    origins = area_set.catalog.origins()
    assert len(origins) == 14 and len(area_set.catalog.lep_variables()) == 12
    assert len(area_set.catalog.origins_by_region()) >= 4
    for v in [*origins, *area_set.catalog.lep_variables()]:
        assert area_set.estimates[v.id].sum() == pytest.approx(wide[f"{v.id}E"].sum()), v.id
        assert area_set.moes[v.id].sum() == pytest.approx(wide[f"{v.id}M"].sum()), v.id


def test_portland_unreliable_class_matches_the_source(portland, shared):
    """The source marks CV > 40% "Not reliable", as we do (its lower cut is 20%, ours 12%)."""
    long = pd.read_csv(shared / "portland_msa" / "acs2019_lep_birthplace_tracts_long.csv",
                       dtype={"GEOID": str})
    spanish = long[long["variable"] == "Spanish"].set_index("GEOID")
    m = compute_measure(portland.area_set, Filters(languages=("spanish",)))
    ours = m.values.reindex(spanish.index)
    assert (ours["estimate"] == spanish["estimate"]).all()
    unreliable_ours = ours["reliability"] == Reliability.UNRELIABLE.code
    unreliable_theirs = spanish["reliability"] == "3. Not reliable"
    assert (unreliable_ours == unreliable_theirs).all()
    assert unreliable_ours.sum() == 385


def test_portland_lep_total_is_the_sum_of_the_twelve_groups(portland):
    est = portland.area_set.estimates
    groups = [v.id for v in portland.area_set.catalog.lep_variables() if v.role is None]
    assert len(groups) == 12
    assert np.allclose(est["lep_total"], est[groups].sum(axis=1))


def test_profile_on_a_real_tract(portland):
    profile = area_profile(portland.area_set, portland.assets, "41051004200")
    assert profile.population is not None and profile.population.estimate > 0
    assert profile.top_languages[0].estimate >= profile.top_languages[-1].estimate


def test_filters_drive_assets_on_real_data(cook):
    libraries = filter_assets(cook.assets, Filters(categories=("library",)), cook.area_set.catalog)
    assert len(libraries) == 81


def test_portland_regions_are_named_as_the_few_countries_they_are(portland, shared):
    """Issue #15: Portland carries 14 countries of birth (per its variable list) and no
    foreign-born total; a region figure is the sum of its countries present and says so,
    never the region's total; the profile lists the countries and says the total is absent."""
    from mapping.analysis.community import community_profile, profile_csv
    from mapping.sources.catalog import region_of_country

    codes = pd.read_csv(shared / "portland_msa" / "variable_codes.csv")
    countries = codes.loc[codes["acs_variable"].str.startswith("B05006"), "label_in_source"]
    by_region: dict[str, list[str]] = {}
    for name in countries:
        by_region.setdefault(region_of_country(name)[0], []).append(name)
    assert len(countries) == 14 and "Latin America" not in by_region
    profile = community_profile(portland.area_set, portland.assets,
                                list(portland.area_set.areas.index), title="Portland metro")
    rows = profile.section("World regions of birth")
    assert sorted(r.removeprefix("region:") for r in rows["variable"]) == sorted(by_region)
    for _, row in rows.iterrows():
        region = row["variable"].removeprefix("region:")
        n = len(by_region[region])
        assert row["label"] != region
        assert row["label"].startswith(f"{region}: only ")
        assert f"({n} of the region's countries in this dataset)" in row["label"]
    [note] = profile.notes
    assert "not the region's total" in note and "foreign-born total is not in this dataset" in note
    for name in countries:
        assert name.split(" (")[0] in note  # "Burma (Karen)": the country is Burma
    assert "# This dataset holds 14 countries of birth" in profile_csv(profile)


def test_portland_everything_profile_equals_the_source_sums(portland, shared):
    """Issue #10: every count in the 'everything' profile is the sum of its source column,
    the LEP total (missing from the profile before) is the sum of the 12 C16001 columns,
    and its MOE is the Bureau's rule applied once over all 12 x 490 cells (computed here
    from the source file)."""
    from mapping.analysis.community import community_profile

    wide = pd.read_csv(shared / "portland_msa" / "acs2019_lep_birthplace_tracts_wide.csv",
                       dtype={"GEOID": str})
    profile = community_profile(portland.area_set, portland.assets,
                                list(portland.area_set.areas.index), title="everything")
    figures = profile.figures.set_index("variable")
    checked = 0
    for variable, row in figures.iterrows():
        if f"{variable}E" in wide.columns:
            assert row["estimate"] == wide[f"{variable}E"].sum(), variable
            checked += 1
    assert checked >= 14 + 12 + 2
    lep = figures.loc["lep_total"]
    assert lep["section"] == "Limited English"
    codes = pd.read_csv(shared / "portland_msa" / "variable_codes.csv")
    groups = codes.loc[codes["acs_variable"].str.match(r"C16001_0(?!01)"), "acs_variable"]
    assert len(groups) == 12
    est = wide[[f"{g}E" for g in groups]].to_numpy(dtype=float).ravel()
    moe = wide[[f"{g}M" for g in groups]].to_numpy(dtype=float).ravel()
    assert lep["estimate"] == est.sum() == pytest.approx(157_363)  # the figure
    expected_moe = np.sqrt((moe[est != 0] ** 2).sum() + moe[est == 0].max() ** 2)
    assert lep["moe"] == pytest.approx(expected_moe)


def test_cook_everything_profile_shows_the_lep_total_from_its_one_column(cook, shared):
    """Issue #10: Cook has only an all-language LEP column (DP02); the profile showed no
    LEP at all. Its total is the column's sum over the tracts that have a number."""
    from mapping.analysis.community import community_profile

    dp = _cook_rows(shared, "acs2021_il_tracts_dp_profile.csv", id_col="geo_id")
    column = pd.to_numeric(dp["speaks_english_less_very_well"], errors="coerce")
    expected = column[column >= 0].sum()
    profile = community_profile(cook.area_set, cook.assets, list(cook.area_set.areas.index),
                                title="everything")
    lep = profile.figures.set_index("variable").loc["lep_total"]
    assert lep["section"] == "Limited English"
    assert lep["estimate"] == expected == pytest.approx(673_502)  # the figure
