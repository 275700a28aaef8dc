"""Accounts through the pages (issue #14): visitor, contributor, staff and administrator."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from mapping.people.accounts import Accounts
from mapping.records.store import Store

TIMEOUT = 60
APP = Path(__file__).resolve().parents[2] / "app.py"
PASSWORD = "correct horse battery staple"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("NAM_DATA_DIR", str(folder))
    monkeypatch.setenv("NAM_TILES", "none")
    return folder


@pytest.fixture
def people(data_dir):
    """Four people, one per role, in the app's own database."""
    store = Store(f"sqlite:///{data_dir / 'assets.db'}")
    accounts = Accounts(store, hasher=FAST)
    for role in ("contributor", "staff", "admin"):
        accounts.create(email=f"{role}@lib.org", name=f"{role.title()} Person", role=role,
                        password=PASSWORD, by="setup", branch="Rogers Park")
    store.create_asset({"name": "Staff Room 7", "category": "community", "visibility": "staff",
                        "latitude": 38.55, "longitude": -97.9}, user="setup")  # Demo County
    yield accounts
    store.close()


def _open(page: str = "pages/assets.py") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _sign_in(at: AppTest, email: str, password: str = PASSWORD) -> AppTest:
    at.sidebar.text_input(key="sign_in_email").input(email)
    at.sidebar.text_input(key="sign_in_password").input(password)
    at.sidebar.button[[b.label for b in at.sidebar.button].index("Sign in")].click().run()
    assert not at.exception, at.exception
    return at


def _who(at: AppTest) -> str:
    """The sidebar's captions as read (without Markdown's escapes)."""
    return " ".join(c.value for c in at.sidebar.caption).replace("\\", "")


def _text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "error", "warning",
                                  "success", "title", "subheader")
             for e in getattr(at, kind)]
    parts += [str(df.value.to_csv()) for df in at.dataframe]
    return " ".join(str(p) for p in parts)


def test_without_accounts_the_first_administrator_is_made_on_the_admin_page(data_dir):
    at = _open("pages/admin.py")
    assert "No accounts yet" in _text(at)
    at.text_input(key="first_email").input("ana@lib.org")
    at.text_input(key="first_name").input("Ana Ruiz")
    at.text_input(key="first_password").input(PASSWORD)
    at.text_input(key="first_again").input(PASSWORD)
    at.button[[b.label for b in at.button].index("Create the administrator")].click().run()
    assert not at.exception, at.exception
    text = _text(at)
    assert "you are signed in" in text and "ana@lib.org" in text
    assert "Signed in as Ana Ruiz (Administrator)" in _who(at)


def test_a_visitor_sees_no_staff_page_and_no_staff_only_site(people):
    at = _open("pages/assets.py")
    assert any("for library staff: sign in" in i.value for i in at.info)
    at.switch_page("pages/admin.py").run()
    assert any("for administrators" in i.value for i in at.info)
    assert "Staff Room 7" not in _text(at)
    at.switch_page("pages/map.py").run()  # the staff-only site is left off the map
    assert "320 of 320 assets shown" in " ".join(c.value for c in at.main.caption)
    _sign_in(at, "staff@lib.org")
    assert "321 of 321 assets shown" in " ".join(c.value for c in at.main.caption)


@pytest.mark.parametrize("role, assets_page, admin_page", [
    ("contributor", False, False),
    ("staff", True, False),
    ("admin", True, True),
])
def test_each_role_reaches_the_pages_it_may(people, role, assets_page, admin_page):
    at = _sign_in(_open("pages/assets.py"), f"{role}@lib.org")
    assert f"Signed in as {role.title()} Person" in _who(at)
    assert (at.title[0].value == "Asset database"
            and not any("for library staff" in i.value for i in at.info)) is assets_page
    if assets_page:  # the staff-only site is listed (searched: the list has pages)
        at.text_input(key="asset_search").input("Staff Room 7").run()
        assert at.dataframe(key="asset_table").value["Name"].tolist() == ["Staff Room 7"]
    else:
        assert "Staff Room 7" not in _text(at)
    at.switch_page("pages/admin.py").run()
    assert any("for administrators" in i.value for i in at.info) is not admin_page


def test_an_edit_is_recorded_under_the_signed_in_account(people):
    at = _sign_in(_open("pages/assets.py"), "staff@lib.org")
    assert "user_name" not in [t.key for t in at.text_input]  # no name to type any more
    at.text_input(key="add_name").input("Centro Sin Fronteras")
    at.number_input(key="add_lat").set_value(38.55)
    at.number_input(key="add_lon").set_value(-97.9)
    at.button[[b.label for b in at.button].index("Add asset")].click().run()
    assert not at.exception, at.exception
    frame = people.store.assets_frame()
    [made] = frame[frame["name"] == "Centro Sin Fronteras"]["asset_id"]
    assert people.store.history(made)[0]["user"] == "Staff Person <staff@lib.org>"


