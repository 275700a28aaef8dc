"""Every page runs headless (Streamlit AppTest) and shows what its filters ask for."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

TIMEOUT = 60
APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_TILES", "none")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _caption(at: AppTest) -> str:
    return " ".join(c.value for c in at.main.caption)


def test_map_page_opens_on_the_demo_and_says_it_is_synthetic(app):
    assert app.title[0].value.replace("\\", "") == "Demo County (synthetic demo data)"
    assert any("Synthetic demo data" in w.value for w in app.sidebar.warning)
    caption = _caption(app)
    assert "Foreign-born (people)" in caption and "260 areas" in caption
    assert "320 of 320 assets shown" in caption


def test_language_filter_drives_measure_and_assets(app):
    app.sidebar.multiselect(key="f_languages").set_value(["vietnamese"]).run()
    assert not app.exception
    caption = _caption(app)
    assert "Speak Vietnamese at home and English less than 'very well'" in caption
    shown = int(caption.split(" of 320 assets")[0].rsplit("· ", 1)[1])
    assert 0 < shown < 320
    assert app.query_params["lang"] == "vietnamese"


def test_the_filters_stay_on_screen_when_the_map_page_fails(app, monkeypatch):
    """The map page draws its filters after the map (issue #11: the map repaints sooner);
    a failure in between still leaves every filter there, with its value, to change."""
    import mapping.analysis.filters as filters_module

    app.sidebar.multiselect(key="f_languages").set_value(["vietnamese"]).run()

    def broken(*args, **kwargs):
        raise RuntimeError("the measure could not be computed")

    monkeypatch.setattr(filters_module, "compute_measure", broken)
    app.run()
    assert "the measure could not be computed" in app.exception[0].message
    assert app.sidebar.multiselect(key="f_languages").value == ["vietnamese"]
    assert app.sidebar.selectbox(key="f_dataset").value == "demo"
    assert app.sidebar.radio(key="f_measure").value == "count"


def test_region_share_and_category_filters(app):
    app.sidebar.multiselect(key="f_regions").set_value(["Africa"])
    app.sidebar.radio(key="f_measure").set_value("share")
    app.sidebar.multiselect(key="f_categories").set_value(["legal"]).run()
    assert not app.exception
    caption = _caption(app)
    assert "Born in Africa" in caption and "% of Total population" in caption
    assert app.query_params["reg"] == "Africa" and app.query_params["m"] == "share"


def test_shared_link_restores_filters_and_ignores_unknown_values(tmp_path, monkeypatch):
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = "spanish,klingon"
    at.query_params["m"] = "density"
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="f_languages").value == ["spanish"]
    assert "Speak Spanish" in _caption(at) and "people per km²" in _caption(at)


def test_data_page_shows_sources_and_upload_form(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert app.title[0].value == "Data"
    assert [m.value for m in app.metric] == ["260", "48", "320"]
    assert any(h.value == "Add your own data" for h in app.header)


def test_cook_county_from_the_sidebar(app, cook):
    app.sidebar.selectbox(key="f_dataset").set_value("cook_county").run()
    assert not app.exception
    assert app.title[0].value == "Cook County, IL"
    assert "1,331 areas" in _caption(app)  # the Lake Michigan tract has no shape
    assert "1,327 of 1,327 assets shown" in _caption(app)


def test_profile_page_everything_and_chosen_areas(app):
    app.switch_page("pages/profile.py").run()
    assert not app.exception
    assert app.title[0].value == "Who lives here?"
    assert [m.label for m in app.metric][:3] == ["Total population",
                                                 "Population 5 years and over", "Foreign-born"]
    assert app.metric[2].value.startswith("101,387")
    app.radio(key="profile_mode").set_value("Areas I choose").run()
    first = app.multiselect(key="profile_areas").options[0]
    app.multiselect(key="profile_areas").select(first).run()
    assert not app.exception
    assert "1 chosen areas" in app.subheader[0].value
    assert len(app.get("download_button")) == 2


def test_profile_page_compares_two_branches_in_words(app):
    """Issue #12 item 4: two branches' service areas side by side, the second tested
    against the first (the test itself is worked by hand in tests/unit/test_analysis.py)."""
    app.switch_page("pages/profile.py").run()
    names = app.multiselect(key="compare_branches").options
    app.multiselect(key="compare_branches").set_value(names[:2]).run()
    assert not app.exception
    table = app.dataframe[-1].value
    said = table[f"{names[1]}: compared with {names[0]}"]
    assert set(said) <= {"more than", "less than", "not distinguishable from",
                         "no margin of error to test"}
    assert {"more than", "less than"} & set(said)  # two real service areas differ somewhere
    assert table.loc[table["figure"] == "Foreign-born", names[0]].iloc[0].endswith(
        tuple("0123456789"))


def test_branches_page_sentences(app):
    app.switch_page("pages/branches.py").run()
    assert not app.exception
    assert app.title[0].value == "Which branch serves whom?"
    bullets = [m.value for m in app.markdown if "serves" in m.value]
    assert len(bullets) == 3 and "foreign-born residents" in bullets[0]


def test_gaps_page_ranks_and_picks_sites(app):
    app.sidebar.multiselect(key="f_languages").set_value(["spanish"])
    app.sidebar.multiselect(key="f_categories").set_value(["esl", "library"])
    app.switch_page("pages/gaps.py").run()
    assert not app.exception
    assert app.title[0].value == "Where are the gaps?"
    text = " ".join(m.value for m in app.markdown)
    assert "gap score = people in need × kilometres" in text
    assert "Speak Spanish" in text
    ranking, picks = app.dataframe[0].value, app.dataframe[1].value
    assert len(ranking) == 25 and list(ranking["rank"]) == list(range(1, 26))
    assert 1 <= len(picks) <= 5



def test_a_gap_page_link_keeps_radius_sites_and_picks(tmp_path, monkeypatch):
    """Issue #11: the gap page's radius, number of picks and candidate sites are in its
    link; a hand-edited value out of range falls back to the default."""
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/gaps.py")
    at.query_params.update({"r": "1500", "k": "99", "sites": "branches,areas"})
    at.run()
    assert not at.exception, at.exception
    assert at.number_input(key="gap_radius").value == 1.5  # shown in km, kept in metres
    assert at.number_input(key="gap_k").value == 5  # 99 is beyond 20: the default
    assert at.multiselect(key="gap_sites").value == ["branches", "areas"]
    assert "within 1.5 km" in " ".join(m.value for m in at.markdown)
    at.number_input(key="gap_radius").set_value(1.2).run()
    assert at.query_params["r"] == "1200"
    assert "k" not in at.query_params  # the default is left out of the link

@pytest.mark.parametrize("page,staff_control", [
    ("pages/census.py", "Import"),
    ("pages/data.py", "Check and save dataset"),
])
def test_with_a_staff_passcode_visitors_cannot_save_datasets(tmp_path, monkeypatch, page,
                                                             staff_control):
    """Issue #8, finding 1: a dataset saved by a visitor was shown to everyone (stored XSS
    through its column names), so saving one is staff work once staff access is set."""
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_STAFF_PASSCODE", "maple-2026")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert any("for administrators" in i.value for i in at.info)
    assert staff_control not in [b.label for b in at.button]
    at.sidebar.text_input(key="staff_passcode_typed").input("maple-2026").run()
    assert staff_control in [b.label for b in at.button]


def test_wrong_passcodes_lock_staff_sign_in_for_a_while(tmp_path, monkeypatch):
    """Issue #8 item 7: 25 wrong guesses in 24 s, then the right one, used to get in. Now
    the fifth wrong guess locks sign-in (every session of the server) for five minutes."""
    from ui.access import _limiter

    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_STAFF_PASSCODE", "maple-2026")
    _limiter.clear()
    try:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.run()
        at.switch_page("pages/assets.py").run()
        for guess in range(5):
            at.sidebar.text_input(key="staff_passcode_typed").input(f"guess-{guess}").run()
            assert any("not right" in e.value for e in at.sidebar.error)
        # A new visitor (another session) with the right passcode is refused too, for now.
        other = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        other.run()
        other.switch_page("pages/assets.py").run()
        other.sidebar.text_input(key="staff_passcode_typed").input("maple-2026").run()
        assert any("Too many wrong passcodes" in e.value for e in other.sidebar.error)
        assert any("for library staff" in i.value for i in other.info)
    finally:
        _limiter.clear()


def test_staff_remove_a_saved_dataset_from_the_data_page(tmp_path, monkeypatch):
    """Issue #8 item 10: with a quota on saved datasets, staff can free a place; the
    dataset leaves the picker and is kept under data/datasets/.removed/."""
    import json

    from mapping.infra.settings import load_settings
    from mapping.sources.uploads import save_dataset

    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_TILES", "none")
    settings = load_settings({"NAM_DATA_DIR": str(tmp_path / "data")})
    described = _riverside(tmp_path)
    dataset_id, _ = save_dataset(json.loads(described.read_text()),
                                 {f.name: f for f in described.parent.iterdir()
                                  if f != described}, settings)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    assert "Riverside tracts" in at.sidebar.selectbox(key="f_dataset").options
    assert at.selectbox(key="remove_dataset").value == dataset_id
    assert at.button(key="remove_go").disabled  # not before saying yes
    at.checkbox(key="remove_sure").check().run()
    at.button(key="remove_go").click().run()
    assert not at.exception, at.exception
    assert "Riverside tracts" not in at.sidebar.selectbox(key="f_dataset").options
    assert any("Removed 'Riverside tracts'" in s.value for s in at.success)
    assert not (settings.datasets_dir / dataset_id).exists()
    assert len(list((settings.datasets_dir / ".removed").glob(f"{dataset_id}-*"))) == 1


def test_portland_region_filter_says_it_holds_only_some_countries(app, portland):
    """Issue #15: Portland has 14 countries of birth; its region filter and the map's
    legend name the countries summed, never 'Asia' as if it were the region's total."""
    app.sidebar.selectbox(key="f_dataset").set_value("portland_metro").run()
    assert not app.exception
    regions = app.sidebar.multiselect(key="f_regions")
    assert regions.label == "Origin: countries of a region"
    asia = [v for v in portland.area_set.catalog.origins() if v.region == "Asia"]
    assert f"Asia ({len(asia)} of its countries here)" in regions.options
    regions.set_value(["Asia"]).run()
    assert not app.exception
    caption = _caption(app).replace("\\", "")  # Markdown escapes in the caption
    assert "Born in Asia: only " in caption
    assert f"({len(asia)} of the region's countries in this dataset)" in caption
    # The demo holds every country it has (its foreign-born is their sum): whole regions.
    app.sidebar.selectbox(key="f_dataset").set_value("demo").run()
    assert app.sidebar.multiselect(key="f_regions").label == "Origin: whole world regions"


