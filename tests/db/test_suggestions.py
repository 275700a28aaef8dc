"""The community's suggestions and staff's review queue (issue #14 item 6), on both engines."""

from __future__ import annotations

import pytest

import mapping.people.suggestions as suggestions_module
from mapping.infra.errors import DataError
from mapping.interchange.exports import export_frame, to_csv
from mapping.people.suggestions import Suggestions
from tests.db.conftest import ASSET

CONTACT = ("Amina Yusuf", "amina.yusuf@example.org")


@pytest.fixture
def queue(store):
    return Suggestions(store)


def _suggest(queue: Suggestions, **fields) -> int:
    values = {"name": "Somali Women's Circle", "category": "community", "latitude": 41.95,
              "longitude": -87.66, "address": "4800 N Sheridan Rd, Chicago, IL 60640",
              "languages": "Somali; English", "services": "Sewing; ESL conversation",
              "description": "Meets Tuesdays in the church hall.",
              "contact_name": CONTACT[0], "contact": CONTACT[1], **fields}
    return queue.suggest_place(**values)


def test_a_suggestion_approved_by_staff_becomes_an_asset_without_the_contact(queue, store):
    sid = _suggest(queue, sent_by="Chris Contributor <chris@lib.org>", account_id=7)
    waiting = queue.frame(with_contact=True)
    assert waiting["id"].tolist() == [sid] and waiting.loc[0, "contact"] == CONTACT[1]
    assert "contact" not in queue.frame().columns  # only where the role may see it
    asset_id = queue.approve(sid, by="Ana Ruiz <ana@lib.org>", branch="Uptown")
    asset = store.get_asset(asset_id)
    assert (asset["name"], asset["category"], asset["languages"], asset["services"]) == (
        "Somali Women's Circle", "community", ("so", "en"), ("Sewing", "ESL conversation"))
    assert (asset["source"], asset["branch"], asset["city"]) == (
        "community suggestion", "Uptown", "Chicago")
    assert store.history(asset_id)[0]["user"] == "Ana Ruiz <ana@lib.org>"
    everything = " ".join(str(v) for v in asset.values())
    assert CONTACT[0] not in everything and CONTACT[1] not in everything
    public = to_csv(export_frame(store.assets_frame(), _areas(), audience="public"))
    assert "Somali Women's Circle" in public and CONTACT[1] not in public
    decided = queue.frame(status="approved").iloc[0]
    assert (decided["result_asset_id"], decided["decided_by"]) == (asset_id,
                                                                    "Ana Ruiz <ana@lib.org>")
    assert queue.count_open() == 0


def _areas():
    import geopandas as gpd
    from shapely.geometry import box
    return gpd.GeoDataFrame({"geoid": ["1"], "name": ["all"]},
                            geometry=[box(-88, 41, -87, 43)], crs="EPSG:4326").set_index("geoid")


def test_merge_fix_and_decline_each_close_a_suggestion_once(queue, store):
    here = store.create_asset({**ASSET, "name": "Casa Amiga"}, user="setup")
    merged = _suggest(queue, name="Casa Amiga (again)")
    queue.merge(merged, here["asset_id"], by="ana", note="already on the map")
    wrong = queue.report_problem(here["asset_id"], description="Closed on Mondays now")
    queue.fixed(wrong, by="ana", note="hours updated")
    declined = _suggest(queue, name="My cousin's shop")
    queue.decline(declined, by="bo", note="not a community asset")
    assert queue.count_open() == 0
    done = queue.frame(status=None).set_index("id")
    assert done.loc[merged, ["status", "result_asset_id"]].tolist() == ["merged",
                                                                        here["asset_id"]]
    assert done.loc[wrong, ["status", "note"]].tolist() == ["fixed", "hours updated"]
    assert done.loc[declined, ["status", "decided_by"]].tolist() == ["declined", "bo"]
    with pytest.raises(DataError, match="already merged by ana"):
        queue.decline(merged, by="bo")
    other = queue.report_problem(here["asset_id"], description="Wrong phone")
    with pytest.raises(DataError, match="is a correction, not a new place"):
        queue.approve(other, by="ana")
    assert store.count_assets() == 1  # nothing added by the refused approval


@pytest.mark.parametrize("fields, message", [
    ({"name": ""}, "no name"),
    ({"languages": "Dothraki"}, "Dothraki"),
    ({"latitude": 91.0}, "coordinates out of range"),
    ({"category": "casino"}, "unknown category"),
    ({"description": "x" * 2001}, "the description is 2001 characters long"),
    ({"contact": "y" * 255}, "the contact is 255 characters long"),
])
def test_a_bad_suggestion_is_refused_with_what_to_fix(queue, fields, message):
    with pytest.raises(DataError, match=message):
        _suggest(queue, **fields)
    assert queue.count_open() == 0


def test_a_staff_only_site_cannot_be_reported_and_empty_reports_are_refused(queue, store):
    hidden = store.create_asset({**ASSET, "name": "Staff Room", "visibility": "staff"},
                                user="setup")
    with pytest.raises(DataError, match=r"no asset .* on the public map"):
        queue.report_problem(hidden["asset_id"], description="hello")
    shown = store.create_asset({**ASSET, "name": "Casa Amiga"}, user="setup")
    with pytest.raises(DataError, match="say what is wrong"):
        queue.report_problem(shown["asset_id"], description="  ")


def test_a_full_queue_refuses_more_until_staff_catch_up(queue, monkeypatch):
    monkeypatch.setattr(suggestions_module, "MAX_OPEN", 3)
    ids = [_suggest(queue, name=f"Place {i}") for i in range(3)]
    with pytest.raises(DataError, match="review queue is full"):
        _suggest(queue, name="Place 4")
    queue.decline(ids[0], by="ana")
    _suggest(queue, name="Place 4")
    assert queue.count_open() == 3
