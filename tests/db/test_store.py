"""The shared asset database on SQLite and PostgreSQL: nothing anyone types is ever lost."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import sqlalchemy as sa

from mapping.assets import normalize_assets
from mapping.datasets import load_assets, read_spec
from mapping.errors import DataError
from mapping.store import EditConflict, Store, contacts
from tests.db.conftest import ASSET

ROOT = Path(__file__).resolve().parents[2]


def test_two_sessions_edit_the_same_asset_one_wins_the_other_keeps_its_draft(store_url):
    ana, bo = Store(store_url), Store(store_url)  # two branches, two connections
    created = ana.create_asset(ASSET, user="ana@north")
    seen_by_ana = ana.get_asset(created["asset_id"])
    seen_by_bo = bo.get_asset(created["asset_id"])
    ana.update_asset(created["asset_id"], {"phone": "312-555-0100"},
                     expected_version=seen_by_ana["version"], user="ana@north")
    with pytest.raises(EditConflict) as conflict:
        bo.update_asset(created["asset_id"], {"hours": "Sat 10-2", "phone": "773-555-0199"},
                        expected_version=seen_by_bo["version"], user="bo@south")
    assert conflict.value.draft["hours"] == "Sat 10-2"  # the draft is kept
    assert conflict.value.current["phone"] == "312-555-0100"  # ... beside what is saved
    assert "changed by ana@north" in str(conflict.value)
    saved = bo.get_asset(created["asset_id"])
    assert saved["phone"] == "312-555-0100" and saved["hours"] == ""  # nothing overwritten
    log = [(h["action"], h["user"]) for h in ana.history(created["asset_id"])]
    assert log == [("create", "ana@north"), ("update", "ana@north"), ("conflict", "bo@south")]
    assert ana.history(created["asset_id"])[-1]["data"]["hours"] == "Sat 10-2"
    # Bo compares, then saves on top of the current version: it lands.
    bo.update_asset(created["asset_id"], {"hours": "Sat 10-2"}, expected_version=saved["version"],
                    user="bo@south")
    assert ana.get_asset(created["asset_id"])["hours"] == "Sat 10-2"
    ana.close()
    bo.close()


def test_delete_and_restore_from_history(store):
    a = store.create_asset(ASSET, user="ana")
    with pytest.raises(EditConflict):
        store.delete_asset(a["asset_id"], expected_version=0, user="ana")
    store.delete_asset(a["asset_id"], expected_version=1, user="ana")
    assert store.count_assets() == 0 and store.get_asset(a["asset_id"])["deleted"]
    with pytest.raises(EditConflict):  # editing a deleted record is refused, draft kept
        store.update_asset(a["asset_id"], {"phone": "1"}, expected_version=2, user="bo")
    restored = store.restore_asset(a["asset_id"], user="ana")
    assert restored["name"] == "Casa Amiga" and store.count_assets() == 1
    assert [h["action"] for h in store.history(a["asset_id"])] == [
        "create", "delete", "conflict", "restore"]


@pytest.mark.parametrize("changes,message", [
    ({"name": ""}, "no name"),
    ({"latitude": 95}, "out of range"),
    ({"languages": "Klingon"}, "unknown language"),
    ({"category": "bakery"}, "unknown category"),
    ({"version": 7}, "cannot change version"),
])
def test_invalid_edits_are_refused_and_change_nothing(store, changes, message):
    a = store.create_asset(ASSET, user="ana")
    with pytest.raises(DataError, match=message):
        store.update_asset(a["asset_id"], changes, expected_version=1, user="ana")
    assert store.get_asset(a["asset_id"])["version"] == 1


def test_contacts_never_reach_the_asset_frame(store):
    a = store.create_asset(ASSET, user="ana")
    with store.writing() as conn:
        conn.execute(contacts.insert().values(asset_id=a["asset_id"], name="Maria Lopez",
                                              phone="773-555-0101", email="m@example.org",
                                              created_by="ana", created_at=sa.func.now()))
    frame = store.assets_frame()
    text = frame.astype(str).to_csv()
    assert "Maria Lopez" not in text and "m@example.org" not in text
    assert not {"email", "contact", "contacts"} & set(frame.columns)


def _writer(url: str, n: int, who: int) -> None:
    s = Store(url)
    for i in range(n):
        s.create_asset({**ASSET, "name": f"Asset {who}-{i}", "latitude": 41 + who / 100},
                       user=f"writer{who}")
    s.close()


def test_twenty_concurrent_writers_every_write_lands(store_url):
    Store(store_url).close()  # schema in place before the crowd arrives
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(store_url, 10, w)) for w in range(20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 20
    s = Store(store_url)
    assert s.count_assets() == 200
    s.close()


def test_a_writer_killed_mid_transaction_leaves_the_database_whole(store_url):
    s = Store(store_url)
    s.create_asset(ASSET, user="ana")
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from mapping.store import Store
        s = Store({store_url!r})
        with s.writing() as conn:
            s._insert(conn, {{"asset_id": "half", "name": "Half written", "category": "food",
                             "latitude": 41.0, "longitude": -87.0}}, user="crash")
            print("inside", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "inside"
    proc.kill()
    proc.wait(10)
    assert s.count_assets() == 1
    with pytest.raises(DataError):
        s.get_asset("half")
    if store_url.startswith("sqlite"):
        with s.reading() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    s.create_asset({**ASSET, "name": "After the crash"}, user="ana")  # the lock is gone
    assert s.count_assets() == 2
    s.close()


def test_an_import_lands_whole_or_not_at_all(store):
    frame = pd.DataFrame([{**ASSET, "name": f"Site {i}", "asset_id": f"s{i}",
                           "latitude": 41.8 + i / 100} for i in range(5)])
    good, _ = normalize_assets(frame, source="t.csv")
    store.create_asset({**ASSET, "name": "Taken"}, user="ana", asset_id="s3")
    with pytest.raises(sa.exc.IntegrityError):  # s3 exists already: the import rolls back
        store.import_assets(good, user="ana")
    assert store.count_assets() == 1


def test_import_refuses_duplicates_by_name_and_place_with_the_reason(store):
    store.create_asset(ASSET, user="ana")
    frame = pd.DataFrame([{**ASSET, "name": "CASA AMIGA", "latitude": ASSET["latitude"] + 0.0002},
                          {**ASSET, "name": "Casa Amiga", "latitude": ASSET["latitude"] + 0.01}])
    records, _ = normalize_assets(frame, source="walkabout.csv")
    result = store.import_assets(records, user="bo")
    assert len(result.added) == 1  # 1.1 km away: another place
    [problem] = result.rejected
    assert problem.row == 1 and "duplicate" in problem.reason and "within 50 m" in problem.reason


def test_import_all_real_chicago_assets(store, shared):
    spec = read_spec(ROOT / "data" / "specs" / "cook_county.json")
    frames, rejected = [], []
    for source in spec["assets"]:
        path = Path(source["path"].replace("{shared}", str(shared)))
        gdf, problems = load_assets(path, source)
        frames.append(gdf)
        rejected += problems
    csv, csv_problems = load_assets(shared / "chicago_cook" / "assets" / "cpl_library_locations.csv",
                                    {"location": "LOCATION", "id_prefix": "cplcsv", "fields": {
                                        "name": "NAME", "category": {"value": "library"},
                                        "address": "ADDRESS", "phone": "PHONE",
                                        "website": "WEBSITE", "hours": "HOURS OF OPERATION"}})
    assert len(csv) == 81 and not csv_problems  # trailing-space header and "(lat, lon)" read
    frames.append(csv)
    records = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    result = store.import_assets(records, user="importer", rejected=rejected)
    total_rows = 1000 + 81 + 6 + 21 + 15 + 204 + 5 + 81
    assert len(result.added) + len(result.rejected) == total_rows
    assert all(p.reason for p in result.rejected)
    reasons = {p.reason.split(" named")[0] for p in result.rejected}
    assert reasons <= {"no coordinates (latitude/longitude missing)",
                       "duplicate of an existing asset"}
    assert sum("no coordinates" in p.reason for p in result.rejected) == 5
    # The library CSV repeats the library GeoJSON: every one of its rows is a duplicate.
    assert sum(p.source == "cpl_library_locations.csv" for p in result.rejected) == 81
    assert store.count_assets() == len(result.added) >= 1100


def test_outreach_log_and_action_plan(store):
    a = store.create_asset(ASSET, user="ana")
    store.log_outreach(date="2026-11-20", technique="walkabout", staff="Ana", branch="North",
                       asset_id=a["asset_id"], languages=["Spanish"], summary="Met the director",
                       follow_up="Send ESL flyers")
    with pytest.raises(DataError, match="unknown technique"):
        store.log_outreach(date="2026-11-20", technique="telepathy", staff="Ana", summary="x")
    with pytest.raises(DataError, match="no asset"):
        store.log_outreach(date="2026-11-20", technique="walkabout", staff="Ana", summary="x",
                           asset_id="nope")
    log = store.outreach_log()
    assert log["asset"].tolist() == ["Casa Amiga"] and log["languages"].tolist() == [("es",)]
    late = store.add_action(step="Deliver flyers", owner="Ana", due="2026-11-01", user="ana")
    store.add_action(step="Plan event", owner="Bo", due="2026-12-15", user="bo")
    plan = store.action_plan(today="2026-11-27").set_index("id")
    assert plan.loc[late, "overdue"] and not plan["overdue"].drop(index=late).any()
    store.set_action_status(late, "done", expected_version=1, user="ana")
    with pytest.raises(EditConflict):
        store.set_action_status(late, "dropped", expected_version=1, user="bo")
    assert not store.action_plan(today="2026-11-27")["overdue"].any()


def test_an_older_database_is_upgraded_in_place_keeping_its_rows(tmp_path):
    from alembic import command

    from mapping.migrations import config
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    cfg = config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")  # a database made before the outreach tables existed
        conn.commit()
        conn.exec_driver_sql(
            "INSERT INTO assets (id, name, organization, category, services, languages, "
            "communities, address, phone, website, hours, description, status, visibility, "
            "found_by, branch, source, latitude, longitude, deleted, version, created_by, "
            "created_at, updated_by, updated_at) VALUES ('old1', 'Old Center', '', "
            "'community', '[]', '[]', '[]', '', '', '', '', '', 'active', 'public', '', '', "
            "'', 41.9, -87.7, 0, 1, 'x', '2024-01-01', 'x', '2024-01-01')")
        conn.commit()
    engine.dispose()
    store = Store(url)
    assert store.get_asset("old1")["name"] == "Old Center"
    store.add_action(step="Visit", owner="Ana", user="ana", asset_id="old1")
    assert len(store.action_plan()) == 1
    store.close()


def _open(url: str) -> None:
    Store(url).close()


def test_several_replicas_starting_at_once_migrate_once(store_url):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open, args=(store_url,)) for _ in range(5)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 5
    s = Store(store_url)
    assert s.count_assets() == 0
    s.close()


def test_postgis_geometry_follows_the_coordinates(store, store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("PostGIS geometry exists on PostgreSQL only")
    a = store.create_asset(ASSET, user="ana")
    store.update_asset(a["asset_id"], {"latitude": 41.9, "longitude": -87.6}, expected_version=1,
                       user="ana")
    with store.reading() as conn:
        x, y, srid = conn.exec_driver_sql(
            "SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM assets WHERE id = %s",
            (a["asset_id"],)).one()
    assert (x, y, srid) == (-87.6, 41.9, 4326)


def test_personal_contacts_are_kept_apart_and_checked(store):
    a = store.create_asset(ASSET, user="ana")
    store.add_contact(a["asset_id"], name="Maria Lopez", role="Director", email="m@example.org",
                      user="ana")
    with pytest.raises(DataError, match="not an e-mail"):
        store.add_contact(a["asset_id"], name="X", email="nope", user="ana")
    with pytest.raises(DataError, match="needs a name"):
        store.add_contact(a["asset_id"], name=" ", user="ana")
    assert store.contacts_of(a["asset_id"])["name"].tolist() == ["Maria Lopez"]
    with store.reading() as conn:  # the person's details are not copied into the history
        logged = " ".join(r[0] for r in conn.exec_driver_sql("SELECT data FROM history"))
    assert "Maria" not in logged and "m@example.org" not in logged


def test_branches_named_on_assets_are_registered_once(store):
    store.create_asset({**ASSET, "branch": "North Branch"}, user="ana")
    store.create_asset({**ASSET, "name": "Other", "branch": "North Branch"}, user="bo")
    b = store.create_asset({**ASSET, "name": "Third", "branch": ""}, user="bo")
    store.update_asset(b["asset_id"], {"branch": "South Branch"}, expected_version=1, user="bo")
    assert store.branch_names() == ["North Branch", "South Branch"]
