"""Open Referral packages: the real samples read, and our own packages round-trip."""

import io
import json
import re
import zipfile

import geopandas as gpd
import pandas as pd
import pytest

from mapping.interchange.exports import export_frame
from mapping.interchange.hsds import read_hsds, write_hsds
from mapping.records.assets import normalize_assets


def _unzip(data: bytes, folder):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    return folder


def _comparable(records):
    gdf, problems = normalize_assets(records, source="x")
    assert not problems, problems
    rows = {}
    for r in gdf.to_dict("records"):
        # HSDS 1.1 has no place for an address without city, state and ZIP (the demo's),
        # and its phones are written the national way: compared as digits.
        rows[r["name"]] = (round(r["geometry"].y, 5), round(r["geometry"].x, 5), r["category"],
                           tuple(sorted(r["services"])), tuple(sorted(r["languages"])),
                           re.sub(r"\D", "", r["phone"]), r["organization"])
    return rows


def test_our_package_reads_back_to_the_same_assets(demo, tmp_path):
    exported = export_frame(demo.assets, demo.area_set.areas)
    package = write_hsds(exported)
    names = set(zipfile.ZipFile(io.BytesIO(package)).namelist())
    assert {"organizations.csv", "locations.csv", "services.csv", "services_at_location.csv",
            "languages.csv", "datapackage.json"} <= names
    records, _ = read_hsds(_unzip(package, tmp_path / "pkg"))
    back = _comparable(records)
    original = _comparable(exported.drop(columns="geometry").assign(
        services=exported["services"].str.split("; "),
        languages=exported["languages"].str.split("; ")))
    assert len(back) == len(original) == len(exported)
    assert back == original


def test_real_san_mateo_ohana_sample_reads_and_round_trips(shared, tmp_path):
    records, _ = read_hsds(shared / "hsds" / "ohana_api_smc_sample")
    assert len(records) == 22
    gdf, problems = normalize_assets(records, source="ohana")
    assert len(gdf) + len(problems) == 22
    assert all(p.reason for p in problems)
    langs = dict(zip(gdf["name"], gdf["languages"], strict=True))
    assert any({"es", "tl"} <= set(v) for v in langs.values())  # "Spanish, Tagalog"
    assert not any("contact" in c for c in records.columns)  # personal contacts stay out
    no_areas = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")  # none sensitive
    exported = export_frame(gdf, no_areas)
    again, _ = read_hsds(_unzip(write_hsds(exported), tmp_path / "smc"))
    assert _comparable(again) == _comparable(
        exported.drop(columns="geometry").assign(services=exported["services"].str.split("; "),
                                                 languages=exported["languages"].str.split("; ")))


def test_official_hsds_1_1_sample_reads_with_reasons_for_what_cannot_be_placed(shared):
    records, _ = read_hsds(shared / "hsds" / "openreferral_sample_hsds_1_1")
    assert len(records) == 10
    gdf, problems = normalize_assets(records, source="hsds")
    assert len(gdf) + len(problems) == 10 and len(problems) >= 1
    assert all("coordinates" in p.reason or "language" in p.reason for p in problems)
    assert gdf["organization"].str.len().gt(0).all()


def test_not_a_package_is_refused(tmp_path):
    with pytest.raises(Exception, match=r"no locations\.csv"):
        read_hsds(tmp_path)


def test_official_hsds_1_1_sample_round_trips(shared, tmp_path):
    records, _ = read_hsds(shared / "hsds" / "openreferral_sample_hsds_1_1")
    gdf, _ = normalize_assets(records, source="hsds")
    no_areas = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    exported = export_frame(gdf, no_areas)
    again, _ = read_hsds(_unzip(write_hsds(exported), tmp_path / "pkg"))
    assert _comparable(again) == _comparable(
        exported.drop(columns="geometry").assign(services=exported["services"].str.split("; "),
                                                 languages=exported["languages"].str.split("; ")))


def test_the_package_is_safe_to_open_in_a_spreadsheet(demo):
    """Issue #8 item 6: no cell of an HSDS export starts a formula; numbers stay numbers."""
    exported = export_frame(demo.assets, demo.area_set.areas).head(3).copy()
    exported.loc[exported.index[0], "name"] = '=HYPERLINK("http://x.test","click")'
    exported.loc[exported.index[1], "organization"] = "@SUM(A1:A9)"
    exported.loc[exported.index[2], "phone"] = "+1 312-555-0100"
    exported.loc[exported.index[2], "services"] = "-2+3; ESL"
    with zipfile.ZipFile(io.BytesIO(write_hsds(exported))) as zf:
        cells = {name: pd.read_csv(zf.open(name), dtype=str, keep_default_na=False)
                 for name in zf.namelist() if name.endswith(".csv")}
    for name, frame in cells.items():
        for value in frame.to_numpy().ravel():
            if value[:1] in ("=", "+", "-", "@"):  # only a plain number may start so
                assert re.fullmatch(r"-?\d+(\.\d+)?", value), (name, value)
    names = set(cells["locations.csv"]["name"])
    assert "'=HYPERLINK(\"http://x.test\",\"click\")" in names
    assert "'@SUM(A1:A9)" in set(cells["organizations.csv"]["name"])
    assert float(cells["locations.csv"]["longitude"].iloc[0]) < 0  # -97.9...: untouched


def _official_1_1(shared, folder):
    """The official 1.1 descriptor, with its two defects mended: Table Schema spells the
    ``url`` format ``uri``, and ``metadata`` names foreign keys to resources the
    descriptor does not have (``address``...). Nothing else is touched."""
    descriptor = json.loads((shared / "hsds" / "openreferral_sample_hsds_1_1" /
                             "datapackage.json").read_text())
    names = {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            if field.get("format") == "url":
                field["format"] = "uri"
        resource["schema"]["foreignKeys"] = [
            fk for fk in resource["schema"].get("foreignKeys", [])
            if fk["reference"]["resource"] in names]
    (folder / "official.json").write_text(json.dumps(descriptor))
    return folder / "official.json"


@pytest.mark.parametrize("name", ["demo", "cook"])
def test_hsds_1_1_export_is_valid_against_the_official_1_1_package(name, request, shared,
                                                                    tmp_path):
    frictionless = pytest.importorskip("frictionless")
    dataset = request.getfixturevalue(name)
    exported = export_frame(dataset.assets, dataset.area_set.areas)
    folder = _unzip(write_hsds(exported, state="IL" if name == "cook" else ""), tmp_path / "p")
    for descriptor in (folder / "datapackage.json", _official_1_1(shared, folder)):
        report = frictionless.validate(str(descriptor))
        errors = [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors] + [
            e.message for e in report.errors]
        assert errors == [], errors[:5]
    organizations = pd.read_csv(folder / "organizations.csv", dtype=str)
    assert organizations["description"].str.len().gt(0).all()
    languages = pd.read_csv(folder / "languages.csv", dtype=str, keep_default_na=False)
    if exported["languages"].str.len().gt(0).any():  # the demo's; Cook's sources list none
        assert (languages["service_id"] != "").any() and (languages["location_id"] != "").any()
    if name == "cook":  # city, state and ZIP now in the addresses (1,321 of 1,327)
        addresses = pd.read_csv(folder / "physical_addresses.csv", dtype=str)
        assert len(addresses) > 1200 and addresses["city"].notna().all()
        assert (addresses["state_province"] == "IL").all()
        assert len(pd.read_csv(folder / "regular_schedules.csv")) > 0
