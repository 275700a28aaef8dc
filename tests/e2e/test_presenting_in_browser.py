"""Presenters in a real browser (issue #12): a view saved from the map, a story made of
saved views, and presentation mode (no sidebar, arrow keys move to the next view)."""

from __future__ import annotations

import re
import subprocess
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from pptx import Presentation

from mapping.present.stories import Author, Stories
from mapping.records.store import Store

pytestmark = pytest.mark.e2e

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAP_FRAME = "iframe[src*='ui.map_widget.nam_map']"


def _poll(read, until, *, timeout: float = 30.0):
    """Read the database until ``until(value)`` holds; return the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def _download(page, label: str, folder):
    """Download a file of the meeting pack, made on the server when its button is clicked.
    The map's frame asks for a rerun once its data is in; a click that lands while a rerun
    replaces the buttons starts no download, so the button is clicked again once the page
    rests (the popover is opened again if the rerun closed it)."""
    for attempt in range(4):
        page.wait_for_selector(IDLE, timeout=60_000)
        button = page.get_by_role("button", name=label)
        if not button.is_visible():
            page.get_by_role("button", name="Meeting pack").click()
        try:
            with page.expect_download(timeout=45_000) as download:
                button.click()
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def _follow(page, link, heading: str) -> None:
    """Click a link to another page (in this session) and wait until that page rests.
    A click made while a rerun is under way can be overtaken by that rerun: then the link
    is clicked again, once the page rests."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target = page.get_by_role("heading", name=heading)
    for _ in range(3):
        page.wait_for_selector(IDLE, timeout=60_000)
        if target.count() and target.first.is_visible():
            break
        try:
            link.click(timeout=30_000)
            expect(target).to_be_visible(timeout=30_000)
            break
        except (AssertionError, PlaywrightTimeout):
            continue
    expect(target).to_be_visible(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)


def _choose(page, box: str, option: str) -> None:
    """Pick one option of a multiselect, then leave it. While it has the focus, a full
    multiselect is a line taller; it shrinks when the focus leaves, so a click aimed at
    the button below it would land where the button was (found drawing the docs' story)."""
    combo = page.get_by_role("combobox", name=box)
    combo.click()
    choice = page.get_by_role("option", name=option, exact=True)
    choice.wait_for(state="visible", timeout=30_000)
    choice.click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0, timeout=30_000)
    combo.blur()
    expect(combo).not_to_be_focused()


def test_save_a_view_make_a_story_and_present_it_with_the_arrow_keys(app_url, app_data_dir,
                                                                       page, tmp_path):
    shelf = Stories(Store(f"sqlite:///{app_data_dir / 'assets.db'}"))
    before = {v.id for v in shelf.views()}
    page.goto(f"{app_url}/?lang=korean&m=share")
    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    expect(page.get_by_text("Speak Korean at home", exact=False).first).to_be_visible(
        timeout=30_000)
    page.get_by_text("Save this view (for a presentation)").click()
    page.get_by_label("Title").fill("Korean speakers, share")
    page.get_by_label("Note (what to say about it)").fill("Where to start outreach.")
    page.get_by_label("Your name (saved with the view)").fill("Ana, North")
    page.get_by_role("button", name="Save view").click()
    saved = _poll(lambda: [v for v in shelf.views() if v.id not in before],
                  lambda found: len(found) == 1)
    assert [(v.title, v.note, v.page, v.owner) for v in saved] == [
        ("Korean speakers, share", "Where to start outreach.", "map", "Ana, North")]
    assert saved[0].params["lang"] == "korean" and saved[0].params["m"] == "share"

    # A second view, saved straight into the database (the form is tested above).
    second = shelf.save_view(title="Everyone foreign-born", page="map",
                             params={"ds": saved[0].dataset}, author=Author(None, "Ben"))
    # The save reruns the page; navigating while it runs can be overtaken by that rerun.
    expect(page.get_by_text("Saved: Korean speakers, share")).to_be_visible(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    _follow(page, page.get_by_role("navigation").get_by_role("link", name="Views and stories"),
            "Views and stories")
    page.get_by_label("Title of the story").fill("Board meeting")
    for title in ("Everyone foreign-born", "Korean speakers, share"):  # the order to show
        _choose(page, "Views, in the order to show them", title)
    page.get_by_role("button", name="Make the story").click()
    story = _poll(lambda: [s for s in shelf.stories() if s.title == "Board meeting"],
                  lambda found: len(found) == 1)
    assert story[0].view_ids == (second.id, saved[0].id)

    _follow(page, page.get_by_role("link", name="Present this story").first,
            "Everyone foreign-born")
    expect(page.get_by_text("Board meeting · 1 of 2")).to_be_visible()
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_function("() => window.map && window.NAM_STATE.have.areas",
                            timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.locator("body").press("ArrowRight")
    expect(page.get_by_role("heading", name="Korean speakers, share")).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("Board meeting · 2 of 2")).to_be_visible()
    expect(page.get_by_text("Where to start outreach.")).to_be_visible()
    # The slide's map shows the view's measure, and the footer its source and reliability.
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    expect(frame.locator(".nam-legend")).to_contain_text("Speak Korean", timeout=60_000)
    expect(page.get_by_text("Margins of error at 90% confidence", exact=False)).to_be_visible()
    assert "slide=2" in page.evaluate("() => window.location.href")

    # The meeting pack, made on the server and read back by independent readers.
    files = {label: _download(page, label, tmp_path) for label in (
        "Deck (PowerPoint)", "Profiles of every view (PDF)",
        "Interactive map (HTML, works offline)")}
    deck = Presentation(str(files["Deck (PowerPoint)"]))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame)
              for slide in deck.slides]
    assert titles == ["Board meeting", "Everyone foreign-born", "Korean speakers, share"]
    info = subprocess.run(["pdfinfo", str(files["Profiles of every view (PDF)"])],
                          capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M), info
    html = files["Interactive map (HTML, works offline)"].read_text(encoding="utf-8")
    assert "<title>Korean speakers, share</title>" in html
    assert not re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=", html)  # all inside
    page.keyboard.press("Escape")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.locator("body").press("ArrowLeft")
    expect(page.get_by_role("heading", name="Everyone foreign-born")).to_be_visible(
        timeout=60_000)

    # Ended, then a saved view opened in the app: its own filters, not the ones before.
    _follow(page, page.get_by_role("link", name="End the presentation"), "Views and stories")
    page.get_by_role("tab", name=re.compile("Saved views")).click()
    page.locator(f".st-key-saved_view_{second.id}").get_by_role("button", name="Open").click()
    expect(page.get_by_text("Foreign-born (people)", exact=False).first).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("Speak Korean at home", exact=False)).to_have_count(0)
