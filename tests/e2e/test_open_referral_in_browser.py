"""Issue #16 as staff do it: a partner's HSDS 3.0 file imported from the asset page, sent
again under another name without adding a record, then exported as HSDS 3.0 tables that
the official datapackage validates.

Portland's areas hold the partner's places, so the demo map other tests count is untouched.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile

import pandas as pd
import pytest
from playwright.sync_api import expect

from mapping.interchange.exports import export_frame
from mapping.interchange.hsds import write_hsds3_json
from mapping.records.assets import normalize_assets

NAMES = ("Okapi Legal Clinic", "Okapi ESL Classes", "Okapi Food Pantry")  # a name no other asset has


def _partner_file(portland, path) -> None:
    """Three places in Portland's areas as another system would send them: its own ids,
    none of this app's attributes."""
    points = portland.area_set.areas.geometry.iloc[[10, 200, 400]].representative_point()
    frame = pd.DataFrame({
        "asset_id": ["p1", "p2", "p3"], "name": NAMES, "category": ["legal", "esl", "food"],
        "services": ["Immigration consultations", "ESL; Citizenship class", "Food pantry"],
        "languages": ["es; vi", "es", "ru"], "phone": ["503 555 0101", "", ""],
        "hours": ["Mon-Fri 9-5", "Tue & Thu 6-8", ""],
        "latitude": points.y.to_numpy(), "longitude": points.x.to_numpy()})
    assets, problems = normalize_assets(frame, source="partner")
    assert not problems
    page = json.loads(write_hsds3_json(export_frame(assets, portland.area_set.areas)))
    for service in page["contents"]:
        location = service["service_at_locations"][0].get("location")
        if location:
            location["attributes"] = []
            del location["external_identifier_type"]
    path.write_text(json.dumps(page))


def _rest(page) -> None:
    """Wait until the app's script has finished its run: a click during a run can land
    on an element the run is about to replace (a loaded machine runs slowly)."""
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
           ).to_have_count(1, timeout=120_000)


def _import(page, path, expected: str) -> None:
    _rest(page)
    section = page.locator("details", has=page.locator("summary",
                                                       has_text="Import assets from a file"))
    expect(section).to_have_count(1, timeout=60_000)
    if section.get_attribute("open") is None:  # folded (it folds again after an import)
        section.locator("summary").click()
    expect(section).to_have_attribute("open", re.compile(".*"), timeout=30_000)
    section.locator("input[type=file]").set_input_files(str(path))
    expect(section.get_by_text(path.name)).to_be_visible(timeout=60_000)
    check = section.get_by_role("button", name="Check the file")
    expect(check).to_be_visible(timeout=60_000)
    _rest(page)
    check.click()
    expect(page.get_by_text("3 rows ready")).to_be_visible(timeout=90_000)
    _rest(page)
    page.get_by_role("button", name="Import the 3 good rows").click()
    expect(page.get_by_text(re.compile(expected))).to_be_visible(timeout=90_000)


def test_a_partners_file_imported_twice_and_our_export_valid(app_url, page, portland, shared,
                                                             tmp_path):
    frictionless = pytest.importorskip("frictionless")
    first = tmp_path / "partner.json"
    _partner_file(portland, first)
    again = tmp_path / "partner-resent.json"
    shutil.copy(first, again)

    page.goto(f"{app_url}/assets?ds=portland_metro")
    name = page.get_by_label("Your name and branch (saved with your changes)")
    expect(name).to_be_visible(timeout=120_000)
    name.fill("Ana, North branch")
    name.press("Enter")
    _import(page, first, r"Imported in one go: 3 added")
    # The table lists them (its cells are drawn on a canvas; the count is text). The
    # database holds every dataset's assets: search for the partner's.
    _rest(page)
    search = page.get_by_label("Search (name, organization, services, address)")
    search.fill("Okapi")
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"^3 found"))).to_be_visible(timeout=60_000)
    _import(page, again, r"Imported in one go: 0 added; 0 updated; 3 unchanged")

    _rest(page)
    page.get_by_text("Export (public", exact=False).click()
    button = page.get_by_role("button", name="HSDS 3.0 (tables, zip)")
    expect(button).to_be_visible(timeout=60_000)
    _rest(page)
    with page.expect_download(timeout=120_000) as download:
        button.click()
    folder = tmp_path / "export"
    with zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())) as zf:
        zf.extractall(folder)
    shutil.copy(shared / "hsds" / "hsds_3_0" / "examples" / "csv" / "datapackage.json",
                folder / "official.json")
    report = frictionless.validate(str(folder / "official.json"))
    assert report.valid, [e.message for t in report.tasks for e in t.errors][:5]
    locations = pd.read_csv(folder / "locations.csv", dtype=str)
    assert set(NAMES) <= set(locations["name"])
    schedules = pd.read_csv(folder / "schedules.csv", dtype=str)
    assert "MO,TU,WE,TH,FR" in set(schedules["byday"])
