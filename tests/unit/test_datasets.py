"""Reading boundary files, statistics tables and asset files: good input and bad."""

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from mapping.infra.errors import DataError, UploadRejected
from mapping.sources.datasets import (
    LoadReport,
    check_zip,
    load_assets,
    load_boundaries,
    load_from_spec,
    load_table,
    normalize_ids,
    parse_latlon,
    to_numbers,
)


@pytest.mark.parametrize("values,kwargs,expected", [
    (["1400000US17031010100"], {"id_prefix": "1400000US"}, ["17031010100"]),
    ([6001400100], {"id_width": 11}, ["06001400100"]),
    ([6001400100.0], {"id_width": 11}, ["06001400100"]),  # ids a spreadsheet made floats
    ([" 42 "], {}, ["42"]),
    ([None], {}, [None]),
])
def test_normalize_ids(values, kwargs, expected):
    assert normalize_ids(pd.Series(values), **kwargs).tolist() == expected


def test_sentinels_become_missing_with_the_reason_kept():
    report = LoadReport()
    out = to_numbers(pd.Series(["12", "-666666666", "1,234", "(X)", "", "-999999999"]),
                     what="t.csv column x", report=report)
    assert out.iloc[0] == 12 and out.iloc[2] == 1234
    assert out.isna().tolist() == [False, True, False, True, True, True]
    text = " ".join(report.notes + report.warnings)
    assert "-666666666" in text and "not available" in text and "'(X)'" in text


def test_controlled_moe_is_zero_not_missing():
    out = to_numbers(pd.Series(["-555555555", "-222222222"]), what="m", moe=True)
    assert out.iloc[0] == 0 and np.isnan(out.iloc[1])


@pytest.mark.parametrize("text,expected", [
    ("(41.69198346617567, -87.6739093032301)", (41.69198346617567, -87.6739093032301)),
    ("41.5,-87.1", (41.5, -87.1)),
    ("", None), ("N/A", None),
])
def test_parse_latlon(text, expected):
    assert parse_latlon(text) == expected


def _write_areas(path: Path, *, crs: str | None = "EPSG:4326", geoms=None, ids=("A", "B")):
    geoms = geoms or [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    gdf = gpd.GeoDataFrame({"GEOID": list(ids), "NAME": ["a", "b"]}, geometry=geoms, crs=crs)
    gdf.to_file(path, driver="GeoJSON" if path.suffix == ".geojson" else "GPKG")
    return path


def test_boundaries_reprojected_to_wgs84(tmp_path):
    path = tmp_path / "a.gpkg"
    g = gpd.GeoDataFrame({"GEOID": ["A"], "NAME": ["a"]},
                         geometry=[shapely.box(440000, 4630000, 441000, 4631000)], crs="EPSG:26916")
    g.to_file(path, driver="GPKG")
    out = load_boundaries(path, id_column="GEOID", name_column="NAME")
    assert out.crs.to_epsg() == 4326
    assert out.loc["A", "area_km2"] == pytest.approx(1.0, rel=0.01)


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_boundary_file_without_crs_is_refused_with_what_to_do(tmp_path):
    shp = tmp_path / "a.shp"
    gpd.GeoDataFrame({"GEOID": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)]).to_file(shp)
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for ext in ("shp", "shx", "dbf"):  # no .prj
            zf.write(shp.with_suffix(f".{ext}"), f"a.{ext}")
    with pytest.raises(DataError, match=r"a\.zip.*no coordinate reference system.*\.prj"):
        load_boundaries(archive, id_column="GEOID")


@pytest.mark.parametrize("kwargs,message", [
    ({"id_column": "TRACT"}, "no id column 'TRACT'; columns are GEOID, NAME"),
])
def test_boundary_missing_id_column(tmp_path, kwargs, message):
    path = _write_areas(tmp_path / "a.geojson")
    with pytest.raises(DataError, match=message):
        load_boundaries(path, **kwargs)


def test_duplicate_area_ids_refused(tmp_path):
    path = _write_areas(tmp_path / "a.geojson", ids=("A", "A"))
    with pytest.raises(DataError, match="repeat"):
        load_boundaries(path, id_column="GEOID")


def test_invalid_geometry_is_repaired_and_reported(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert not bowtie.is_valid
    path = _write_areas(tmp_path / "a.gpkg", geoms=[bowtie, shapely.box(1, 0, 2, 1)])
    report = LoadReport()
    out = load_boundaries(path, id_column="GEOID", report=report)
    assert out.geometry.is_valid.all()
    assert out.loc["A"].geometry.area == pytest.approx(0.5)
    assert any("repaired 1 invalid geometry" in w and "Self-intersection" in w
               for w in report.warnings)


def test_table_that_does_not_join_names_both_id_shapes(tmp_path):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"id": ["X1", "X2"], "v": [1, 2]}).to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"t\.csv: no id in column 'id' matches.*X1.*'A'"):
        load_table(csv, {"id": "id", "variables": []}, area_ids=pd.Index(["A", "B"]),
                   report=LoadReport())


def test_partial_join_is_reported_both_ways(tmp_path):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"id": ["A", "Z"], "v": ["5", "7"]}).to_csv(csv, index=False)
    report = LoadReport()
    tidy, _ = load_table(csv, {"id": "id", "variables": [
        {"id": "v", "estimate": "v", "label": "V", "topic": "population"}]},
        area_ids=pd.Index(["A", "B"]), report=report)
    assert tidy["estimate"].tolist() == [5.0]
    assert any("1 row(s) have ids that are not areas" in n for n in report.notes)
    assert any("1 area(s) have no row" in w for w in report.warnings)


