"""People sign in as themselves (issue #14), in Chromium, on an app of its own that has
accounts (the other browser tests share a single-user app)."""

from __future__ import annotations

import time
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


def _wait_until(condition, data: Path, timeout: float = 60.0):
    """Poll the app's database until ``condition(store)`` is true; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        store = Store(f"sqlite:///{data / 'assets.db'}")
        try:
            value = condition(store)
        finally:
            store.close()
        if value:
            return value
        assert time.monotonic() < deadline, f"not saved within {timeout:.0f} s"
        time.sleep(0.5)


def _wait_for_asset(data: Path, name: str) -> str:
    """The id of the asset called ``name`` once the app has saved it."""
    def found(store: Store):
        frame = store.assets_frame()
        ids = frame.loc[frame["name"] == name, "asset_id"].tolist()
        return str(ids[0]) if ids else None
    return _wait_until(found, data)


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
    page.get_by_label("Latitude").first.fill("38.56")
    page.get_by_label("Longitude").first.fill("-97.91")
    _rest(page)
    page.get_by_role("button", name="Add asset").click()
    # Saved? Asked of the database (a message on the page can be replaced by the next run
    # the small map causes on a busy machine; AppTest checks the messages).
    made = _wait_for_asset(data, "Casa de la Cultura Meadow")
    page.screenshot(path=str(SHOTS / "accounts-signed-in.png"), full_page=True)
    store = Store(f"sqlite:///{data / 'assets.db'}")
    try:
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
