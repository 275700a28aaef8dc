"""WCAG 2.1 A/AA (issue #17): axe-core on every page and inside each map frame, and the
map's findings reached from the keyboard alone.

axe-core is the npm copy (``package.json`` devDependencies, installed by scripts/setup.sh).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, _require

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
MAP_FRAME = "iframe[src*='ui.map_widget.nam_map']"
RULES = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"
RUN = f"""async () => {{
  const r = await axe.run(document, {RULES});
  return r.violations.map(v => `${{v.id}} (${{v.impact}}): ` +
    v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' - ' +
      (n.failureSummary || '').split('\\n').slice(1, 2).join(' ').trim()).join('; '));
}}"""
PAGES = ["", "profile", "branches", "gaps", "assets", "outreach", "census", "data", "stories",
         "?ds=cook_county", "gaps?ds=cook_county", "?ds=portland_metro",
         "gaps?ds=portland_metro"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    _require(AXE.exists(), "axe-core is missing: run scripts/setup.sh (npm install)")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "map")
def test_axe_finds_no_wcag_violation_on_the_page_or_in_its_map(app_url, page, axe_source, path):
    page.goto(f"{app_url}/{path}")
    expect(page.locator("h1").first).to_be_visible(timeout=120_000)
    if page.locator(MAP_FRAME).count():
        frame = page.frame_locator(MAP_FRAME)
        expect(frame.locator("body[data-nam-ready='1']")).to_have_count(1, timeout=120_000)
    _wait_until_the_page_rests(page)
    page.add_script_tag(content=axe_source)
    assert page.evaluate(RUN) == []
    for frame in page.frames[1:]:
        if "nam_map" in frame.url:
            frame.add_script_tag(content=axe_source)
            assert frame.evaluate(RUN) == [], "in the map frame"


def test_presentation_mode_has_no_wcag_violation(app_url, app_data_dir, page, axe_source):
    """Presentation mode (issue #12), high contrast on, with a saved view of Cook County."""
    from mapping.present.stories import Author, Stories
    from mapping.records.store import Store

    store = Store(f"sqlite:///{app_data_dir / 'assets.db'}")
    view = Stories(store).save_view(title="Spanish speakers, Cook County", page="map",
                                    params={"ds": "cook_county", "lang": "spanish"},
                                    author=Author(None, "Ana"))
    store.close()
    page.goto(f"{app_url}/present?sv={view.id}&hc=1")
    expect(page.get_by_role("heading", name="Spanish speakers, Cook County")).to_be_visible(
        timeout=120_000)
    frame = page.frame_locator(MAP_FRAME)
    expect(frame.locator("body[data-nam-ready='1']")).to_have_count(1, timeout=120_000)
    _wait_until_the_page_rests(page)
    page.add_script_tag(content=axe_source)
    assert page.evaluate(RUN) == []


def test_an_area_is_reached_and_opened_from_the_keyboard_alone(app_url, page):
    """From the top of the Map page, with Tab, typing and Enter only: find an area, open
    its panel, and read its figures in it."""
    page.goto(app_url)
    expect(page.locator(MAP_FRAME)).to_be_attached(timeout=120_000)
    finder = page.get_by_placeholder("e.g. a tract number, a library's name")
    expect(finder).to_be_visible(timeout=60_000)
    _tab_to(page, finder, 80, "the area finder")
    page.keyboard.type("Tract 12,")
    page.keyboard.press("Enter")
    opener = page.get_by_role("button", name="Show its profile or details")
    expect(opener).to_be_visible(timeout=60_000)
    _tab_to(page, opener, 10, "the button that opens the panel")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"^Tract 12,"))).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text(re.compile(r"Foreign-born:\s*[\d,]+ ±"))).to_be_visible()


def _tab_to(page, target, most: int, what: str) -> None:
    """Press Tab until ``target`` has the focus (at most ``most`` times)."""
    for _ in range(most):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{what} could not be reached with Tab")


def _wait_until_the_page_rests(page) -> None:
    """Wait until the script has finished and stayed finished for 2 s of polling (the map
    asks for one more run when its data arrives; a cache's spinner shows during a run):
    axe then checks the page a person reads, not a frame of it being drawn."""
    page.wait_for_function("""() => {
      const app = document.querySelector("[data-testid='stApp']");
      const resting = app && app.getAttribute("data-test-script-state") === "notRunning" &&
        !document.querySelector("[data-testid='stSpinner']");
      window.__namResting = resting ? (window.__namResting || 0) + 1 : 0;
      return window.__namResting >= 20;
    }""", polling=100, timeout=120_000)
