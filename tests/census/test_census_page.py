"""The census page, headless, against the local fake Census API: one action loads a county."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_load_a_county_from_the_page_then_see_it_on_the_map(fake_census, tmp_path, monkeypatch):
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_CENSUS_API", f"{fake_census.url}/data")
    monkeypatch.setenv("NAM_CENSUS_BOUNDARIES", f"{fake_census.url}/geo/tiger")
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page("pages/census.py").run()
    assert not at.exception
    at.selectbox(key="census_year").set_value(2019).run()
    assert at.selectbox(key="census_state").options == ["Illinois", "Oregon", "Washington"]
    at.selectbox(key="census_state").set_value("41").run()
    at.multiselect(key="census_counties").set_value(["051"]).run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    success = " ".join(s.value for s in at.success)
    assert "Multnomah County" in success and "170 tracts" in success
    assert "unreliable" in success
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert "Multnomah County" in at.title[0].value
    assert "170 areas" in " ".join(c.value for c in at.main.caption)
    # The loaded county has every origin of B05006 in the filter pane, by world region.
    regions = at.sidebar.multiselect(key="f_regions").options
    assert {"Asia", "Europe", "Africa", "Latin America"} <= set(regions)


def test_offline_the_pickers_still_work_and_loading_says_the_network_is_needed(tmp_path,
                                                                            monkeypatch):
    """Issue #15: offline, the page showed a red error before anything was done and no
    picker. The state and county lists ship with the app (compared here with the Census
    Bureau's county file the app ships through addfips); only loading needs the network."""
    import csv
    import importlib.resources

    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_CENSUS_API", "http://127.0.0.1:9/data")
    monkeypatch.setenv("NAM_CENSUS_BOUNDARIES", "http://127.0.0.1:9/geo")
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page("pages/census.py").run()
    assert not at.exception
    assert not at.error  # nothing is wrong until the user asks for something
    assert any("cannot be reached" in i.value and "Import a downloaded table" in i.value
               for i in at.info)
    states = at.selectbox(key="census_state")
    assert len(states.options) == 52  # 50 states, DC and Puerto Rico
    states.set_value("41").run()
    with (importlib.resources.files("addfips") / "data" / "counties_2020.csv").open() as f:
        oregon = sorted(r["name"] for r in csv.DictReader(f) if r["statefp"] == "41")
    counties = at.multiselect(key="census_counties")
    assert sorted(o.removesuffix(", Oregon") for o in counties.options) == oregon
    counties.set_value(["051"]).run()
    at.button[0].click().run()
    assert not at.exception
    [error] = at.error
    assert "loading needs the Census Bureau's services over the network" in error.value
    assert "Import a downloaded table" in error.value
    assert not (tmp_path / "data" / "datasets").exists() or not any(
        (tmp_path / "data" / "datasets").iterdir())