def test_an_administrator_adds_an_account_and_the_audit_log_shows_it(people):
    at = _sign_in(_open("pages/admin.py"), "admin@lib.org")
    at.text_input(key="new_email").input("bo@lib.org")
    at.text_input(key="new_name").input("Bo Chen")
    at.selectbox(key="new_role").set_value("branch_lead")
    at.text_input(key="new_password").input("another long password")
    at.button[[b.label for b in at.button].index("Add account")].click().run()
    assert not at.exception, at.exception
    text = _text(at)
    assert "Added Bo Chen as Branch lead" in text
    log = people.audit_log()
    made = log[log["event"] == "account created"].iloc[0]
    assert made["email"] == "bo@lib.org" and made["by"] == "Admin Person <admin@lib.org>"
    assert "another long password" not in text and "$argon2" not in text


def test_a_wrong_password_is_refused_and_nothing_secret_reaches_the_page(people):
    at = _sign_in(_open("pages/assets.py"), "staff@lib.org", "not my password at all")
    assert any("do not match an account" in e.value for e in at.sidebar.error)
    assert any("for library staff" in i.value for i in at.info)
    assert "not my password at all" not in _text(at)
    assert at.sidebar.text_input(key="sign_in_password").value == ""


def test_an_idle_session_expires(people, monkeypatch):
    at = _sign_in(_open("pages/assets.py"), "staff@lib.org")
    assert at.title[0].value == "Asset database"
    held = at.session_state["_account"]
    at.session_state["_account"] = {**held, "seen": time.time() - 61 * 60}  # 61 minutes ago
    at.run()
    assert any("session ended after 60 minutes without use" in w.value for w in at.sidebar.warning)
    assert any("for library staff" in i.value for i in at.info)
    assert people.audit_log()["event"].iloc[0] == "signed out"


def test_a_library_can_keep_edits_to_each_branchs_own_assets(people, monkeypatch):
    monkeypatch.setenv("NAM_EDIT_OWN_BRANCH_ONLY", "true")
    store = people.store
    store.create_asset({"name": "Austin Mosque", "category": "faith", "branch": "Austin",
                        "latitude": 41.89, "longitude": -87.76}, user="setup")
    store.create_asset({"name": "Rogers Park Clinic", "category": "health",
                        "branch": "Rogers Park", "latitude": 42.0, "longitude": -87.67},
                       user="setup")
    for who, name, editable in (("staff", "Austin Mosque", False),
                                ("staff", "Rogers Park Clinic", True),
                                ("admin", "Austin Mosque", True)):
        at = _sign_in(_open("pages/assets.py"), f"{who}@lib.org")
        at.text_input(key="asset_search").input(name).run()
        at.session_state["asset_table"] = {"selection": {"rows": [0], "columns": []}}
        at.run()
        assert not at.exception, at.exception
        assert at.subheader[0].value == name
        buttons = [b.label for b in at.button]
        assert ("Delete this asset" in buttons) is editable, (who, name)
        assert any("keeps edits to each branch" in i.value for i in at.info) is not editable


def test_a_visitors_suggestion_is_approved_by_staff_and_reaches_the_map(people):
    """Issue #14 item 6: the public form lands in the review queue; staff approve it; the
    place is on the map, and the suggester's contact is not (on the map or the page)."""
    at = _open("pages/suggest.py")
    at.text_input(key="sg_name").input("Círculo de Costura")
    at.selectbox(key="sg_cat").set_value("community")
    at.text_input(key="sg_langs").input("Spanish")
    at.number_input(key="sg_lat").set_value(38.56)
    at.number_input(key="sg_lon").set_value(-97.91)
    at.text_input(key="sg_contact").input("rosa@example.org")
    at.button[[b.label for b in at.button].index("Send to the library")].click().run()
    assert not at.exception, at.exception
    assert any("Thank you" in s.value for s in at.success)
    assert at.text_input(key="sg_name").value == ""  # the form is empty again
    _sign_in(at, "staff@lib.org")
    at.switch_page("pages/assets.py").run()
    assert "Community suggestions (1 waiting)" in [e.label for e in at.expander]
    assert "rosa@example.org" in _text(at)  # staff see the contact, to reply
    at.button[[b.label for b in at.button].index("Approve: add to the map")].click().run()
    assert not at.exception, at.exception
    assert any("Added 'Círculo de Costura'" in s.value for s in at.success)
    at.switch_page("pages/map.py").run()
    assert "322 of 322 assets shown" in " ".join(c.value for c in at.main.caption)
    assert "rosa@example.org" not in _text(at)
    frame = people.store.assets_frame()
    [made] = frame.loc[frame["name"] == "Círculo de Costura"].to_dict("records")
    assert made["languages"] == ("es",) and made["source"] == "community suggestion"
    assert people.store.history(made["asset_id"])[0]["user"] == "Staff Person <staff@lib.org>"


