"""The shared asset database on SQLite and PostgreSQL: nothing anyone types is ever lost."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import sqlalchemy as sa

from mapping.infra.errors import DataError
from mapping.records.assets import ENTRY_TECHNIQUES, field_changes, normalize_assets
from mapping.records.store import EditConflict, Store, contacts
from mapping.sources.datasets import load_assets, read_spec
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
    ({"languages": "Dothraki"}, "unknown language"),
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
        from mapping.records.store import Store
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
    twice = pd.concat([good, good.iloc[[1]]], ignore_index=True)  # s1 again, after 5 inserts
    with pytest.raises(DataError, match="'s1' appears twice"):
        store.import_assets(twice, user="ana")
    assert store.count_assets() == 0


def test_the_database_itself_allows_one_record_per_source_id(store):
    """Issue #9/#8: uniqueness is the database's, not a read before the insert."""
    frame = pd.DataFrame([{**ASSET, "asset_id": "row-1"}])
    records, _ = normalize_assets(frame, source="t.csv")
    [asset_id] = store.import_assets(records, user="ana").added
    with store.writing() as conn:
        current = dict(conn.execute(sa.text("SELECT * FROM assets")).mappings().one())
    current.pop("geom", None)  # PostGIS: computed from the coordinates
    current.update(id="another-id")  # same source and source id under another record id
    with pytest.raises(sa.exc.IntegrityError), store.writing() as conn:
        conn.execute(sa.text(f"INSERT INTO assets ({', '.join(current)}) VALUES "
                             f"({', '.join(':' + k for k in current)})"), current)
    assert store.count_assets() == 1 and asset_id == "row-1"


def test_a_likely_duplicate_from_another_source_is_imported_and_listed(store):
    """Issue #9: duplicates are suggestions for staff, not refusals."""
    typed = store.create_asset(ASSET, user="ana")
    frame = pd.DataFrame([{**ASSET, "name": "CASA AMIGA", "latitude": ASSET["latitude"] + 0.0002},
                          {**ASSET, "name": "Casa Amiga", "latitude": ASSET["latitude"] + 0.01}])
    records, _ = normalize_assets(frame, source="walkabout.csv")
    result = store.import_assets(records, user="bo")
    assert len(result.added) == 2 and not result.rejected
    assert result.duplicates == ((result.added[0], typed["asset_id"]),)  # 22 m; 1.1 km is apart
    review = store.duplicate_candidates()
    assert review[["asset_id", "other_id"]].values.tolist() == [[result.added[0], typed["asset_id"]]]
    store.decide_duplicate(result.added[0], typed["asset_id"], merge=True, user="cy")
    assert store.count_assets() == 2 and store.duplicate_candidates().empty
    merged = store.get_asset(result.added[0])
    assert merged["deleted"] and merged["merged_into"] == typed["asset_id"]
    assert [h["action"] for h in store.history(result.added[0])] == ["import", "merged"]
    with pytest.raises(DataError, match="not waiting"):
        store.decide_duplicate(result.added[0], typed["asset_id"], merge=False, user="cy")
    again = store.import_assets(records, user="bo")  # same file again: nothing comes back
    assert again.added == () and store.count_assets() == 2


def _source(rows: list[dict], name: str = "agencies.csv"):
    records, problems = normalize_assets(pd.DataFrame(rows), source=name)
    assert not problems
    return records


SOURCE_ROWS = [{**ASSET, "asset_id": f"a{i}", "name": f"Agency {i}",
                "latitude": 41.85 + i / 1000} for i in range(4)]


def test_re_importing_an_unchanged_source_adds_nothing_and_changes_nothing(store):
    first = store.sync_source("dataset:x:agencies.csv", _source(SOURCE_ROWS), label="agencies.csv",
                              user="import")
    assert len(first.added) == 4
    versions = store.assets_frame().set_index("asset_id")["version"].to_dict()
    for _ in range(3):
        again = store.sync_source("dataset:x:agencies.csv", _source(SOURCE_ROWS),
                                  label="agencies.csv", user="import")
        assert (again.added, again.updated, again.unchanged, again.missing) == ((), (), 4, ())
    assert store.assets_frame().set_index("asset_id")["version"].to_dict() == versions
    assert store.count_assets() == 4


