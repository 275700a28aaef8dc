"""Issue #16 on both engines: importing the same Open Referral package again updates the
same records, whatever the file is called; a database's own export read back changes
nothing, and never replaces a sensitive site's place with the approximate one."""

from __future__ import annotations

import json

import pandas as pd

from mapping.interchange.exports import export_frame
from mapping.interchange.hsds import HSDS_SOURCE, already_here, read_hsds, write_hsds3_json
from mapping.records.assets import normalize_assets


def _package(tmp_path, name, frame):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "services.json").write_bytes(write_hsds3_json(frame))
    return folder


def _partner_frame(demo, n=4):
    """A partner's directory: demo places under other ids, as another system has them."""
    rows = demo.assets.head(n).copy()
    rows["asset_id"] = [f"partner-{i}" for i in range(n)]
    rows["visibility"] = "public"
    return export_frame(rows, demo.area_set.areas)


def test_the_same_package_twice_under_two_names_adds_nothing_the_second_time(store, demo,
                                                                             tmp_path):
    frame = _partner_frame(demo)
    # A partner's own export has no attributes of ours: strip them as such a system would.
    data = json.loads(write_hsds3_json(frame))
    for service in data["contents"]:
        location = service["service_at_locations"][0].get("location", {})
        location["attributes"] = []
        location.pop("external_identifier_type", None)
    for name in ("monday.json", "resent-tuesday.json"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "services.json").write_text(json.dumps(data))
        records, _ = read_hsds(folder, source=name)
        assets, problems = normalize_assets(records, source=name)
        assert problems == []
        result = store.import_assets(assets, user="ana", source_key=HSDS_SOURCE,
                                     label="Open Referral (HSDS)")
        if name == "monday.json":
            assert len(result.added) == 4
        else:
            assert (len(result.added), result.unchanged) == (0, 4)
    stored = store.assets_frame()
    assert len(stored) == 4
    assert stored["asset_id"].str.startswith("hsds-").all()

    # The partner changes a phone number: the next import updates that record in place.
    data["contents"][0]["service_at_locations"][0]["location"]["phones"] = [  # its first
        {"id": "3f0f5c0e-2f7c-4f43-9a53-3f3f0b5a1e01", "number": "(312) 555-0199"}]
    folder = tmp_path / "wednesday"
    folder.mkdir()
    (folder / "services.json").write_text(json.dumps(data))
    records, _ = read_hsds(folder, source="wednesday.json")
    assets, _ = normalize_assets(records, source="wednesday.json")
    result = store.import_assets(assets, user="ana", source_key=HSDS_SOURCE, label="x")
    assert (len(result.added), len(result.updated)) == (0, 1)
    assert "(312) 555-0199" in set(store.assets_frame()["phone"])


def test_our_own_export_read_back_is_recognised_and_left_alone(store, demo, tmp_path):
    sensitive = demo.assets[demo.assets["visibility"] == "sensitive"].head(2)
    public = demo.assets[demo.assets["visibility"] == "public"].head(3)
    mine = pd.concat([sensitive, public])
    store.import_assets(mine, user="ana", source_key="dataset:demo", label="Demo")
    exported = export_frame(store.assets_frame(), demo.area_set.areas)
    records, _ = read_hsds(_package(tmp_path, "ours", exported), source="ours.json")
    assets, _ = normalize_assets(records, source="ours.json")
    here = already_here(assets, store.assets_frame(include_deleted=True))
    assert here.all() and len(here) == 5
    # Read back by another library, the same package is new there (nothing of theirs).
    assert not already_here(assets, store.assets_frame().iloc[:0]).any()
    # Had it been imported anyway, the exact place of a sensitive site would be lost:
    # the exported point is its area's centre.
    exact = store.get_asset(sensitive["asset_id"].iloc[0])
    back = assets.set_index("asset_id").loc[sensitive["asset_id"].iloc[0]]
    assert (round(back.geometry.y, 6), round(back.geometry.x, 6)) != (
        round(exact["latitude"], 6), round(exact["longitude"], 6))
