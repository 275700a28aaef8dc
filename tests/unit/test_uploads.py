"""Uploads are bounded and saving a dataset is all or nothing."""

import json
import os

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mapping.infra.errors import ConfigError, DataError, UploadRejected
from mapping.infra.settings import load_settings
from mapping.sources.datasets import find_dataset, list_datasets, load_dataset, read_table
from mapping.sources.uploads import (
    build_spec,
    numeric_columns,
    prune_folders,
    remove_dataset,
    safe_filename,
    save_dataset,
    store_upload,
)


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


def _spec(name):
    return build_spec(name=name, source="", year="2024",
                      areas={"path": "areas.geojson", "id": "GEOID"},
                      tables=[{"path": "stats.csv", "id": "GEOID", "variables": [
                          {"id": "fb", "estimate": "fb", "label": "Foreign-born",
                           "topic": "origin", "role": "foreign_born"}]}])


def test_the_quota_on_saved_datasets_refuses_one_more_and_keeps_the_rest(tmp_path):
    """Issue #8 item 10: visitors could save any number of 50 MB datasets."""
    settings = load_settings({"NAM_DATA_DIR": str(tmp_path / "data"), "NAM_MAX_DATASETS": "2"})
    areas, table = _files(tmp_path)
    files = {"areas.geojson": areas, "stats.csv": table}
    first, _ = save_dataset(_spec("One"), files, settings)
    save_dataset(_spec("Two"), files, settings)
    with pytest.raises(UploadRejected, match=r"2 datasets are saved already.*NAM_MAX_DATASETS"):
        save_dataset(_spec("Three"), files, settings)
    assert sorted(p.name for p in settings.datasets_dir.iterdir()) == ["one", "two"]
    save_dataset(_spec("One"), files, settings, dataset_id=first)  # a refresh is not one more


def test_the_quota_counts_megabytes_too(tmp_path):
    settings = load_settings({"NAM_DATA_DIR": str(tmp_path / "data"),
                              "NAM_MAX_DATASETS_MB": "1"})
    areas, table = _files(tmp_path)
    (tmp_path / "notes.csv").write_text("#" * 1_100_000)  # 1.1 MB: over the 1 MB kept
    with pytest.raises(UploadRejected, match=r"would pass the 1 MB kept for saved datasets"):
        save_dataset(_spec("Big"), {"areas.geojson": areas, "stats.csv": table,
                                    "notes.csv": tmp_path / "notes.csv"}, settings)
    assert not settings.datasets_dir.exists() or not any(
        p for p in settings.datasets_dir.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("name,value", [("NAM_MAX_DATASETS", "0"),
                                        ("NAM_MAX_DATASETS_MB", "lots")])
def test_quota_settings_are_checked(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({"NAM_DATA_DIR": str(tmp_path), name: value})


def test_a_removed_dataset_leaves_the_list_and_the_quota_and_is_kept(tmp_path):
    settings = load_settings({"NAM_DATA_DIR": str(tmp_path / "data"), "NAM_MAX_DATASETS": "1"})
    areas, table = _files(tmp_path)
    files = {"areas.geojson": areas, "stats.csv": table}
    first, _ = save_dataset(_spec("One"), files, settings)
    kept = remove_dataset(settings, first)
    assert first not in [e.id for e in list_datasets(settings)]
    assert (kept / "dataset.json").is_file() and kept.parent.name == ".removed"
    save_dataset(_spec("Two"), files, settings)  # room again
    for bad in ("demo", "cook_county", "../data", ".removed", "nothing"):
        with pytest.raises(DataError, match="only those can be removed"):
            remove_dataset(settings, bad)


def test_idle_folders_are_pruned_and_busy_ones_kept(tmp_path):
    old, busy = tmp_path / "old", tmp_path / "busy"
    for folder in (old, busy):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "a.csv").write_text("x")
        os.utime(folder / "sub" / "a.csv", (1_000, 1_000))
        os.utime(folder / "sub", (1_000, 1_000))
        os.utime(folder, (1_000, 1_000))
    os.utime(busy / "sub" / "a.csv", (90_000, 90_000))  # written again recently
    assert prune_folders(tmp_path, older_than_s=86_400, now=100_000) == 1
    assert not old.exists() and (busy / "sub" / "a.csv").exists()


def test_the_form_proposes_a_regional_agencys_table_right(tmp_path):
    """Issue #13 item 4: a 2010-tract agency file (GEOID10, counts with MOEs as
    ..._CntEst/..._CntMOE, a percentage column, STATEFP10 and NAME10) got all its columns
    offered as statistics, each 'population', and the first column as the id."""
    from mapping.sources.uploads import propose_join, propose_variables

    areas = gpd.GeoDataFrame({"STATEFP10": ["41"] * 3, "GEOID10": ["41051000100",
                              "41051000200", "41051000301"], "NAMELSAD10": ["T1", "T2", "T3"]},
                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)],
                             crs="EPSG:4326")
    table = pd.DataFrame({"STATEFP10": ["41"] * 3, "NAME10": ["1", "2", "3.01"],
                          "GEOID10": ["41051000100", "41051000200", "41051000301"],
                          "TotPop_CntEst": ["1000", "2000", "1500"],
                          "TotPop_CntMOE": ["50", "70", "60"],
                          "FB_CntEst": ["200", "-99999", "300"], "FB_CntMOE": ["40", "-99999", "45"],
                          "FB_CntPct": ["20.0", "", "20.0"], "LEP_CntEst": ["80", "90", "70"],
                          "LEP_CntMOE": ["20", "25", "15"]})
    join = propose_join(areas, table)
    assert join is not None and join.sentence() == "GEOID10 ↔ GEOID10: 3 of 3 areas match"
    proposed = propose_variables(table, exclude=[join.table_column]).set_index("column")
    assert list(proposed.index) == ["TotPop_CntEst", "FB_CntEst", "LEP_CntEst"]
    assert proposed["use"].all()
    assert proposed["moe_column"].tolist() == ["TotPop_CntMOE", "FB_CntMOE", "LEP_CntMOE"]
    assert proposed["role"].tolist() == ["total_population", "foreign_born", "lep_total"]
    assert proposed.loc["FB_CntEst", "universe"] == "TotPop_CntEst"
    assert proposed.loc["LEP_CntEst", "topic"] == "language"


def test_the_form_proposes_portlands_acs_codes_with_their_meaning(shared):
    from mapping.sources.catalog import LANGUAGE_GROUPS
    from mapping.sources.uploads import propose_join, propose_variables

    wide = read_table(shared / "portland_msa" / "acs2019_lep_birthplace_tracts_wide.csv")
    areas = gpd.read_file(shared / "portland_msa" / "tracts_pdx_msa_2010.geojson")
    join = propose_join(areas, wide)
    assert (join.area_column, join.table_column, join.matched) == ("GEOID", "GEOID", 490)
    proposed = propose_variables(wide, exclude=["GEOID"]).set_index("column")
    estimates = [c for c in wide.columns if c.endswith("E") and c[:-1] + "M" in wide.columns]
    assert sorted(proposed.index) == sorted(estimates) and proposed["use"].all()
    codes = pd.read_csv(shared / "portland_msa" / "variable_codes.csv")
    spanish = codes.loc[codes["label_in_source"] == "Spanish", "acs_variable"].item()
    assert proposed.loc[f"{spanish}E", "language"] == "spanish"
    assert proposed.loc["C16001_038E", "language"] == LANGUAGE_GROUPS[-1].key
    assert proposed.loc["C16001_001E", "role"] == "population_5plus"
    assert proposed.loc[f"{spanish}E", "universe"] == "C16001_001E"
