"""A fake Census API on 127.0.0.1 serving real figures from ../shared/data.

Portland (ACS 2015-2019): total population, the 12 limited-English language groups and the
14 countries of birth with their real estimates and MOEs. Cook County (ACS 2017-2021):
total population and foreign-born from the Data Profile. Every other cell is an ACS
"not available" sentinel, as the real API sends for suppressed figures.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from tests.census.fake_census import FakeCensus
from tests.census.tables import groups_2019, groups_renumbered
from tests.conftest import SHARED

PORTLAND_COUNTIES = {"41": {"051": "Multnomah County", "067": "Washington County",
                            "005": "Clackamas County", "071": "Yamhill County",
                            "009": "Columbia County"},
                     "53": {"011": "Clark County", "059": "Skamania County"}}


def _boundary_zip(gdf: gpd.GeoDataFrame) -> bytes:
    """A cartographic-boundary-style zipped shapefile (NAD83, with .prj)."""
    out = gdf.to_crs("EPSG:4269")
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "cb_tracts.shp"
        out.to_file(shp)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in Path(tmp).iterdir():
                zf.write(f, f.name)
        return buf.getvalue()


def _cb_frame(gdf: gpd.GeoDataFrame, aland: pd.Series) -> gpd.GeoDataFrame:
    geoid = gdf["GEOID"].astype(str)
    return gpd.GeoDataFrame({
        "STATEFP": geoid.str[:2], "COUNTYFP": geoid.str[2:5], "TRACTCE": geoid.str[5:],
        "GEOID": geoid, "NAME": geoid.str[5:].str.lstrip("0"),
        "NAMELSAD": gdf["NAME"].str.split(",").str[0], "ALAND": aland.astype("int64"),
        "AWATER": 0}, geometry=gdf.geometry, crs=gdf.crs)


def _portland():
    wide = pd.read_csv(SHARED / "portland_msa" / "acs2019_lep_birthplace_tracts_wide.csv",
                       dtype={"GEOID": str})
    values = {}
    for _, row in wide.iterrows():
        cells = {}
        for col in wide.columns:
            m = re.fullmatch(r"([BC]\d{5}_\d{3})([EM])", col)
            if m:
                code = m.group(1)
                if code == "B01001_001":  # total population: B05002_001 is the same count
                    code = "B05002_001"
                cells[code + m.group(2)] = f"{row[col]:.0f}"
        values[row["GEOID"]] = cells
    tracts = gpd.read_file(SHARED / "portland_msa" / "tracts_pdx_msa_2010.geojson")
    aland = tracts["area_sqmi"] * 2_589_988
    cb = _cb_frame(tracts, aland)
    zips = {(2019, st): _boundary_zip(cb[cb["STATEFP"] == st]) for st in ("41", "53")}
    return values, zips, wide


def _chicago():
    dp = pd.read_csv(SHARED / "chicago_cook" / "acs2021_il_tracts_dp_profile.csv", dtype=str)
    dp = dp[dp["county"] == "031"]
    values = {g.removeprefix("1400000US"): {"B05002_001E": p, "B05002_013E": fb}
              for g, p, fb in zip(dp["geo_id"], dp["total_population"],
                                  dp["tot_pop_birth_foreign"], strict=True)}
    tracts = gpd.read_file(SHARED / "chicago_cook" / "tracts_cook_2020_acs2020_medincome.geojson")
    aland = (~tracts.geometry.is_empty).astype(int) * 1_000_000  # Lake Michigan: no land
    return values, {(2021, "17"): _boundary_zip(_cb_frame(tracts, aland))}, dp


@pytest.fixture(scope="session")
def census_data():
    if not SHARED.exists():
        pytest.skip("the shared reference data (../shared/data) is not here")
    pdx_values, pdx_zips, wide = _portland()
    chi_values, chi_zips, dp = _chicago()
    return {"pdx_values": pdx_values, "pdx_zips": pdx_zips, "wide": wide,
            "chi_values": chi_values, "chi_zips": chi_zips, "dp": dp}


@pytest.fixture
def fake_census(census_data):
    fake = FakeCensus(
        groups={2019: groups_2019(), 2021: groups_renumbered()},
        states={"17": "Illinois", "41": "Oregon", "53": "Washington"},
        counties={**PORTLAND_COUNTIES, "17": {"031": "Cook County", "043": "DuPage County"}},
        values={2019: census_data["pdx_values"], 2021: census_data["chi_values"]},
        boundaries={**census_data["pdx_zips"], **census_data["chi_zips"]},
    ).start()
    yield fake
    fake.stop()
