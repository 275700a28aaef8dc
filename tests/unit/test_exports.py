"""Exports never carry a formula, an exact sensitive location, a staff-only site or a contact."""

import io

import geopandas as gpd
import pandas as pd
import pytest

from mapping.interchange.exports import export_frame, to_csv, to_geojson, to_geopackage
from mapping.records.assets import normalize_assets


@pytest.fixture
def assets(demo):
    rep = demo.area_set.areas.geometry.iloc[3].representative_point()
    frame = pd.DataFrame([
        {"asset_id": "a", "name": "=HYPERLINK(\"http://evil\")", "category": "legal",
         "latitude": rep.y + 0.001, "longitude": rep.x, "phone": "+1 555", "services": "@SUM"},
        {"asset_id": "b", "name": "Safe House", "category": "housing", "visibility": "sensitive",
         "address": "12 Hidden Rd, Oak Park, IL 60302", "street": "12 Hidden Rd",
         "city": "Oak Park", "state": "IL", "postal_code": "60302", "latitude": rep.y + 0.002,
         "longitude": rep.x + 0.001},
        {"asset_id": "c", "name": "Staff room", "category": "community", "visibility": "staff",
         "latitude": rep.y, "longitude": rep.x},
    ])
    gdf, problems = normalize_assets(frame, source="t")
    assert not problems
    return gdf


def test_public_export_hides_staff_sites_and_moves_sensitive_ones(assets, demo):
    out = export_frame(assets, demo.area_set.areas, audience="public")
    assert out["asset_id"].tolist() == ["a", "b"]
    safe = out.set_index("asset_id").loc["b"]
    exact = assets.set_index("asset_id").loc["b"].geometry
    assert (safe["latitude"], safe["longitude"]) != (round(exact.y, 6), round(exact.x, 6))
    assert safe["address"] == "" and "approximate" in safe["location_note"]
    assert (safe["street"], safe["city"], safe["postal_code"]) == ("", "", "")
    staff = export_frame(assets, demo.area_set.areas, audience="staff")
    assert staff["asset_id"].tolist() == ["a", "b", "c"]


def test_csv_neutralises_formulas(assets, demo):
    text = to_csv(export_frame(assets, demo.area_set.areas))
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for col in back.columns.drop(["latitude", "longitude"]):  # numbers may be negative
        assert not back[col].str.match(r"^[=+\-@\t\r]").any(), col
    assert back.loc[0, "name"] == "'=HYPERLINK(\"http://evil\")"
    assert back.loc[0, "phone"] == "'+1 555" and back.loc[0, "services"] == "'@SUM"


def test_geojson_and_geopackage_open_as_geodata(assets, demo, tmp_path):
    frame = export_frame(assets, demo.area_set.areas)
    gj = gpd.read_file(io.StringIO(to_geojson(frame)))
    assert len(gj) == 2 and gj.crs.to_epsg() == 4326
    path = tmp_path / "assets.gpkg"
    path.write_bytes(to_geopackage(frame))
    gp = gpd.read_file(path, layer="community_assets")
    assert sorted(gp["asset_id"]) == ["a", "b"] and "Hidden" not in gp.to_csv()