def test_a_suggestion_not_put_on_the_map_is_not_sent(people):
    at = _open("pages/suggest.py")
    at.text_input(key="sg_name").input("Somewhere")
    at.button[[b.label for b in at.button].index("Send to the library")].click().run()
    assert any("click the place on the map above first" in e.value for e in at.error)
    from mapping.people.suggestions import Suggestions
    assert Suggestions(people.store).count_open() == 0


def test_something_wrong_here_reaches_staff_who_mark_it_fixed(people):
    store = people.store
    place = store.create_asset({"name": "Aaron Kestrel Clinic", "category": "health",
                                "latitude": 38.55, "longitude": -97.9}, user="setup")
    at = _open("pages/suggest.py")
    at.radio(key="suggest_kind").set_value("Something is wrong with a place on the map").run()
    at.selectbox(key="sg_asset").set_value(place["asset_id"])
    at.text_area(key="sg_what").input("Closed since October")
    at.button[[b.label for b in at.button].index("Send to the library")].click().run()
    assert any("Library staff will check it" in s.value for s in at.success)
    _sign_in(at, "staff@lib.org")
    at.switch_page("pages/assets.py").run()
    assert "Something is wrong with Aaron Kestrel Clinic" in _text(at).replace("\\", "")
    at.button[[b.label for b in at.button].index("Fixed: the asset is corrected")].click().run()
    assert any("Marked fixed" in s.value for s in at.success)
    assert "Community suggestions (0 waiting)" in [e.label for e in at.expander]


def test_a_branch_lead_sees_the_branchs_workload_and_records_a_training(people):
    """Issue #14, done when: a branch lead sees the branch's workload and missing trainings."""
    lead = people.create(email="lead@lib.org", name="Lea Lead", role="branch_lead",
                         password=PASSWORD, by="setup", branch="Rogers Park", hours_per_month=6)
    people.create(email="far@lib.org", name="Far Away", role="staff", password=PASSWORD,
                  by="setup", branch="Austin")
    people.store.log_outreach(date=time.strftime("%Y-%m-%d"), technique="walkabout",
                              staff="Staff Person <staff@lib.org>", summary="Market walk",
                              branch="Rogers Park", minutes=120, involvement="consult")
    at = _open("pages/staff.py")
    assert any("for library staff" in i.value for i in at.info)  # a visitor
    _sign_in(at, "lead@lib.org")
    assert at.multiselect(key="staff_branches").value == ["Rogers Park"]  # their own
    [branch, person, directory] = at.dataframe[:3]
    assert branch.value["Branch"].tolist() == ["Rogers Park"]
    persons = person.value.set_index("Name")
    assert "Far Away" not in persons.index
    assert persons.loc["Staff Person", "Hours logged"] == 2.0
    assert persons.loc["Lea Lead", "Trainings missing"] == 4
    assert directory.value.set_index("Name").loc["Staff Person", "Missing"].startswith(
        "asset-mapping orientation")
    at.selectbox(key="tr_who").set_value(lead.id)
    at.selectbox(key="tr_what").set_value("listening skills")
    at.button[[b.label for b in at.button].index("Record training")].click().run()
    assert not at.exception, at.exception
    assert any("Recorded: Lea Lead, listening skills" in s.value.replace("\\", "")
               for s in at.success)
    persons = at.dataframe[1].value.set_index("Name")
    assert persons.loc["Lea Lead", "Trainings missing"] == 3
    assert at.selectbox(key="tr_who").options == [  # their own branch only
        "Admin Person", "Contributor Person", "Lea Lead", "Staff Person"]