def test_portland_gaps_page_says_there_is_nothing_to_rank_and_why(app, portland):
    """Issue #10 item 2: Portland has no assets; the page ranked areas with a '0 - 0'
    legend and no warning."""
    assert portland.assets.empty
    app.sidebar.selectbox(key="f_dataset").set_value("portland_metro").run()
    app.switch_page("pages/gaps.py").run()
    assert not app.exception, app.exception
    [warning] = app.warning
    assert "no community assets yet" in warning.value and "nothing to rank" in warning.value
    assert not app.dataframe  # no ranking table at all


def test_cook_gaps_page_names_the_coverage_and_what_it_leaves_out(app, cook):
    app.sidebar.selectbox(key="f_dataset").set_value("cook_county").run()
    app.switch_page("pages/gaps.py").run()
    assert not app.exception, app.exception
    info = " ".join(i.value for i in app.info)
    assert "City of Chicago" in info and "not surveyed" in info
    assert "areas lie outside" in info and "areas are ranked" in info


def test_distances_in_miles_by_setting(tmp_path, monkeypatch):
    """Issue #10: kilometres or miles by setting, never metres."""
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_DISTANCE_UNIT", "mi")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/gaps.py").run()
    assert not at.exception, at.exception
    radius = at.number_input(key="gap_radius")
    assert radius.label == "Walking radius (mi)" and radius.value == 0.5
    assert "within 0.5 mi" in " ".join(m.value for m in at.markdown)
    radius.set_value(1.0).run()
    assert at.query_params["r"] == "1609"  # one mile, in metres in the link


