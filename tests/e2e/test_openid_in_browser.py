"""Sign-in through the library's OpenID Connect provider (Google, Microsoft ...) with
Streamlit's st.login, mapped to the same accounts and roles by e-mail (issue #14 item 1).
The provider is a small fake on 127.0.0.1 (tests/e2e/fake_oidc.py), never the internet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mapping.people.accounts import Accounts
from mapping.records.store import Store
from tests.e2e.conftest import _free_port, running_app
from tests.e2e.fake_oidc import FakeProvider

expect = pytest.importorskip("playwright.sync_api").expect
pytest.importorskip("authlib")

SHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="module")
def openid_app(tmp_path_factory) -> Iterator[tuple[str, FakeProvider, Path]]:
    provider = FakeProvider().start()
    data = tmp_path_factory.mktemp("e2e-openid")
    store = Store(f"sqlite:///{data / 'assets.db'}")
    people = Accounts(store)
    people.create(email="ana@lib.org", name="Ana Ruiz", role="staff", password=None,
                  by="setup", branch="Meadow Branch")  # signs in only through the provider
    store.close()
    port = _free_port()
    secrets = data / "secrets.toml"
    secrets.write_text(provider.secrets_toml(port))
    log = tmp_path_factory.mktemp("e2e-openid-log") / "streamlit.log"
    try:
        with running_app(data, log, port=port, args=("--secrets.files", str(secrets))) as url:
            yield url, provider, data
    finally:
        provider.stop()


def _rest(page) -> None:
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
           ).to_have_count(1, timeout=120_000)


def test_the_providers_sign_in_maps_to_the_account_and_its_role(openid_app, page):
    url, provider, data = openid_app
    provider.email, provider.name = "Ana@Lib.org", "Ana R."
    page.goto(f"{url}/assets")
    expect(page.get_by_text("This is for library staff")).to_be_visible(timeout=60_000)
    _rest(page)
    page.get_by_role("button", name="Sign in with the library's account").click()
    expect(page.get_by_text("Signed in as Ana Ruiz (Staff, Meadow Branch)")
           ).to_be_visible(timeout=60_000)
    _rest(page)  # the provider sends the browser back to the app's first page
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Asset database").click()
    expect(page.get_by_role("heading", name="Asset database")).to_be_visible(timeout=60_000)
    page.get_by_test_id("stSidebar").screenshot(path=str(SHOTS / "openid-signed-in.png"))
    assert "/token" in provider.requests  # the code was exchanged for a signed id_token
    store = Store(f"sqlite:///{data / 'assets.db'}")
    try:
        log = Accounts(store).audit_log()
        assert log.iloc[0]["event"] == "signed in (OpenID)"
        assert log.iloc[0]["email"] == "ana@lib.org"
    finally:
        store.close()


def test_someone_without_an_account_is_told_so_and_stays_a_visitor(openid_app, browser):
    url, provider, _ = openid_app
    provider.email, provider.name = "stranger@example.org", "Stranger"
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{url}/assets")
        expect(page.get_by_text("This is for library staff")).to_be_visible(timeout=60_000)
        _rest(page)
        page.get_by_role("button", name="Sign in with the library's account").click()
        expect(page.get_by_text("No active account for stranger@example.org")
               ).to_be_visible(timeout=60_000)
        _rest(page)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Asset database").click()
        expect(page.get_by_text("This is for library staff")).to_be_visible(timeout=60_000)
    finally:
        context.close()
