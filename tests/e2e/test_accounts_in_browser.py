"""People sign in as themselves (issue #14), in Chromium, on an app of its own that has
accounts (the other browser tests share a single-user app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from mapping.people.accounts import Accounts
from mapping.records.store import Store
from tests.e2e.conftest import running_app

expect = pytest.importorskip("playwright.sync_api").expect

PASSWORD = "correct horse battery staple"
SHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="module")
def accounts_app(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("e2e-accounts")
    store = Store(f"sqlite:///{data / 'assets.db'}")
    people = Accounts(store, hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                   parallelism=1))
    people.create(email="ana@lib.org", name="Ana Ruiz", role="staff", password=PASSWORD,
                  by="setup", branch="Meadow Branch")
    people.create(email="admin@lib.org", name="Lee Admin", role="admin", password=PASSWORD,
                  by="setup")
    people.create(email="lead@lib.org", name="Lea Lead", role="branch_lead",
                  password=PASSWORD, by="setup", branch="Meadow Branch", hours_per_month=6)
    store.create_asset({"name": "Okonkwo Family Center", "category": "settlement",
                        "latitude": 38.55, "longitude": -97.9}, user="setup")
    for day, stage, minutes in (("2026-03-02", "inform", 60), ("2026-06-09", "consult", 90),
                                ("2026-10-20", "collaborate", 120)):
        store.log_outreach(date=day, technique="community event", staff="Ana Ruiz <ana@lib.org>",
                           summary="Met families at the fair", branch="Meadow Branch",
                           minutes=minutes, involvement=stage)
    store.close()
    log = tmp_path_factory.mktemp("e2e-accounts-log") / "streamlit.log"
    with running_app(data, log) as url:
        yield url, data


def _rest(page) -> None:
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
           ).to_have_count(1, timeout=120_000)


def _map_drawn(page) -> None:
    """The small place-picking map reports itself once drawn, which reruns the page: a
    click during that run is lost. Wait for the map, then for the run to end."""
    place = page.frame_locator("iframe[title='streamlit_folium.st_folium']").first
    expect(place.locator(".leaflet-container")).to_be_visible(timeout=60_000)
    _rest(page)


def _sign_in(page, email: str, password: str = PASSWORD) -> None:
    _rest(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_label("E-mail address").fill(email)
    sidebar.get_by_label("Password", exact=True).fill(password)
    sidebar.get_by_role("button", name="Sign in").click()


def test_staff_sign_in_edit_and_the_history_names_the_account(accounts_app, page):
    url, data = accounts_app
    page.goto(f"{url}/assets")
    expect(page.get_by_text("This is for library staff: sign in in the sidebar.")
           ).to_be_visible(timeout=60_000)
    _sign_in(page, "ana@lib.org", "a wrong password, typed")
    expect(page.get_by_text("do not match an account")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar").get_by_label("Password", exact=True)).to_have_value("")
    _sign_in(page, "ana@lib.org")
    expect(page.get_by_text("Signed in as Ana Ruiz (Staff, Meadow Branch)")
           ).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Asset database")).to_be_visible(timeout=60_000)
    expect(page.get_by_label("Your name and branch (saved with your changes)")).to_have_count(0)
    _rest(page)
    page.get_by_text("Add an asset").click()
    _map_drawn(page)
    page.get_by_label("Name", exact=True).first.fill("Casa de la Cultura Meadow")
    page.get_by_role("button", name="Add asset").click()  # not placed yet: refused
    expect(page.get_by_text("Not added: place it first.")).to_be_visible(timeout=30_000)
    page.get_by_label("Latitude").first.fill("38.56")
    page.get_by_label("Longitude").first.fill("-97.91")
    _rest(page)
    page.get_by_role("button", name="Add asset").click()
    expect(page.get_by_text("Added 'Casa de la Cultura Meadow'.")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(SHOTS / "accounts-signed-in.png"), full_page=True)
    store = Store(f"sqlite:///{data / 'assets.db'}")
    try:
        frame = store.assets_frame()
        [made] = frame.loc[frame["name"] == "Casa de la Cultura Meadow", "asset_id"]
        assert store.history(made)[0]["user"] == "Ana Ruiz <ana@lib.org>"
        events = Accounts(store).audit_log()["event"].tolist()
        assert events[:2] == ["signed in", "sign-in failed"]
    finally:
        store.close()
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("This is for library staff: sign in in the sidebar.")
           ).to_be_visible(timeout=30_000)


def test_the_administrator_sees_accounts_and_the_audit_log_and_no_hash(accounts_app, page):
    url, _ = accounts_app
    page.goto(f"{url}/admin")
    expect(page.get_by_text("This is for administrators")).to_be_visible(timeout=60_000)
    _sign_in(page, "admin@lib.org")
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible(timeout=60_000)
    _rest(page)
    page.get_by_text("Audit log: sign-ins, failures").click()
    _rest(page)
    expect(page.locator("[data-testid='stDataFrame'] canvas").nth(1)).to_be_visible(
        timeout=30_000)  # both tables drawn (accounts, audit log)
    page.screenshot(path=str(SHOTS / "accounts-admin.png"), full_page=True)
    html = page.content()
    assert "$argon2" not in html and PASSWORD not in html


def test_a_visitor_suggests_a_place_and_staff_approve_it(accounts_app, page):
    """Issue #14 item 6, as people would: the public form (no sign-in), then staff review."""
    url, data = accounts_app
    page.goto(f"{url}/suggest")
    expect(page.get_by_role("heading", name="Tell the library about a place")
           ).to_be_visible(timeout=60_000)
    _map_drawn(page)
    page.get_by_label("Name of the place").fill("Biblioteca Popular <b>Meadow</b>")
    page.get_by_label("Latitude").fill("38.57")
    page.get_by_label("Longitude").fill("-97.92")
    page.get_by_label("E-mail or phone, if you would like a reply (optional)"
                      ).fill("rosa@example.org")
    _rest(page)
    page.get_by_test_id("stMain").screenshot(path=str(SHOTS / "suggest-a-place.png"))
    page.get_by_role("button", name="Send to the library").click()
    expect(page.get_by_text("Thank you! Library staff will look at your suggestion")
           ).to_be_visible(timeout=30_000)
    page.goto(f"{url}/assets")
    _sign_in(page, "ana@lib.org")
    expect(page.get_by_role("heading", name="Asset database")).to_be_visible(timeout=60_000)
    _rest(page)
    page.get_by_text("Community suggestions (1 waiting)").click()
    expect(page.get_by_text("rosa@example.org")).to_be_visible(timeout=30_000)
    # The suggested name is text: its markup shows as typed and is not bold.
    expect(page.get_by_text("New place: Biblioteca Popular <b>Meadow</b>")).to_be_visible()
    assert page.locator("b", has_text="Meadow").count() == 0
    page.locator("details", has_text="Community suggestions").screenshot(
        path=str(SHOTS / "review-queue.png"))
    page.get_by_role("button", name="Approve: add to the map").click()
    expect(page.get_by_text("Added 'Biblioteca Popular <b>Meadow</b>'")
           ).to_be_visible(timeout=30_000)
    store = Store(f"sqlite:///{data / 'assets.db'}")
    try:
        frame = store.assets_frame()
        assert (frame["name"] == "Biblioteca Popular <b>Meadow</b>").sum() == 1
    finally:
        store.close()


def test_a_branch_lead_sees_the_branchs_capacity(accounts_app, page):
    url, _ = accounts_app
    page.goto(f"{url}/staff")
    _sign_in(page, "lead@lib.org")
    expect(page.get_by_role("heading", name="Staff capacity")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("From outreach toward community-led work")).to_be_visible()
    _rest(page)
    expect(page.locator("[data-testid='stVegaLiteChart'], [data-testid='stArrowVegaLiteChart']"
                        ).first).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stDataFrame'] canvas").nth(2)).to_be_visible(
        timeout=30_000)
    page.get_by_test_id("stMain").screenshot(path=str(SHOTS / "staff-capacity.png"))