def _riverside(tmp_path):
    """A small dataset description with its files, in its own folder (not saved)."""
    import json

    import geopandas as gpd
    import pandas as pd
    import shapely

    folder = tmp_path / "riverside"
    folder.mkdir()
    gpd.GeoDataFrame({"GEOID": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1),
                     shapely.box(1, 0, 2, 1)], crs="EPSG:4326").to_file(folder / "areas.geojson")
    pd.DataFrame({"GEOID": ["A", "B"], "fb": [10, 32]}).to_csv(folder / "stats.csv", index=False)
    spec = {"name": "Riverside tracts", "source": "city", "year": "2024",
            "areas": {"path": "areas.geojson", "id": "GEOID"},
            "tables": [{"path": "stats.csv", "id": "GEOID", "variables": [
                {"id": "fb", "estimate": "fb", "label": "Foreign-born", "topic": "origin",
                 "role": "foreign_born"}]}]}
    (folder / "riverside.json").write_text(json.dumps(spec))
    return folder / "riverside.json"


def test_nam_dataset_takes_the_path_of_a_description(tmp_path, monkeypatch):
    """Issue #13 item 1: NAM_DATASET=/path/to/dataset.json silently showed Demo County."""
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_TILES", "none")
    monkeypatch.setenv("NAM_DATASET", str(_riverside(tmp_path)))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Riverside tracts"
    assert "2 areas" in _caption(at)


