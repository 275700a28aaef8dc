"""The asset database page, as two people at two branches would use it at once."""

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from mapping.records.assets import normalize_assets
from mapping.records.store import Store

APP = Path(__file__).resolve().parents[2] / "app.py"


def _page(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/assets.py").run()
    assert not at.exception, at.exception
    return at


def _submit(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def test_add_an_asset_then_see_it_on_the_map(tmp_path, monkeypatch):
    at = _page(tmp_path, monkeypatch)
    at.text_input(key="user_name").input("Ana, North branch")
    at.text_input(key="add_name").input("Clínica <Latina>")
    at.text_input(key="add_lang").input("Spanish; Haitian Creole")
    at.number_input(key="add_lat").set_value(38.55)
    at.number_input(key="add_lon").set_value(-97.9)
    _submit(at, "Add asset")
    assert not at.exception
    # The name is shown as text: its markup characters are escaped in the message.
    assert any("Added 'Clínica \\<Latina\\>'" in s.value for s in at.success)
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    [row] = store.assets_frame().query("source_key.isna()").to_dict("records")  # typed in
    assert row["languages"] == ("es", "ht") and row["name"] == "Clínica <Latina>"
    assert store.history(row["asset_id"])[0]["user"] == "Ana, North branch"
    at.switch_page("pages/map.py").run()  # the new asset is in Demo County: it is drawn
    assert "321 of 321 assets shown" in " ".join(c.value for c in at.main.caption)


def test_the_database_holds_the_assets_the_map_shows(tmp_path, monkeypatch):
    """Issue #9: on a fresh start the asset database lists the demo's 320 assets, and an
    edit made there is what the map draws."""
    at = _page(tmp_path, monkeypatch)
    assert "320 assets" in " ".join(c.value for c in at.main.caption)
    # Shown a hundred at a time: 320 = three full pages and 20 on the fourth.
    assert "320 found · showing 1–100" in " ".join(c.value for c in at.main.caption)
    assert len(at.dataframe(key="asset_table").value) == 100
    at.number_input(key="asset_page").set_value(4).run()
    assert len(at.dataframe(key="asset_table").value) == 20
    at.text_input(key="asset_search").input("Library").run()  # fewer pages than page 4
    assert not at.exception, at.exception
    at.text_input(key="asset_search").input("").run()
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    frame = store.assets_frame()
    assert frame["source_key"].eq("dataset:demo:generated").all()
    first = frame.iloc[0]
    store.update_asset(first["asset_id"], {"status": "inactive", "name": "Renamed on purpose"},
                       expected_version=int(first["version"]), user="ana")
    at.switch_page("pages/map.py").run()
    assert not at.exception, at.exception
    # The map reads the database: the record made inactive there is no longer drawn.
    assert "319 of 320 assets shown" in " ".join(c.value for c in at.main.caption)
    at2 = AppTest.from_file(str(APP), default_timeout=60)  # a new visitor: same records
    at2.run()
    at2.switch_page("pages/assets.py").run()
    at2.text_input(key="asset_search").input("Renamed on purpose").run()
    assert at2.dataframe(key="asset_table").value["Status"].tolist() == ["inactive"]


def test_a_refused_asset_keeps_what_was_typed_and_says_why(tmp_path, monkeypatch):
    at = _page(tmp_path, monkeypatch)
    at.text_input(key="user_name").input("Bo")
    at.text_input(key="add_name").input("Mystery place")
    _submit(at, "Add asset")  # not placed: refused, with what to do
    assert any("place it first" in e.value for e in at.error)
    at.number_input(key="add_lat").set_value(38.55)
    at.number_input(key="add_lon").set_value(-97.9)
    at.text_input(key="add_lang").input("Dothraki")
    _submit(at, "Add asset")
    assert any("unknown language 'Dothraki'" in e.value for e in at.error)
    assert at.text_input(key="add_name").value == "Mystery place"


def test_two_people_edit_the_same_asset_and_nothing_is_lost(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir(parents=True)
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    # A name no demo asset shares (the demo's are imported into the same database and
    # ten of them are "... Welcome Center": a search for that made row 0 a random one).
    row = store.create_asset({"name": "Quetzal Newcomer Office", "category": "settlement",
                              "latitude": 38.55, "longitude": -97.9}, user="setup")
    ana, bo = _page(tmp_path, monkeypatch), _page(tmp_path, monkeypatch)
    for at, name in ((ana, "Ana"), (bo, "Bo")):
        at.text_input(key="user_name").input(name)
        at.text_input(key="asset_search").input("Quetzal Newcomer Office").run()
        at.dataframe(key="asset_table")  # the table is there
        at.session_state["asset_table"] = {"selection": {"rows": [0], "columns": []}}
        at.run()
    prefix = f"edit_{row['asset_id']}"
    ana.text_input(key=f"{prefix}_phone").input("316-555-0100")
    _submit(ana, "Save changes")
    assert any(s.value == "Saved." for s in ana.success)
    bo.text_input(key=f"{prefix}_hours").input("Sat 10-2")
    _submit(bo, "Save changes")
    assert not bo.exception
    assert any("Your version is kept" in w.value for w in bo.warning)
    assert bo.text_input(key=f"{prefix}_hours").value == "Sat 10-2"  # the draft survives
    _submit(bo, "Save changes")  # Bo saves again on top of Ana's change
    saved = store.get_asset(row["asset_id"])
    assert saved["phone"] == "316-555-0100" and saved["hours"] == "Sat 10-2"
    actions = [h["action"] for h in store.history(row["asset_id"])]
    assert actions == ["create", "update", "conflict", "update"]


def test_outreach_page_logs_a_contact_and_highlights_overdue_steps(tmp_path, monkeypatch):
    at = _page(tmp_path, monkeypatch)
    at.switch_page("pages/outreach.py").run()
    assert not at.exception, at.exception
    at.text_area(key="log_summary").input("Met the imam; interested in ESL classes")
    _submit(at, "Log contact")  # no name typed yet: refused, and the summary is kept
    assert any("say who made the contact" in e.value for e in at.error)
    assert at.text_area(key="log_summary").value == "Met the imam; interested in ESL classes"
    at.text_input(key="user_name").input("Ana").run()
    _submit(at, "Log contact")
    assert not at.exception, at.exception
    assert any(s.value == "Logged." for s in at.success)
    log = at.dataframe[0].value
    assert log["summary"].tolist() == ["Met the imam; interested in ESL classes"]
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    store.add_action(step="Bring flyers", owner="Ana", due="2020-01-01", user="ana")
    at.run()
    plan = at.dataframe[1].value
    assert plan["overdue"].tolist() == [True]


def test_with_a_staff_passcode_the_public_sees_no_staff_sites_and_cannot_edit(tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NAM_STAFF_PASSCODE", "maple-2026")
    (tmp_path / "data").mkdir()
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    store.create_asset({"name": "Staff meeting room", "category": "community",
                        "visibility": "staff", "latitude": 38.55, "longitude": -97.9}, user="x")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert "320 of 320 assets shown" in " ".join(c.value for c in at.main.caption)
    at.switch_page("pages/assets.py").run()
    assert any("for library staff" in i.value for i in at.info)
    assert not at.dataframe  # nothing of the database is shown
    at.sidebar.text_input(key="staff_passcode_typed").input("wrong").run()
    assert any("not right" in e.value for e in at.sidebar.error)
    at.sidebar.text_input(key="staff_passcode_typed").input("maple-2026").run()
    assert not at.info or not any("for library staff" in i.value for i in at.info)
    assert len(at.dataframe) >= 1
    at.switch_page("pages/map.py").run()
    assert "321 of 321 assets shown" in " ".join(c.value for c in at.main.caption)


def test_staff_merge_a_likely_duplicate_from_the_page(tmp_path, monkeypatch):
    """Issue #9: a likely duplicate from another source is imported and waits for staff."""
    at = _page(tmp_path, monkeypatch)  # the demo's 320 assets are in the database now
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    demo = store.assets_frame().iloc[0]
    frame = pd.DataFrame([{"name": demo["name"].upper(), "category": demo["category"],
                           "latitude": demo.geometry.y + 0.0001, "longitude": demo.geometry.x}])
    records, _ = normalize_assets(frame, source="walkabout.csv")
    [new_id] = store.import_assets(records, user="bo").added
    at.text_input(key="user_name").input("Ana").run()
    _submit(at, "Merge")
    assert not at.exception, at.exception
    merged = store.get_asset(new_id)
    assert merged["deleted"] and merged["merged_into"] == demo["asset_id"]
    assert store.duplicate_candidates().empty
    assert store.history(new_id)[-1]["user"] == "Ana"


def test_staff_log_a_contact_and_a_next_step_beside_the_map(tmp_path, monkeypatch):
    """Issue #9: the asset clicked on the map is the database's; staff log a contact there
    and add a next step without leaving the map, and a refusal keeps what was typed."""
    at = _page(tmp_path, monkeypatch)
    at.switch_page("pages/map.py").run()
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    asset = store.assets_frame().iloc[7]  # a demo asset, imported when the map first loaded
    at.session_state["selection"] = ("asset", asset["asset_id"])
    at.run()
    assert not at.exception, at.exception
    prefix = f"panel_log_{asset['asset_id']}"
    at.text_area(key=f"{prefix}_summary").input("Met the director; wants ESL flyers")
    _submit(at, "Log contact")  # no name yet: refused, the summary is kept
    assert any("Type your name" in e.value for e in at.error)
    assert at.text_area(key=f"{prefix}_summary").value == "Met the director; wants ESL flyers"
    at.text_input(key="user_name").input("Ana, North").run()
    _submit(at, "Log contact")
    assert any(s.value == "Contact logged." for s in at.success)
    [logged] = store.outreach_log().to_dict("records")
    assert (logged["asset_id"], logged["staff"], logged["summary"]) == (
        asset["asset_id"], "Ana, North", "Met the director; wants ESL flyers")
    assert at.text_area(key=f"{prefix}_summary").value == ""  # cleared once logged
    step = f"panel_step_{asset['asset_id']}"
    at.text_input(key=f"{step}_text").input("Drop off flyers in Spanish")
    _submit(at, "Add to the action plan")
    assert not at.error, [e.value for e in at.error]
    [planned] = store.action_plan().to_dict("records")
    assert (planned["asset_id"], planned["step"], planned["owner"]) == (
        asset["asset_id"], "Drop off flyers in Spanish", "Ana, North")


def test_the_asset_page_lists_every_row_a_source_refused_with_its_reason(tmp_path,
                                                                         monkeypatch):
    """Issue #9: picking a dataset lists its assets and every refused row with the reason."""
    import json

    import geopandas as gpd
    import shapely

    folder = tmp_path / "data" / "datasets" / "refusals"
    folder.mkdir(parents=True)
    gpd.GeoDataFrame({"GEOID": ["1"], "NAME": ["Tract 1"]},
                     geometry=[shapely.box(-150.0, 61.5, -149.9, 61.6)],
                     crs="EPSG:4326").to_file(folder / "areas.geojson")
    pd.DataFrame({"GEOID": ["1"], "POP": [4000], "FB": [900]}).to_csv(folder / "stats.csv",
                                                                    index=False)
    pd.DataFrame([
        {"name": "Good place", "category": "esl", "languages": "es",
         "latitude": 61.55, "longitude": -149.95},
        {"name": "Speaks Dothraki", "category": "esl", "languages": "Dothraki",
         "latitude": 61.55, "longitude": -149.95},
        {"name": "No place", "category": "esl", "languages": "es",
         "latitude": "", "longitude": ""},
    ]).to_csv(folder / "assets.csv", index=False)
    spec = {"name": "Refusals County", "source": "test", "year": "2024",
            "areas": {"path": "areas.geojson", "id": "GEOID", "name": "NAME"},
            "tables": [{"path": "stats.csv", "id": "GEOID", "variables": [
                {"id": "pop", "estimate": "POP", "label": "People", "topic": "population",
                 "role": "total_population"},
                {"id": "fb", "estimate": "FB", "label": "Foreign-born", "topic": "origin",
                 "role": "foreign_born", "universe": "pop"}]}],
            "assets": [{"path": "assets.csv", "fields": {
                "name": "name", "category": "category", "languages": "languages"}}]}
    (folder / "dataset.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("NAM_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["ds"] = "refusals"
    at.run()
    at.switch_page("pages/assets.py").run()
    assert not at.exception, at.exception
    [expander] = [e for e in at.expander if "come from" in e.label]
    assert "2 row(s) refused" in expander.label
    refused = expander.dataframe[0].value
    assert len(refused) == 2
    reasons = " ".join(refused["reason"])
    assert "Dothraki" in reasons
    assert refused["row"].tolist() == [2, 3]  # the second and third records of the file
    assert "no coordinates" in reasons
    assert at.dataframe(key="asset_table").value["Name"].tolist() == ["Good place"]