def test_missing_statistics_column_names_file_and_column(tmp_path):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"id": ["A"], "v": [1]}).to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"t\.csv: no column 'pop'"):
        load_table(csv, {"id": "id", "variables": [
            {"id": "p", "estimate": "pop", "label": "P", "topic": "population"}]},
            area_ids=pd.Index(["A"]), report=LoadReport())


def test_zip_bomb_and_path_traversal_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.shp", b"\0" * 20_000_000)
    with pytest.raises(UploadRejected, match="zip bomb"):
        check_zip(bomb)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../app.py", b"print('pwned')")
    with pytest.raises(UploadRejected, match="outside the archive"):
        check_zip(evil)


def test_csv_assets_with_messy_header_and_latlon_column(tmp_path):
    csv = tmp_path / "libs.csv"
    csv.write_text('NAME ,LOCATION,LANG\nWalker,"(41.69, -87.67)",Spanish\n'
                   'Nowhere,,\nBad,"(41.7, -87.6)",Dothraki\n')
    gdf, problems = load_assets(csv, {"location": "LOCATION", "fields": {
        "name": "NAME", "category": {"value": "library"}, "languages": "LANG"}})
    assert gdf["name"].tolist() == ["Walker"]
    assert gdf.geometry.iloc[0].y == pytest.approx(41.69)
    reasons = {p.row: p.reason for p in problems}
    assert "no coordinates" in reasons[2] and "unknown language 'Dothraki'" in reasons[3]


def test_spec_with_derived_sum(tmp_path, settings):
    _write_areas(tmp_path / "a.geojson")
    pd.DataFrame({"GEOID": ["A", "B"], "x": [3, 4], "xm": [3, 4], "y": [0, 1], "ym": [5, 1]}
                 ).to_csv(tmp_path / "t.csv", index=False)
    spec = {"name": "T", "areas": {"path": "a.geojson", "id": "GEOID", "name": "NAME"},
            "tables": [{"path": "t.csv", "id": "GEOID", "variables": [
                {"id": "x", "estimate": "x", "moe": "xm", "label": "X", "topic": "population"},
                {"id": "y", "estimate": "y", "moe": "ym", "label": "Y", "topic": "population"}]}],
            "derived": [{"id": "xy", "sum": ["x", "y"], "label": "X+Y", "topic": "population"}]}
    (tmp_path / "d.json").write_text(json.dumps(spec))
    area_set, assets, _, _ = load_from_spec(spec, tmp_path / "d.json", settings)
    assert area_set.estimates["xy"].tolist() == [3, 5]
    assert area_set.moes.loc["A", "xy"] == pytest.approx(np.hypot(3, 5))  # one zero: its MOE counts
    assert area_set.moes.loc["B", "xy"] == pytest.approx(np.hypot(4, 1))
    assert assets.empty


def test_a_table_without_a_geoid_column_joins_through_a_key_template(tmp_path, settings):
    """Issue #13 item 2: a New York City-style LEP file has only COUNTY and TRACT (no
    GEOID), and a regional agency codes missing values -99999; the description builds the
    key '36' + county (3 digits) + tract (6 digits) and declares the code."""
    import json

    import geopandas as gpd
    import shapely

    from mapping.sources.datasets import load_from_spec

    geoids = ["36061000100", "36061000201", "36005002201"]
    gpd.GeoDataFrame({"GEOID10": geoids}, geometry=[shapely.box(i, 0, i + 1, 1)
                     for i in range(3)], crs="EPSG:4326").to_file(tmp_path / "tracts.geojson")
    pd.DataFrame({"COUNTY": [61, 61, 5], "TRACT": [100, 201, 2201],
                  "LEP_Est": [120, -99999, 45], "LEP_MOE": [30, -99999, 12]}
                 ).to_csv(tmp_path / "lep.csv", index=False)
    spec = {"name": "NYC", "areas": {"path": "tracts.geojson", "id": "GEOID10"},
            "tables": [{"path": "lep.csv", "id": "36{COUNTY:3}{TRACT:6}",
                        "missing_values": [-99999],
                        "variables": [{"id": "lep", "estimate": "LEP_Est", "moe": "LEP_MOE",
                                       "label": "Limited English", "topic": "language",
                                       "role": "lep_total"}]}]}
    (tmp_path / "nyc.json").write_text(json.dumps(spec))
    area_set, _, report, _ = load_from_spec(spec, tmp_path / "nyc.json", settings)
    est = area_set.estimates["lep"]
    assert est["36061000100"] == 120 and est["36005002201"] == 45
    assert np.isnan(est["36061000201"])  # -99999: missing, not a number
    assert est.sum() == 165
    assert not report.warnings and any("-99999" in n for n in report.notes)


def test_a_key_template_naming_a_missing_column_says_which(tmp_path, settings):
    from mapping.sources.datasets import id_values

    with pytest.raises(DataError, match=r"names column 'TRACTCE', which is not in the file"):
        id_values(pd.DataFrame({"TRACT": [1]}), "36{TRACTCE:6}", what="lep.csv")


def test_a_text_file_named_geojson_gets_a_message_without_paths_or_gdal(tmp_path):
    """Issue #13 item 5: the message showed the server's temporary path and GDAL's advice."""
    from mapping.sources.datasets import read_vector

    fake = tmp_path / "tracts.geojson"
    fake.write_text("GEOID,name\n1,a\n")
    with pytest.raises(DataError) as caught:
        read_vector(fake)
    message = str(caught.value)
    assert message.startswith("tracts.geojson: this is not a boundary file")
    assert str(tmp_path) not in message and "driver" not in message.lower()
    assert "GDAL" not in message and "save it again as GeoJSON" in message
