"""Uploads are bounded and saving a dataset is all or nothing."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mapping.datasets import find_dataset, list_datasets, load_dataset, read_table
from mapping.errors import DataError, UploadRejected
from mapping.uploads import build_spec, numeric_columns, safe_filename, save_dataset, store_upload


@pytest.mark.parametrize("name,expected", [
    ("../../app.py", "app.py"),
    ("C:\\Users\\x\\tracts.GeoJSON", "tracts.geojson"),
    ("Tracts 2020 (Cook).csv", "Tracts_2020_Cook.csv"),
    ("..", "upload"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_store_upload_refuses_large_wrong_type_and_empty(tmp_path):
    with pytest.raises(UploadRejected, match=r"more than the 0 MB allowed"):
        store_upload("a.csv", b"x" * 2000, tmp_path, allowed=(".csv",), max_bytes=1000)
    with pytest.raises(UploadRejected, match=r"type \.exe are not accepted"):
        store_upload("a.exe", b"x", tmp_path, allowed=(".csv",), max_bytes=1000)
    with pytest.raises(UploadRejected, match="empty"):
        store_upload("a.csv", b"", tmp_path, allowed=(".csv",), max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


def test_store_upload_writes_inside_its_folder_only(tmp_path):
    path = store_upload("../../evil.csv", b"a,b\n1,2\n", tmp_path / "in", allowed=(".csv",),
                        max_bytes=1000)
    assert path.parent == tmp_path / "in" and path.name == "evil.csv"


def test_numeric_columns():
    frame = pd.DataFrame({"id": ["A", "B"], "n": ["1", "2,000"], "mixed": ["1", "x"]})
    assert numeric_columns(frame) == ["n"]


def _files(tmp_path):
    areas = tmp_path / "areas.geojson"
    gpd.GeoDataFrame({"GEOID": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1),
                     shapely.box(1, 0, 2, 1)], crs="EPSG:4326").to_file(areas)
    table = tmp_path / "stats.csv"
    pd.DataFrame({"GEOID": ["A", "B"], "fb": [10, 20]}).to_csv(table, index=False)
    return areas, table


def test_save_dataset_lands_whole_and_is_listed(tmp_path, settings):
    areas, table = _files(tmp_path)
    spec = build_spec(name="My County", source="", year="2024",
                      areas={"path": "areas.geojson", "id": "GEOID"},
                      tables=[{"path": "stats.csv", "id": "GEOID", "variables": [
                          {"id": "fb", "estimate": "fb", "label": "Foreign-born",
                           "topic": "origin", "role": "foreign_born"}]}])
    dataset_id, _ = save_dataset(spec, {"areas.geojson": areas, "stats.csv": table}, settings)
    assert dataset_id == "my_county"
    assert "my_county" in [e.id for e in list_datasets(settings)]
    loaded = load_dataset(find_dataset(settings, "my_county"), settings)
    assert loaded.area_set.estimates["fb"].tolist() == [10, 20]
    # A second save with the same name never overwrites the first.
    second, _ = save_dataset(spec, {"areas.geojson": areas, "stats.csv": table}, settings)
    assert second == "my_county_2"
    assert json.loads((settings.datasets_dir / "my_county" / "dataset.json").read_text())


def test_save_dataset_that_does_not_load_leaves_nothing(tmp_path, settings):
    areas, table = _files(tmp_path)
    spec = build_spec(name="Broken", source="", year="",
                      areas={"path": "areas.geojson", "id": "GEOID"},
                      tables=[{"path": "stats.csv", "id": "NOPE", "variables": [
                          {"id": "fb", "estimate": "fb", "label": "FB", "topic": "origin"}]}])
    with pytest.raises(DataError, match="no id column 'NOPE'"):
        save_dataset(spec, {"areas.geojson": areas, "stats.csv": table}, settings)
    assert list(settings.datasets_dir.iterdir()) == []


def test_build_spec_requires_a_name_and_a_statistic():
    with pytest.raises(DataError, match="name"):
        build_spec(name=" ", source="", year="", areas={}, tables=[{"variables": [{}]}])
    with pytest.raises(DataError, match="at least one statistics column"):
        build_spec(name="x", source="", year="", areas={}, tables=[{"variables": []}])


def test_a_200_mb_upload_is_refused_with_the_limit_named(tmp_path, settings):
    data = bytes(200 * 1024 * 1024)
    with pytest.raises(UploadRejected, match=r"200\.0 MB is more than the 50 MB allowed"):
        store_upload("huge.csv", data, tmp_path / "in", allowed=(".csv",),
                     max_bytes=settings.max_upload_bytes)
    assert not (tmp_path / "in").exists()


ROWS = [("Centro Latino – Bogotá", "Café, ESL"), ("Łódź Polish Club", "Kraków; Gdańsk"),
        ("Müller Straße Haus", "Köln"), ("École française", "Montréal"),
        ("Niños de España", "Peñalolén")]


@pytest.mark.parametrize("encoding,rows", [
    ("utf-8", ROWS), ("utf-8-sig", ROWS), ("utf-16", ROWS),
    ("utf-16-le", ROWS),                       # no byte-order mark
    ("cp1252", [ROWS[0], ROWS[2], ROWS[3], ROWS[4]]),  # Excel on Windows ("Save as CSV")
    ("latin-1", [ROWS[2], ROWS[3], ROWS[4]]),
])
def test_csv_in_the_encodings_libraries_export_reads_the_same_text(tmp_path, encoding, rows):
    """Issue #8 item 8: Latin-1, CP1252 and UTF-16 files were refused."""
    path = tmp_path / "assets.csv"
    text = "name,notes\r\n" + "".join(f'"{a}","{b}"\r\n' for a, b in rows)
    path.write_bytes(text.encode(encoding))
    frame = read_table(path)
    assert list(zip(frame["name"], frame["notes"], strict=True)) == rows
    assert frame.attrs["encoding"]  # said, never silent


def test_a_binary_file_named_csv_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "assets.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(DataError, match="save it as UTF-8 CSV"):
        read_table(path)
