"""Accounts, roles, sign-in protection and the audit log (issue #14), on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters

from mapping.infra.errors import DataError
from mapping.people.accounts import Accounts, SignInRefused, may_edit_asset
from mapping.records.store import Store

PASSWORD = "correct horse battery staple"

#: (role, action, allowed?) as the issue describes the roles, written out by hand.
TABLE = [
    ("visitor", "see_public", True), ("visitor", "suggest_asset", False),
    ("visitor", "see_staff_only", False), ("visitor", "see_contacts", False),
    ("visitor", "edit_assets", False), ("visitor", "manage_accounts", False),
    ("contributor", "see_public", True), ("contributor", "suggest_asset", True),
    ("contributor", "see_staff_only", False), ("contributor", "see_contacts", False),
    ("contributor", "edit_assets", False), ("contributor", "review_suggestions", False),
    ("contributor", "manage_datasets", False), ("contributor", "log_outreach", True),
    ("visitor", "log_outreach", False),
    ("staff", "see_staff_only", True), ("staff", "see_contacts", True),
    ("staff", "edit_assets", True), ("staff", "review_suggestions", True),
    ("staff", "log_outreach", True), ("staff", "manage_branch_staff", False),
    ("staff", "manage_accounts", False), ("staff", "read_audit_log", False),
    ("staff", "manage_datasets", False),
    ("branch_lead", "edit_assets", True), ("branch_lead", "manage_branch_staff", True),
    ("branch_lead", "manage_accounts", False), ("branch_lead", "read_audit_log", False),
    ("admin", "manage_accounts", True), ("admin", "read_audit_log", True),
    ("admin", "manage_datasets", True), ("admin", "see_contacts", True),
    ("admin", "manage_branch_staff", True),
]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock():
    return Clock()


#: Argon2id as the app uses it, with the cost lowered so the tests stay quick (the app's
#: own parameters are checked once, in test_the_app_hashes_with_argon2id_at_owasp_cost).
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def people(store, clock):
    return Accounts(store, clock=clock, hasher=FAST)


@pytest.fixture
def by_role(people):
    made = {}
    for role in ("visitor", "contributor", "staff", "branch_lead", "admin"):
        made[role] = people.create(email=f"{role}@lib.org", name=role.title(), role=role,
                                   password=PASSWORD, by="setup", branch="Rogers Park")
    return made


def test_each_role_may_do_what_the_table_says(people, by_role):
    wrong = []
    for role, action, allowed in TABLE:
        signed_in = people.sign_in(f"{role}@lib.org", PASSWORD)
        assert signed_in.role == role
        if signed_in.may(action) is not allowed:
            wrong.append((role, action, allowed))
    assert wrong == []


def test_the_app_hashes_with_argon2id_at_owasp_cost(store):
    """The default hasher: Argon2id, at least OWASP's 19 MiB, 2 passes (argon2-cffi's
    defaults are 64 MiB, 3 passes)."""
    person = Accounts(store).create(email="ana@lib.org", name="Ana", role="staff",
                                    password=PASSWORD, by="setup")
    with store.reading() as conn:
        digest = conn.exec_driver_sql("SELECT password_hash FROM accounts").scalar_one()
    params = extract_parameters(digest)
    assert digest.startswith("$argon2id$") and person.role == "staff"
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2


def test_edits_can_be_kept_to_ones_own_branch(people, by_role):
    staff = people.sign_in("staff@lib.org", PASSWORD)
    admin = people.sign_in("admin@lib.org", PASSWORD)
    contributor = people.sign_in("contributor@lib.org", PASSWORD)
    assert may_edit_asset(staff, "Rogers Park", own_branch_only=True)
    assert may_edit_asset(staff, "", own_branch_only=True)  # no branch: anyone's to keep
    assert not may_edit_asset(staff, "Austin", own_branch_only=True)
    assert may_edit_asset(staff, "Austin", own_branch_only=False)
    assert may_edit_asset(admin, "Austin", own_branch_only=True)
    assert not may_edit_asset(contributor, "Rogers Park", own_branch_only=False)


def test_wrong_passwords_slow_down_then_lock_the_account(people, by_role, clock):
    for _ in range(2):
        with pytest.raises(SignInRefused, match="do not match"):
            people.sign_in("staff@lib.org", "wrong password!!")
    with pytest.raises(SignInRefused, match="do not match"):
        people.sign_in("staff@lib.org", "wrong password!!")  # the third: now it slows down
    with pytest.raises(SignInRefused, match="wait 2 seconds"):
        people.sign_in("staff@lib.org", PASSWORD)  # even the right one, too soon
    clock.tick(seconds=3)
    with pytest.raises(SignInRefused, match="do not match"):
        people.sign_in("staff@lib.org", "wrong password!!")  # fourth
    clock.tick(seconds=2)
    with pytest.raises(SignInRefused, match="wait 2 seconds"):
        people.sign_in("staff@lib.org", PASSWORD)  # after the fourth: 4 s
    clock.tick(seconds=3)
    with pytest.raises(SignInRefused, match="locked"):
        people.sign_in("staff@lib.org", "wrong password!!")  # fifth: locked 15 minutes
    clock.tick(minutes=14)
    with pytest.raises(SignInRefused, match="try again in 1 minute"):
        people.sign_in("staff@lib.org", PASSWORD)  # the right password, while locked
    clock.tick(minutes=1, seconds=1)
    assert people.sign_in("staff@lib.org", PASSWORD).role == "staff"
    events = people.audit_log()["event"].tolist()[::-1]
    assert events.count("sign-in failed") == 5 and "locked" in events
    assert events[-1] == "signed in" and "refused: too fast" in events


def test_the_lock_is_kept_in_the_database_for_every_process(store_url, people, by_role, clock):
    for _ in range(5):
        clock.tick(minutes=1)
        with pytest.raises(SignInRefused):
            people.sign_in("staff@lib.org", "wrong password!!")
    other = Store(store_url)  # another app process (or replica) on the same database
    try:
        with pytest.raises(SignInRefused, match="locked"):
            Accounts(other, clock=clock).sign_in("staff@lib.org", PASSWORD)
    finally:
        other.close()


def test_an_unknown_address_gets_the_same_answer_and_is_slowed_too(people, by_role):
    with pytest.raises(SignInRefused) as unknown:
        people.sign_in("nobody@lib.org", PASSWORD)
    with pytest.raises(SignInRefused) as wrong:
        people.sign_in("staff@lib.org", "wrong password!!")
    assert str(unknown.value) == str(wrong.value)
    for _ in range(4):
        with pytest.raises(SignInRefused):
            people.sign_in("nobody@lib.org", PASSWORD)
    with pytest.raises(SignInRefused, match="locked"):
        people.sign_in("nobody@lib.org", PASSWORD)


def test_a_new_password_role_or_disabling_ends_open_sessions(people, by_role):
    session = people.sign_in("staff@lib.org", PASSWORD)
    assert people.current(session.id, session.session_version) == session
    people.update(session.id, role="contributor", by="admin@lib.org")
    assert people.current(session.id, session.session_version) is None
    again = people.sign_in("staff@lib.org", PASSWORD)
    assert again.role == "contributor"
    people.set_password(again.id, "a brand new long password", by="admin@lib.org")
    assert people.current(again.id, again.session_version) is None
    with pytest.raises(SignInRefused):
        people.sign_in("staff@lib.org", PASSWORD)
    third = people.sign_in("staff@lib.org", "a brand new long password")
    people.update(third.id, active=False, by="admin@lib.org")
    assert people.current(third.id, third.session_version) is None
    with pytest.raises(SignInRefused, match="do not match"):
        people.sign_in("staff@lib.org", "a brand new long password")


def test_the_last_administrator_cannot_be_demoted_or_disabled(people, by_role):
    admin = by_role["admin"]
    with pytest.raises(DataError, match="only active administrator"):
        people.update(admin.id, role="staff", by="admin@lib.org")
    with pytest.raises(DataError, match="only active administrator"):
        people.update(admin.id, active=False, by="admin@lib.org")
    people.update(by_role["branch_lead"].id, role="admin", by="admin@lib.org")
    people.update(admin.id, role="staff", by="admin@lib.org")  # now there is another


@pytest.mark.parametrize("fields, message", [
    ({"email": "not an address"}, "not an e-mail address"),
    ({"password": "short"}, "at least 12 characters"),
    ({"password": "ana@lib.org"}, "at least 12"),
    ({"password": "ana.ruiz.lib@lib.org", "email": "ana.ruiz.lib@lib.org"}, "e-mail address or name"),
    ({"role": "owner"}, "unknown role 'owner'"),
    ({"name": ""}, "give the person's name"),
    ({"languages": ["Dothraki"]}, "Dothraki"),
    ({"email": "staff@lib.org"}, "already an account"),
])
def test_bad_account_details_are_refused_with_what_to_fix(people, by_role, fields, message):
    before = people.count()
    values = {"email": "ana@lib.org", "name": "Ana", "role": "staff", "password": PASSWORD,
              "by": "admin@lib.org", **fields}
    with pytest.raises(DataError, match=message):
        people.create(**values)
    assert people.count() == before


def test_no_password_or_hash_reaches_a_frame_a_log_or_the_audit_log(people, by_role, caplog,
                                                                    store):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SignInRefused):
        people.sign_in("staff@lib.org", "my secret guess 123")
    people.sign_in("staff@lib.org", PASSWORD)
    with store.reading() as conn:
        hashes = [r[0] for r in conn.exec_driver_sql("SELECT password_hash FROM accounts")]
    assert all(h.startswith("$argon2id$") for h in hashes)
    shown = " ".join([people.frame().to_csv(), people.audit_log().to_csv(), caplog.text,
                      repr(by_role), str(by_role["staff"])])
    for secret in [PASSWORD, "my secret guess 123", *hashes, "argon2"]:
        assert secret not in shown


def test_the_first_administrator_is_made_from_the_command_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NAM_DATA_DIR": str(tmp_path / "data"), "NAM_DATABASE_URL": "",
           "NAM_ADMIN_PASSWORD": PASSWORD}
    command = [sys.executable, "-m", "mapping.people", "create-admin",
               "--email", "Ana@Lib.org", "--name", "Ana Ruiz"]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Created the administrator Ana Ruiz <ana@lib.org>" in done.stdout
    again = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 1 and "already an account for ana@lib.org" in again.stderr
    store = Store(f"sqlite:///{tmp_path / 'data' / 'assets.db'}")
    try:
        assert Accounts(store).sign_in("ana@lib.org", PASSWORD).role == "admin"
    finally:
        store.close()
    assert PASSWORD not in done.stdout + done.stderr