def test_the_revision_changes_with_every_change_and_only_then(store):
    """The map caches a dataset's assets per revision: it must move on any change."""
    key = "dataset:x:agencies.csv"
    store.sync_source(key, _source(SOURCE_ROWS), label="agencies.csv", user="import")
    first = store.revision()
    store.sync_source(key, _source(SOURCE_ROWS), label="agencies.csv", user="import")
    assert store.revision() == first  # nothing changed
    store.mark_verified("a0", expected_version=1, user="ana")
    second = store.revision()
    assert second != first
    store.delete_asset("a0", expected_version=2, user="ana")
    assert store.revision() not in (first, second)


def test_a_changed_source_updates_untouched_records_and_reports_staff_edits(store):
    key = "dataset:x:agencies.csv"
    store.sync_source(key, _source(SOURCE_ROWS), label="agencies.csv", user="import")
    saved = store.get_asset("a1")
    store.update_asset("a1", {"phone": "312-555-0101"}, expected_version=saved["version"],
                       user="ana")
    store.mark_verified("a2", expected_version=1, user="bo")  # verifying is not editing
    newer = [dict(r) for r in SOURCE_ROWS[:3]]  # a3 is gone from the source
    for r in newer[:3]:
        r["hours"] = "Mon-Fri 9-5"
    newer.append({**ASSET, "asset_id": "a9", "name": "Agency 9", "latitude": 41.9})
    result = store.sync_source(key, _source(newer), label="agencies.csv", user="import")
    assert result.added == ("a9",)
    assert sorted(result.updated) == ["a0", "a2"] and result.missing == ("a3",)
    [(asset_id, ours, theirs)] = result.changed_by_staff
    assert asset_id == "a1" and ours["phone"] == "312-555-0101" and ours["hours"] == ""
    assert theirs["hours"] == "Mon-Fri 9-5" and theirs["phone"] == ""
    assert store.get_asset("a1")["phone"] == "312-555-0101"  # nothing staff typed is lost
    assert store.get_asset("a0")["hours"] == "Mon-Fri 9-5"
    gone = store.get_asset("a3")
    assert not gone["deleted"] and not gone["in_source"]  # marked, never deleted
    [pending] = store.source_changes()
    assert pending["asset_id"] == "a1" and pending["incoming"]["hours"] == "Mon-Fri 9-5"
    store.settle_source_change("a1", take_source=False, user="ana")
    assert store.source_changes() == [] and store.get_asset("a1")["phone"] == "312-555-0101"
    # The same newer file again: the kept edit is not reported a second time.
    again = store.sync_source(key, _source(newer), label="agencies.csv", user="import")
    assert again.changed_by_staff == () and again.added == () and again.updated == ()
    assert store.count_assets() == 5


def test_dfss_programs_at_shared_sites_are_all_imported(store, shared):
    """Issue #9: several programs at one site are services at one location, not refusals."""
    spec = read_spec(ROOT / "data" / "specs" / "cook_county.json")
    source = next(a for a in spec["assets"] if "dfss" in a["path"])
    path = Path(source["path"].replace("{shared}", str(shared)))
    records, problems = load_assets(path, source)
    raw = gpd.read_file(path)
    result = store.sync_source("dataset:cook_county:dfss", records, label=path.name, user="import")
    assert len(result.added) == len(records) == len(raw) - len(problems)
    assert result.rejected == () and result.duplicates == ()
    # The file really has programs sharing a site (same name and coordinates).
    shared_sites = records.assign(x=records.geometry.x.round(5), y=records.geometry.y.round(5))
    assert shared_sites.duplicated(["name", "x", "y"]).sum() > 0
    assert store.count_assets() == len(records)


def test_import_all_real_chicago_assets(store, shared):
    spec = read_spec(ROOT / "data" / "specs" / "cook_county.json")
    total, rejected = 0, 0
    for source in spec["assets"]:
        path = Path(source["path"].replace("{shared}", str(shared)))
        gdf, problems = load_assets(path, source)
        result = store.sync_source(f"dataset:cook_county:{path.name}", gdf, label=path.name,
                                   user="importer", rejected=problems)
        total += len(result.added)
        rejected += len(result.rejected)
        assert all(p.reason for p in result.rejected)
    csv, csv_problems = load_assets(shared / "chicago_cook" / "assets" / "cpl_library_locations.csv",
                                    {"location": "LOCATION", "id_prefix": "cplcsv", "fields": {
                                        "name": "NAME", "category": {"value": "library"},
                                        "address": "ADDRESS", "phone": "PHONE",
                                        "website": "WEBSITE", "hours": "HOURS OF OPERATION"}})
    assert len(csv) == 81 and not csv_problems  # trailing-space header and "(lat, lon)" read
    result = store.import_assets(csv, user="importer")
    # The library CSV repeats the library GeoJSON: every row is imported and listed as a
    # likely duplicate for staff to merge or keep apart.
    assert len(result.added) == 81 and {new for new, _ in result.duplicates} == set(result.added)
    assert {other for _, other in result.duplicates if other.startswith("cpl-")} == {
        f"cpl-{i}" for i in range(1, 82)}  # and each library of the GeoJSON is matched
    assert rejected == 5  # the rows without coordinates
    assert store.count_assets() == total + 81 == 1000 + 81 + 6 + 21 + 15 + 204 + 5 - 5 + 81


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


