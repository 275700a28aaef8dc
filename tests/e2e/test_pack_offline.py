"""The meeting pack's standalone map opened as a person would from a USB stick: a file,
in Chromium, with every network request refused (issue #12 item 3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mapping.analysis.filters import Filters, compute_measure, default_indicator
from mapping.infra.settings import LOCAL_LEAFLET_DIR
from mapping.present.pack import MapRequest, standalone_map
from mapping.sources.areas import drawable

pytestmark = pytest.mark.e2e

COUNT_JS = """() => {
  const maps = Object.keys(window).map(k => window[k]).filter(v => v instanceof L.Map);
  if (maps.length !== 1) return null;
  let areas = 0, assets = 0;
  maps[0].eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.g) areas++; if (p && p.a) assets++; });
  return [areas, assets];
}"""


def test_the_standalone_map_shows_every_area_and_asset_with_no_network(browser, demo, tmp_path):
    catalog = demo.area_set.catalog
    measure = compute_measure(demo.area_set, Filters(indicator=default_indicator(catalog).id))
    html = standalone_map(MapRequest(demo.area_set, measure, demo.assets,
                                     title="Foreign-born <script>alert(1)</script>"),
                          leaflet_dir=LOCAL_LEAFLET_DIR)
    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    asked: list[str] = []

    def only_the_file(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_file)
    dialogs: list[str] = []
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        page.wait_for_function(f"() => {{ const c = ({COUNT_JS})(); return c && c[0] > 0; }}",
                               timeout=30_000)
        areas, assets = page.evaluate(COUNT_JS)
        assert areas == int(drawable(demo.area_set.areas.geometry).sum())
        assert assets == len(demo.assets)
        expect(page.locator(".nam-title")).to_have_text("Foreign-born <script>alert(1)</script>")
        expect(page.locator(".nam-legend")).to_contain_text("Foreign-born")
        expect(page.locator(".nam-made")).to_contain_text("Source: Synthetic figures")
        # Leaflet's own images are inside the file too: the layer control has its icon.
        icon = page.evaluate("() => getComputedStyle(document.querySelector("
                             "'.leaflet-control-layers-toggle')).backgroundImage")
        assert icon.startswith('url("data:image/png;base64,')
        assert asked == [] and dialogs == []
    finally:
        context.close()