@pytest.mark.parametrize("value,said", [
    ("/nowhere/riverside.json", "riverside.json, which does not exist"),
    ("hennepin", "'hennepin', which is no dataset here"),
])
def test_a_bad_nam_dataset_is_an_error_that_says_which(tmp_path, monkeypatch, value, said):
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_DATASET", value)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    [error] = at.error
    assert said in error.value.replace("\\", "")
    assert not at.title  # not the demo in its place


def test_the_map_from_the_keyboard_find_and_open_and_as_a_table(app):
    """Issue #17 items 1-2: areas and assets open from the keyboard (typing a name), and the
    map's findings are also a table: every area's value, margin and reliability."""
    from mapping.sources.demo import demo_dataset

    area_set, _ = demo_dataset()
    geoid = area_set.areas.index[7]
    name = str(area_set.areas.loc[geoid, "name"])
    app.text_input(key="find_on_map").input(name).run()
    assert not app.exception, app.exception
    choice = app.selectbox(key="find_choice")
    assert f"Area: {name}" in choice.options
    choice.set_value(f"area:{geoid}").run()
    app.button(key="find_open").click().run()
    assert not app.exception, app.exception
    assert any(h.value.replace("\\", "") == name for h in app.subheader)  # its panel
    assert app.query_params["sel"] == f"area:{geoid}"
    app.toggle(key="map_table").set_value(True).run()
    table = app.dataframe[0].value
    assert len(table) == len(area_set.areas)
    row = table.set_index("area id").loc[geoid]
    assert row["Foreign-born"] == f"{area_set.estimates.at[geoid, 'fb_total']:,.0f}"