def test_history_says_what_changed_in_each_edit(store):
    """Issue #9: the history shows field: before -> after, not only that something changed."""
    row = store.create_asset({**ASSET, "phone": "", "languages": "es"}, user="Ana")
    store.update_asset(row["asset_id"], {"phone": "312-555-0100", "languages": ("es", "pl")},
                       expected_version=1, user="Bo")
    with pytest.raises(EditConflict):
        store.update_asset(row["asset_id"], {"hours": "Sat 10-2"}, expected_version=1, user="Cy")
    steps = field_changes(store.history(row["asset_id"]))
    assert [(s["who"], s["what"], s["version"]) for s in steps] == [
        ("Ana", "create", 1), ("Bo", "update", 2), ("Cy", "conflict", 1)]
    assert "name: Casa Amiga" in steps[0]["changes"]
    assert steps[1]["changes"] == ("languages: Spanish → Spanish, Polish; "
                                   "phone: (empty) → 312-555-0100")
    assert steps[2]["changes"] == "not saved (someone saved first), tried; hours: (empty) → Sat 10-2"


def test_a_double_click_stores_a_contact_or_a_step_once(store_url):
    """Issue #9: the same form sent twice (a double click, two tabs at once) is one record;
    the same words on another day, by another person, or after a while are new ones."""
    store = Store(store_url)
    asset = store.create_asset(ASSET, user="Ana")
    contact = {"date": "2026-11-02", "technique": ENTRY_TECHNIQUES[0], "staff": "Ana",
               "summary": "Met the director", "asset_id": asset["asset_id"]}
    step = {"step": "Send flyers", "owner": "Ana", "due": "2026-12-01",
            "asset_id": asset["asset_id"], "user": "Ana"}
    with ThreadPoolExecutor(4) as pool:  # four submissions of each at once
        contacts_ids = set(pool.map(lambda _: store.log_outreach(**contact), range(4)))
        step_ids = set(pool.map(lambda _: store.add_action(**step), range(4)))
    assert len(contacts_ids) == 1 and len(step_ids) == 1
    assert len(store.outreach_log()) == 1 and len(store.action_plan()) == 1
    store.log_outreach(**{**contact, "date": "2026-11-03"})  # another day: another contact
    store.add_action(**{**step, "owner": "Bo"})  # another owner: another step
    assert len(store.outreach_log()) == 2 and len(store.action_plan()) == 2
    store.close()


# --- issue #16: address parts and the day a record was last checked

#: The fields whose digest migration 0005 stored at import (before address parts existed).
_FIELDS_0005 = ("name", "organization", "category", "services", "languages", "communities",
                "address", "phone", "website", "hours", "description", "status", "visibility",
                "found_by", "branch", "latitude", "longitude")


