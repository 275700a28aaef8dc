"""Issue #8, finding 1: text from data never runs as code, on any page, in the real app.

A saved dataset whose every text field is hostile (its name, source and year, every area
name, every statistic's label, which is what an uploaded CSV's column names become, and
every field of its assets), plus hostile records in the asset database, is opened on
every page in Chromium with dialogs, page errors and injected elements watched in the
page and inside every map frame.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from playwright.sync_api import expect

from mapping.records.store import Store

pytestmark = pytest.mark.e2e

# Each would run script, load something, or become markup/links if it were not escaped.
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"
TEMPLATE = "${alert(3)}"
LINK = "[click](javascript:alert(4))"
JINJA = "{{7*7}}"
BOLD = "<b id=injected>bold</b>"
HOSTILE = (IMG, SCRIPT, TEMPLATE, LINK, JINJA, BOLD)

PAGES = ("", "profile", "branches", "gaps", "assets", "outreach", "census", "data")

WATCH_JS = """() => {
  const bad = [];
  const docs = [document];
  for (const f of document.querySelectorAll('iframe')) {
    try { if (f.contentDocument) docs.push(f.contentDocument); } catch (e) {}
  }
  for (const d of docs) {
    for (const el of d.querySelectorAll('img[src="x"], #injected, a[href^="javascript:"]'))
      bad.push(el.outerHTML.slice(0, 120));
  }
  return bad;
}"""


def _write_hostile_dataset(folder: Path) -> None:
    """A 2 x 2 grid of areas in Alaska (far from Demo County, whose map other tests count)
    with hostile text in every text field."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = [shapely.box(-150.0 + 0.02 * i, 61.5 + 0.02 * j, -149.98 + 0.02 * i, 61.52 + 0.02 * j)
             for i in range(2) for j in range(2)]
    geoids = [f"2000000000{k}" for k in range(4)]
    gpd.GeoDataFrame({"GEOID": geoids, "NAME": [f"{HOSTILE[k]} tract" for k in range(4)]},
                     geometry=cells, crs="EPSG:4326").to_file(folder / "areas.geojson")
    pd.DataFrame({"GEOID": geoids, "POP": [4000, 3000, 2500, 5000], "POP_M": [300] * 4,
                  "POP5": [3800, 2800, 2300, 4700], "POP5_M": [280] * 4,
                  "FB": [900, 400, 300, 1200], "FB_M": [150] * 4,
                  "MX": [300, 100, 50, 600], "MX_M": [90] * 4,
                  "ES": [200, 60, 40, 380], "ES_M": [70] * 4}).to_csv(folder / "stats.csv", index=False)
    centre = [c.centroid for c in cells]
    pd.DataFrame([{
        "name": f"{h} asset", "organization": h, "category": cat, "services": f"{h}; help",
        "languages": "es", "communities": f"Mexico; {h}", "address": h, "phone": h,
        "website": "javascript:alert(5)", "hours": h, "description": h, "branch": f"{h} branch",
        "latitude": centre[k % 4].y + 0.003, "longitude": centre[k % 4].x + 0.003,
    } for k, (h, cat) in enumerate(zip(HOSTILE, ["library", "legal", "library", "health",
                                                 "esl", "food"], strict=True))]
    ).to_csv(folder / "assets.csv", index=False)
    variables = [
        {"id": "pop", "estimate": "POP", "moe": "POP_M", "label": f"{TEMPLATE} people",
         "topic": "population", "role": "total_population"},
        {"id": "pop5", "estimate": "POP5", "moe": "POP5_M", "label": f"{SCRIPT} 5+",
         "topic": "population", "role": "population_5plus", "universe": "pop"},
        {"id": "fb", "estimate": "FB", "moe": "FB_M", "label": f"{IMG} foreign-born",
         "topic": "origin", "role": "foreign_born", "universe": "pop"},
        {"id": "mx", "estimate": "MX", "moe": "MX_M", "label": f"Born in {LINK}",
         "topic": "origin", "country": "Mexico", "universe": "fb"},
        {"id": "es", "estimate": "ES", "moe": "ES_M", "label": f"{BOLD} {JINJA} Spanish",
         "topic": "language", "language": "spanish", "universe": "pop5"},
    ]
    fields = {f: f for f in ("name", "organization", "category", "services", "languages",
                             "communities", "address", "phone", "website", "hours",
                             "description", "branch")}
    spec = {"name": f"{IMG} County", "source": f"{SCRIPT} {LINK}", "year": TEMPLATE,
            "areas": {"path": "areas.geojson", "id": "GEOID", "name": "NAME"},
            "tables": [{"path": "stats.csv", "id": "GEOID", "variables": variables}],
            "assets": [{"path": "assets.csv", "fields": fields}]}
    (folder / "dataset.json").write_text(json.dumps(spec), encoding="utf-8")


def test_hostile_text_in_every_field_never_runs_on_any_page(app_url, app_data_dir, page):
    _write_hostile_dataset(app_data_dir / "datasets" / "hostile")
    store = Store(f"sqlite:///{app_data_dir / 'assets.db'}")
    try:
        for k, h in enumerate(HOSTILE):
            store.create_asset({"name": f"{h} stored", "organization": h, "category": "settlement",
                                "services": [h], "communities": [h], "address": h, "phone": h,
                                "website": "javascript:alert(6)", "hours": h, "description": h,
                                "branch": h, "latitude": 61.505 + 0.005 * k, "longitude": -149.99},
                               user=h)
    finally:
        store.close()

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    for name in PAGES:
        page.goto(f"{app_url}/{name}?ds=hostile")
        # Every page has a title, and the sidebar names the dataset once the script has run.
        expect(page.locator("h1").first).to_be_visible(timeout=60_000)
        expect(page.get_by_role("combobox", name="Dataset")).to_have_value(f"{IMG} County",
                                                                           timeout=60_000)
        if name in ("", "branches", "gaps"):
            frame = page.frame_locator("iframe[src*='ui.map_widget.nam_map']")
            expect(frame.locator(".leaflet-control-layers")).to_be_attached(timeout=60_000)
            if name == "":  # the legend names the statistic shown, as text
                expect(frame.locator(".nam-legend")).to_contain_text(f"{IMG} foreign-born",
                                                                     timeout=60_000)
            expect(frame.locator(".nam-legend")).to_contain_text(SCRIPT)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(WATCH_JS) == [], f"page /{name}"
    # The map page shows the title and the measure as the literal text.
    page.goto(f"{app_url}/?ds=hostile")
    expect(page.get_by_role("heading", name=re.compile(re.escape(f"{IMG} County")))
           ).to_be_visible(timeout=60_000)
    assert dialogs == [] and not [e for e in errors if "alert" in e]
    assert page.evaluate(WATCH_JS) == []