def test_service_gaps_say_whether_the_nearest_branch_speaks_the_language(people):
    """Issue #14 item 5: staff of a branch who speak the language in need are named on
    Service gaps (Demo County's branches record themselves as 'Harvest Branch' ...)."""
    people.create(email="maria@lib.org", name="Maria", role="staff", password=PASSWORD,
                  by="setup", branch="Harvest Branch", languages=["Spanish"])
    at = _sign_in(_open("pages/gaps.py"), "staff@lib.org")
    at.sidebar.multiselect(key="f_languages").set_value(["spanish"]).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert {"nearest branch", "its staff speak it"} <= set(table.columns)
    said = dict(zip(table["nearest branch"], table["its staff speak it"], strict=True))
    assert said["Demo County Library - Harvest Branch"] == "yes" and "no" in said.values()
    for branch, answer in said.items():
        assert (answer == "yes") is (branch == "Demo County Library - Harvest Branch"), branch


def test_done_when_an_administrator_makes_two_branches_and_three_accounts(data_dir):
    """Issue #14, done when (first part), on a fresh copy: the first administrator creates
    two branches and three accounts with different roles in those branches."""
    at = _open("pages/admin.py")
    for key, value in (("first_email", "lee@lib.org"), ("first_name", "Lee Admin"),
                       ("first_password", PASSWORD), ("first_again", PASSWORD)):
        at.text_input(key=key).input(value)
    at.button[[b.label for b in at.button].index("Create the administrator")].click().run()
    at.switch_page("pages/branches.py").run()
    before = len(at.dataframe[-1].value)
    for name, lat, lon in (("Riverbend", 38.52, -97.95), ("Oak Hollow", 38.6, -97.85)):
        at.text_input(key="br_name").input(name)
        at.text_input(key="br_hours").input("Mon-Sat 10-6")
        at.number_input(key="br_lat").set_value(lat)
        at.number_input(key="br_lon").set_value(lon)
        at.button[[b.label for b in at.button].index("Add branch")].click().run()
        assert not at.exception, at.exception
        assert any(f"Added the branch {name}" in s.value for s in at.success)
    records = at.dataframe[-1].value
    assert len(records) == before + 2
    assert {"Riverbend", "Oak Hollow"} <= set(records["Branch"])
    at.switch_page("pages/admin.py").run()
    assert {"Riverbend", "Oak Hollow"} <= set(at.selectbox(key="new_branch").options)
    for email, name, role, branch in (("cy@lib.org", "Cy", "contributor", ""),
                                      ("di@lib.org", "Di", "staff", "Riverbend"),
                                      ("ed@lib.org", "Ed", "branch_lead", "Oak Hollow")):
        at.text_input(key="new_email").input(email)
        at.text_input(key="new_name").input(name)
        at.selectbox(key="new_role").set_value(role)
        at.selectbox(key="new_branch").set_value(branch)
        at.text_input(key="new_password").input(PASSWORD)
        at.button[[b.label for b in at.button].index("Add account")].click().run()
        assert not at.exception, at.exception
    shown = at.dataframe[0].value.set_index("E-mail")
    assert shown.loc[["cy@lib.org", "di@lib.org", "ed@lib.org"], "Role"].tolist() == [
        "Contributor", "Staff", "Branch lead"]
    at.switch_page("pages/branches.py").run()
    records = at.dataframe[-1].value.set_index("Branch")
    assert records.loc["Riverbend", "Staff"] == 1 and records.loc["Oak Hollow", "Staff"] == 1
    assert records.loc["Riverbend", "Hours"] == "Mon-Sat 10-6"


def test_a_contributor_logs_outreach_that_staff_review(people):
    """Issue #14 item 2: a contributor logs outreach (staff-only places are not offered,
    the library's whole log is not shown); staff accept it and then it counts."""
    at = _sign_in(_open("pages/outreach.py"), "contributor@lib.org")
    assert not any("for library staff" in i.value for i in at.info)
    [picker] = [s for s in at.selectbox if s.label == "Asset"]
    assert "Staff Room 7" not in picker.options and len(picker.options) > 300
    at.text_area(key="log_summary").input("Met the youth group at the park")
    at.number_input(key="log_minutes").set_value(45)
    at.button[[b.label for b in at.button].index("Log contact")].click().run()
    assert not at.exception, at.exception
    mine = at.dataframe[0].value
    assert mine["summary"].tolist() == ["Met the youth group at the park"]
    assert mine["review"].tolist() == ["pending"] and "Action plan" not in _text(at)
    staff = _sign_in(_open("pages/outreach.py"), "staff@lib.org")
    assert "From contributors, to review (1)" in [e.label for e in staff.expander]
    staff.button[[b.label for b in staff.button].index("Accept")].click().run()
    assert not staff.exception, staff.exception
    log = people.store.outreach_log()
    assert log[["review", "reviewed_by"]].iloc[0].tolist() == ["accepted",
                                                                "Staff Person <staff@lib.org>"]
    assert log["staff"].iloc[0] == "Contributor Person <contributor@lib.org>"