def test_an_imported_record_gets_address_parts_and_still_looks_untouched(store_url):
    """Migration 0006 parses the addresses already stored. The digest stored at import by
    the earlier schema stays valid: the next sync of the same source finds nothing changed
    and no record edited by staff."""
    import hashlib
    import json

    from alembic import command

    from mapping.migrations import config
    record = {"name": "Fair Oaks Branch", "organization": "", "category": "library",
              "services": [], "languages": [], "communities": [],
              "address": "2600 Middlefield Road, Redwood City, CA 94063", "phone": "",
              "website": "", "hours": "", "description": "", "status": "active",
              "visibility": "public", "found_by": "public directory", "branch": "",
              "latitude": 37.4793, "longitude": -122.2164}
    digest = hashlib.sha256(json.dumps({k: record[k] for k in _FIELDS_0005}, sort_keys=True,
                                       ensure_ascii=False).encode()).hexdigest()
    engine = sa.create_engine(store_url)
    cfg = config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        conn.commit()
        conn.execute(sa.text(
            "INSERT INTO assets (id, name, organization, category, services, languages, "
            "communities, address, phone, website, hours, description, status, visibility, "
            "found_by, branch, source, latitude, longitude, deleted, version, created_by, "
            "created_at, updated_by, updated_at, source_key, source_ref, source_digest, "
            "in_source) VALUES ('smc-1', :name, '', 'library', '[]', '[]', '[]', :address, "
            "'', '', '', '', 'active', 'public', 'public directory', '', 'branches.csv', "
            ":lat, :lon, false, 1, 'import', '2026-01-01', 'import', '2026-01-01', "
            "'dataset:smc:branches.csv', 'smc-1', :digest, true)"),
            {"name": record["name"], "address": record["address"], "lat": record["latitude"],
             "lon": record["longitude"], "digest": digest})
        conn.commit()
    engine.dispose()
    store = Store(store_url)
    try:
        saved = store.get_asset("smc-1")
        assert {k: saved[k] for k in ("street", "city", "state", "postal_code", "country")} == {
            "street": "2600 Middlefield Road", "city": "Redwood City", "state": "CA",
            "postal_code": "94063", "country": "US"}
        again = store.sync_source("dataset:smc:branches.csv", _source(
            [{**record, "asset_id": "smc-1", "languages": "", "services": ""}],
            name="branches.csv"), label="branches.csv", user="import")
        assert (again.unchanged, again.updated, again.changed_by_staff) == (1, (), ())
    finally:
        store.close()


def test_a_typed_address_is_parsed_and_parsed_again_when_edited(store):
    made = store.create_asset({**ASSET, "address": "4400 N. Broadway St., Chicago, Illinois "
                                                   "60640"}, user="ana")
    assert (made["street"], made["city"], made["state"], made["postal_code"]) == (
        "4400 N. Broadway St.", "Chicago", "IL", "60640")
    edited = store.update_asset(made["asset_id"], {"address": "55 W Van Buren St, Joliet IL"},
                                expected_version=1, user="ana")
    assert (edited["street"], edited["city"], edited["state"], edited["postal_code"]) == (
        "55 W Van Buren St", "Joliet", "IL", "")
    saved = store.get_asset(made["asset_id"])
    assert (saved["city"], saved["address"]) == ("Joliet", "55 W Van Buren St, Joliet IL")


def test_a_field_longer_than_its_column_is_refused_with_what_to_fix(store):
    with pytest.raises(DataError, match="name is 301 characters long; shorten it to 300"):
        store.create_asset({**ASSET, "name": "x" * 301}, user="ana")
    with pytest.raises(DataError, match="postal code is 41 characters"):
        store.create_asset({**ASSET, "postal_code": "9" * 41}, user="ana")
    assert store.count_assets() == 0


def test_the_day_a_source_last_checked_a_record_is_kept_and_moves_forward(store):
    key = "dataset:x:agencies.csv"
    rows = [{**SOURCE_ROWS[0], "last_verified": "2026-03-01"}, SOURCE_ROWS[1]]
    store.sync_source(key, _source(rows), label="agencies.csv", user="import")
    assert str(store.get_asset("a0")["last_verified"]) == "2026-03-01"
    assert store.get_asset("a1")["last_verified"] is None
    rows[0]["last_verified"] = "2026-09-15T08:00:00Z"  # checked again, nothing else changed
    again = store.sync_source(key, _source(rows), label="agencies.csv", user="import")
    assert again.changed_by_staff == () and again.added == ()
    saved = store.get_asset("a0")
    assert str(saved["last_verified"]) == "2026-09-15" and saved["version"] == 2
    rows[0]["last_verified"] = "2025-01-01"  # an older copy of the source: kept the newer
    store.sync_source(key, _source(rows), label="agencies.csv", user="import")
    assert str(store.get_asset("a0")["last_verified"]) == "2026-09-15"
    with pytest.raises(AssertionError):  # a date that is not one: refused, with why
        _source([{**SOURCE_ROWS[2], "last_verified": "last spring"}])
    _, problems = normalize_assets(pd.DataFrame([{**SOURCE_ROWS[2], "last_verified": "spring"}]),
                                   source="agencies.csv")
    assert "last verified 'spring' is not a date; write it as YYYY-MM-DD" in problems[0].reason
