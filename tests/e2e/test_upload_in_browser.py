"""Issue #13: a new user loads a region's tracts and a table by accepting what the form
proposes: the join, the statistics with their margins of error, the roles."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
from playwright.sync_api import expect

from mapping.infra.settings import load_settings
from mapping.sources.datasets import find_dataset, load_dataset


def test_upload_a_boundary_and_a_wide_table_and_save_by_accepting_the_proposal(
        app_url, page, app_data_dir, shared):
    boundary = shared / "portland_msa" / "tracts_pdx_msa_2010.geojson"
    table = shared / "portland_msa" / "acs2019_lep_birthplace_tracts_wide.csv"
    actions = 0
    page.goto(f"{app_url}/data")
    uploaders = page.locator("[data-testid='stFileUploader'] input[type=file]")
    expect(uploaders.first).to_be_attached(timeout=60_000)
    uploaders.nth(0).set_input_files(str(boundary))
    actions += 1
    expect(page.get_by_text("Area id column")).to_be_visible(timeout=60_000)
    uploaders.nth(1).set_input_files(str(table))
    actions += 1
    expect(page.get_by_text("Proposed join: GEOID ↔ GEOID: 490 of 490 areas match")
           ).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Check and save dataset")).to_be_enabled(
        timeout=60_000)
    actions += _name_and_save(page, "Portland upload check", "portland_upload_check")
    assert actions <= 10

    # The saved description maps what the source holds; its totals are the file's sums.
    spec = json.loads((app_data_dir / "datasets" / "portland_upload_check" / "dataset.json")
                      .read_text())
    variables = {v["id"]: v for t in spec["tables"] for v in t["variables"]}
    wide = pd.read_csv(table, dtype={"GEOID": str})
    estimates = [c for c in wide.columns if c.endswith("E") and c[:-1] + "M" in wide.columns]
    assert set(variables) == set(estimates)  # every estimate column, each with its MOE
    assert all(variables[c]["moe"] == c[:-1] + "M" for c in estimates)
    assert variables["B01001_001E"]["role"] == "total_population"
    assert variables["C16001_005E"]["language"] == "spanish"
    settings = load_settings({"NAM_DATA_DIR": str(app_data_dir), "NAM_SHARED_DATA": str(shared)})
    area_set = load_dataset(find_dataset(settings, "portland_upload_check"), settings).area_set
    for column in estimates:
        assert area_set.estimates[column].sum() == wide[column].sum(), column


def test_a_city_table_and_two_asset_files_each_with_its_own_mapping(app_url, page, app_data_dir,
                                                                     shared):
    """Issue #13: one asset file per dataset only (a city's libraries and its senior centres
    could not both be added). Two files, each mapped by what the form proposes."""
    cook = shared / "chicago_cook"
    actions = 0
    page.goto(f"{app_url}/data")
    uploaders = page.locator("[data-testid='stFileUploader'] input[type=file]")
    expect(uploaders.first).to_be_attached(timeout=60_000)
    uploaders.nth(0).set_input_files(str(cook / "tracts_cook_2020_acs2020_medincome.geojson"))
    actions += 1
    expect(page.get_by_text("Area id column")).to_be_visible(timeout=60_000)
    uploaders.nth(1).set_input_files(str(cook / "rdh_il_lang_2021_t_acs2021_tracts.csv"))
    actions += 1
    expect(page.get_by_text(re.compile(r"Proposed join: GEOID ↔ GEOID: 1,3\d\d of 1,332"))
           ).to_be_visible(timeout=60_000)
    asset_names = page.get_by_text("Name column", exact=True)  # one per asset file mapped
    uploaders.nth(2).set_input_files(str(cook / "assets" / "cpl_library_locations.csv"))
    actions += 1
    expect(asset_names).to_have_count(1, timeout=60_000)
    page.get_by_role("button", name="Add another asset file").click()
    actions += 1
    expect(uploaders.nth(3)).to_be_attached(timeout=60_000)
    uploaders.nth(3).set_input_files(str(cook / "assets" / "senior_centers.geojson"))
    actions += 1
    # As a person would: save once the second file's columns are shown (a click during its
    # upload saves what had arrived; a loaded clean-clone run did that).
    expect(asset_names).to_have_count(2, timeout=60_000)
    actions += _name_and_save(page, "Chicago two asset files", "chicago_two_asset_files")
    assert actions <= 10
    settings = load_settings({"NAM_DATA_DIR": str(app_data_dir), "NAM_SHARED_DATA": str(shared)})
    data = load_dataset(find_dataset(settings, "chicago_two_asset_files"), settings)
    counts = {s.label: len(s.assets) for s in data.asset_sources}
    libraries = pd.read_csv(cook / "assets" / "cpl_library_locations.csv")
    seniors = gpd.read_file(cook / "assets" / "senior_centers.geojson")
    assert counts == {"cpl_library_locations.csv": len(libraries),
                      "senior_centers.geojson": len(seniors)}


def _name_and_save(page, name: str, dataset_id: str) -> int:
    """Name the dataset and save it (two actions); wait until it is saved."""
    page.get_by_label("Dataset name").fill(name)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Check and save dataset").click()
    expect(page.get_by_text(f"Saved as '{dataset_id}'")).to_be_visible(timeout=120_000)
    return 2
