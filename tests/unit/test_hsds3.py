"""Open Referral HSDS 3.0: exports valid against the official schemas, a lossless round trip,
and imports of the official examples and of partners' packages.

Validation uses the specification's own files in ``../shared/data/hsds/hsds_3_0`` (JSON
Schema draft 2020-12 with ``jsonschema``, the tabular package with ``frictionless``), never
this project's idea of them.
"""

from __future__ import annotations

import io
import json
import shutil
import uuid
import zipfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from mapping.interchange.exports import export_frame
from mapping.interchange.hsds import read_hsds, write_hsds3_json, write_hsds3_tabular
from mapping.records.addresses import ADDRESS_FIELDS, with_address_parts
from mapping.records.assets import ASSET_COLUMNS, normalize_assets

jsonschema = pytest.importorskip("jsonschema")
frictionless = pytest.importorskip("frictionless")
referencing = pytest.importorskip("referencing")
referencing_jsonschema = pytest.importorskip("referencing.jsonschema")


def _official(shared: Path) -> Path:
    return shared / "hsds" / "hsds_3_0"


def _service_validator(shared: Path):
    """The official ``service.json`` with its ``$ref``s resolved from the local files."""
    folder = _official(shared) / "schema"
    registry = referencing.Registry()
    for path in folder.glob("*.json"):
        registry = registry.with_resource(path.name, referencing.Resource.from_contents(
            json.loads(path.read_text()), default_specification=referencing_jsonschema.DRAFT202012))
    schema = json.loads((folder / "service.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _page_errors(shared: Path, page: dict) -> list[str]:
    validator = _service_validator(shared)
    errors = [f"{e.json_path}: {e.message}" for item in page["contents"]
              for e in validator.iter_errors(item)]
    openapi = json.loads((_official(shared) / "schema" / "openapi.json").read_text())
    page_schema = openapi["components"]["schemas"]["Page"]
    errors += [e.message for e in jsonschema.Draft202012Validator(page_schema).iter_errors(page)]
    return errors


def _unzip(data: bytes, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    return folder


def _frictionless_errors(descriptor: Path) -> list[str]:
    report = frictionless.validate(str(descriptor))
    return [f"{task.name}: {err.message}" for task in report.tasks for err in task.errors] + [
        err.message for err in report.errors]


@pytest.fixture(params=["demo", "cook"])
def dataset(request):
    return request.getfixturevalue(request.param)


def _state(dataset) -> str:
    return "IL" if dataset.id == "cook_county" else ""


def test_json_export_is_valid_against_the_official_schemas(dataset, shared):
    exported = export_frame(_as_stored(dataset.assets, checked=True), dataset.area_set.areas)
    page = json.loads(write_hsds3_json(exported, state=_state(dataset)))
    assert page["total_items"] == len(page["contents"]) >= len(exported)
    assert _page_errors(shared, page) == []


def test_the_validator_can_fail(demo, shared):
    """The same check refuses what HSDS 3.0 forbids: ids that are not UUIDs, unknown status."""
    exported = export_frame(demo.assets.head(2), demo.area_set.areas)
    page = json.loads(write_hsds3_json(exported))
    page["contents"][0]["id"] = "org-1"
    page["contents"][1]["status"] = "open"
    located = [s for s in page["contents"] if "location" in s["service_at_locations"][0]]
    located[-1]["service_at_locations"][0]["location"]["location_type"] = "shop"
    errors = _page_errors(shared, page)
    assert any("uuid" in e for e in errors)
    assert any("'open' is not one of" in e for e in errors)
    assert any("'shop' is not one of" in e for e in errors)


def test_tabular_export_is_valid_against_our_and_the_official_descriptor(dataset, shared,
                                                                          tmp_path):
    exported = export_frame(_as_stored(dataset.assets, checked=True), dataset.area_set.areas)
    folder = _unzip(write_hsds3_tabular(exported, state=_state(dataset)), tmp_path / "pkg")
    official = json.loads((_official(shared) / "examples" / "csv" / "datapackage.json")
                          .read_text())
    assert {r["path"] for r in official["resources"]} <= {p.name for p in folder.iterdir()}
    assert _frictionless_errors(folder / "datapackage.json") == []
    shutil.copy(_official(shared) / "examples" / "csv" / "datapackage.json",
                folder / "official.json")
    assert _frictionless_errors(folder / "official.json") == []
    # ... and the same check fails on a broken package: a foreign key to nothing.
    sal = pd.read_csv(folder / "service_at_location.csv", dtype=str)
    sal.loc[0, "location_id"] = str(uuid.uuid4())
    sal.to_csv(folder / "service_at_location.csv", index=False)
    assert _frictionless_errors(folder / "official.json")


def _as_stored(assets: gpd.GeoDataFrame, *, checked: bool = False) -> gpd.GeoDataFrame:
    """The assets as the database holds them: with their address parts (parsed on save)
    and, when ``checked``, every third one verified by staff on a day of 2026."""
    whole = [with_address_parts(r) for r in assets.to_dict("records")]
    if checked:
        for i, r in enumerate(whole):
            r["last_verified"] = date(2026, 1 + i % 12, 1 + i % 28) if i % 3 == 0 else None
    return gpd.GeoDataFrame(whole, geometry="geometry", crs=assets.crs)


def _as_read(records: pd.DataFrame) -> pd.DataFrame:
    """Read records as the database saves them (a partial address is parsed on save)."""
    gdf, problems = normalize_assets(records, source="upload")
    assert problems == []
    return _as_stored(gdf).set_index("asset_id")


@pytest.mark.parametrize("form", ["json", "tabular"])
def test_round_trip_changes_no_field(dataset, form, tmp_path):
    """Export then import: every field of every asset as it was, field by field.

    Staff-only sites never leave; a sensitive site comes back sensitive, at the point it
    was exported at (its area's centre) and without its address, as in every export.
    """
    state = _state(dataset)
    stored = _as_stored(dataset.assets, checked=True)
    assets = stored.set_index("asset_id")
    exported = export_frame(stored, dataset.area_set.areas)
    folder = tmp_path / "pkg"
    if form == "json":
        folder.mkdir()
        (folder / "services.json").write_bytes(write_hsds3_json(exported, state=state))
    else:
        _unzip(write_hsds3_tabular(exported, state=state), folder)
    records, _ = read_hsds(folder, source="upload")
    back = _as_read(records)
    public = assets[assets["visibility"] != "staff"]
    assert sorted(back.index) == sorted(public.index)
    sensitive = public.index[public["visibility"] == "sensitive"]
    assert public["last_verified"].notna().sum() > len(public) // 4
    for field in (*ASSET_COLUMNS[1:], "last_verified"):
        want = public[field].map(lambda v: tuple(v) if isinstance(v, list | tuple) else v)
        got = back.loc[public.index, field].map(
            lambda v: tuple(v) if isinstance(v, list | tuple) else v)
        if field in ("address", *ADDRESS_FIELDS):
            assert (got.loc[sensitive] == "").all()
            want, got = want.drop(sensitive), got.drop(sensitive)
        assert got.to_dict() == want.to_dict(), field
    exact = public.drop(sensitive).geometry
    got_points = back.loc[exact.index].geometry
    assert (abs(got_points.x - exact.x) < 1e-6).all() and (abs(got_points.y - exact.y) < 1e-6).all()
    if len(sensitive):
        moved = (abs(back.loc[sensitive].geometry.x - public.loc[sensitive].geometry.x)
                 + abs(back.loc[sensitive].geometry.y - public.loc[sensitive].geometry.y))
        assert (moved > 1e-6).all()


def test_the_same_asset_keeps_its_uuids(demo):
    exported = export_frame(demo.assets, demo.area_set.areas)
    first = json.loads(write_hsds3_json(exported))
    later = json.loads(write_hsds3_json(exported.iloc[5:]))  # other assets gone
    def by_asset(page):
        places = {s["service_at_locations"][0]["location"]["id"]:
                  s["service_at_locations"][0]["location"]["external_identifier"]
                  for s in page["contents"] if "location" in s["service_at_locations"][0]}
        return {(places[s["service_at_locations"][0]["location_id"]], s["name"]):
                (s["id"], s["service_at_locations"][0]["location_id"])
                for s in page["contents"]}

    before, after = by_asset(first), by_asset(later)
    assert len(after) < len(before)
    for key, ids in after.items():
        assert before[key] == ids
        assert uuid.UUID(ids[1]).version == 5


def test_a_partner_that_reads_only_hsds_fields_gets_the_asset(tmp_path):
    """What a 211 line's importer sees without this project's attributes, by hand."""
    frame = pd.DataFrame([{
        "asset_id": "x1", "name": "Casa Amiga", "organization": "Amigos Inc", "category": "legal",
        "services": "Immigration legal clinic; DACA renewals", "languages": "es; Chinese (Mandarin)",
        "address": "2600 Middlefield Road, Redwood City, CA 94063", "phone": "650 780 7525",
        "website": "www.casa.example.org", "hours": "Mon-Fri 9-5, Sat 10-2",
        "status": "temporarily closed", "latitude": 37.48, "longitude": -122.23}])
    gdf, problems = normalize_assets(frame, source="typed")
    assert not problems
    exported = export_frame(gdf, gdf.iloc[:0].assign(geoid=[]).set_index("geoid"))
    page = json.loads(write_hsds3_json(exported))
    services = page["contents"]
    assert [s["name"] for s in services] == ["Immigration legal clinic", "DACA renewals"]
    assert {s["status"] for s in services} == {"temporarily closed"}
    assert services[0]["url"] == "https://www.casa.example.org"
    assert services[0]["organization"]["name"] == "Amigos Inc"
    assert [(lang["code"], lang["name"]) for lang in services[0]["languages"]] == [
        ("es", "Spanish"), ("zh", "Chinese")]
    location = services[0]["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (37.48, -122.23)
    assert location["addresses"][0] | {"id": None, "location_id": None} == {
        "id": None, "location_id": None, "address_1": "2600 Middlefield Road",
        "city": "Redwood City", "state_province": "CA", "postal_code": "94063",
        "country": "US", "address_type": "physical"}
    assert location["phones"][0]["number"] == "(650) 780-7525"
    weekly = [(s["byday"], s["opens_at"], s["closes_at"]) for s in location["schedules"]]
    assert weekly == [("MO,TU,WE,TH,FR", "09:00:00", "17:00:00"), ("SA", "10:00:00", "14:00:00")]
    oe = [a["taxonomy_term"]["name"] for a in services[0]["attributes"]
          if a["taxonomy_term"]["taxonomy"] == "Open Eligibility"]
    assert oe == ["Advocacy & Legal Aid"]
    # Without this project's attributes, the reader still gets every HSDS field.
    assert "location" not in services[1]["service_at_locations"][0]  # named by id only
    location["attributes"] = []
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "services.json").write_text(json.dumps(page))
    records, _ = read_hsds(tmp_path / "p", source="partner")
    row = records.iloc[0]
    assert (row["name"], row["organization"], row["category"], row["status"]) == (
        "Casa Amiga", "Amigos Inc", "legal", "temporarily closed")
    assert row["services"] == ["Immigration legal clinic", "DACA renewals"]
    assert row["languages"] == ["es", "zh"]
    assert row["address"] == "2600 Middlefield Road, Redwood City, CA 94063"
    assert row["hours"] == "Mon-Fri 9-5, Sat 10-2"


def test_official_examples_import_with_their_languages_phones_and_schedules(shared, tmp_path):
    examples = _official(shared) / "examples"
    json_folder = tmp_path / "json"
    json_folder.mkdir()
    shutil.copy(examples / "service_full.json", json_folder)
    tabular, _ = read_hsds(examples / "csv", source="csv")
    from_json, _ = read_hsds(json_folder, source="json")
    for records in (tabular, from_json):
        assert len(records) == 1  # one location in the examples
        row = records.iloc[0]
        assert row["name"] == "MyCity Civic Center"
        assert "ur" in row["languages"]
        assert "+44 1234 234567" in row["phone"]  # the CSV example quotes it
        assert "10 am to 6pm" in row["hours"]
        assert row["address"].startswith("1-30 Main Street")
        assert row["services"] == ["Community Counselling"]
    # Its coordinates (latitude 100) are not on the globe: refused, with that reason.
    _, problems = normalize_assets(tabular, source="csv")
    assert [p.reason for p in problems] == ["coordinates out of range (latitude 100.0, "
                                            "longitude 101.0)"]


def test_not_json_is_refused_with_what_to_fix(tmp_path):
    (tmp_path / "services.json").write_text("{not json")
    with pytest.raises(Exception, match=r"services\.json is not JSON"):
        read_hsds(tmp_path)
    (tmp_path / "services.json").write_text('"just a string"')
    with pytest.raises(Exception, match=r"not Open Referral HSDS 3\.0"):
        read_hsds(tmp_path)
