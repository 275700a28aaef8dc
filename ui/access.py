"""Who is using the app, and what they may do.

With accounts in the database, each person signs in as themselves (e-mail and password,
see :mod:`mapping.people.accounts`); whoever has not is a visitor. Without any account,
the copy runs as before accounts: everyone is an administrator on a librarian's own
computer, or, when a shared staff passcode is set, whoever typed it.
"""

from __future__ import annotations

import hmac
import time

import streamlit as st

from mapping.infra.attempts import AttemptLimiter
from mapping.people.accounts import (
    ROLE_LABELS,
    Account,
    Accounts,
    SignInRefused,
    may,
    may_edit_asset,
)
from mapping.present.escape import markdown_text as md
from ui import context

_SESSION = "_account"  # {"id", "version", "since", "seen"} of the signed-in account


@st.cache_resource(show_spinner=False)
def _accounts(url: str) -> Accounts:
    return Accounts(context.store())


def accounts() -> Accounts:
    """The accounts of the shared asset database."""
    return _accounts(context.settings().store_url)


def with_accounts() -> bool:
    """True once the database has an account: people sign in as themselves."""
    return accounts().exist()


def account() -> Account | None:
    """The signed-in account, or ``None``. A session that has expired (idle, or too old),
    or whose account was disabled or changed, ends here, with a message."""
    held = st.session_state.get(_SESSION)
    if not held:
        return _from_provider()
    settings = context.settings()
    now = time.time()
    reason = ""
    if now - held["seen"] > settings.session_idle_minutes * 60:
        reason = f"after {settings.session_idle_minutes} minutes without use"
    elif now - held["since"] > settings.session_max_hours * 3600:
        reason = f"after {settings.session_max_hours} hours"
    found = None if reason else accounts().current(held["id"], held["version"])
    if found is None:
        st.session_state.pop(_SESSION, None)
        if held.get("via") == "openid":
            st.logout()  # the provider's sign-in ends too: the next one is asked for again
        if not reason:
            reason = "because the account changed"
        st.session_state["_signed_out"] = f"Your session ended {reason}: sign in again."
        stale = accounts().get(held["id"])
        if stale is not None:
            accounts().signed_out(stale, reason=f"session ended {reason}")
        return None
    held["seen"] = now
    return found


def start_session(person: Account, *, via: str = "password") -> None:
    """This browser session acts as ``person`` from now on (until sign-out or expiry)."""
    now = time.time()
    st.session_state[_SESSION] = {"id": person.id, "version": person.session_version,
                                  "since": now, "seen": now, "via": via}


def _from_provider() -> Account | None:
    """Someone the library's OpenID provider signed in (``st.login``): the active account
    with their e-mail address, once per browser session (audited either way)."""
    if not context.openid_configured() or not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "")
    if st.session_state.get("_openid_checked") == email:
        return None  # already refused in this session
    st.session_state["_openid_checked"] = email
    person = accounts().signed_in_by_provider(email)
    if person is None:
        st.session_state["_signed_out"] = (f"No active account for {email}: ask an "
                                           "administrator to add one.")
        return None
    start_session(person, via="openid")
    return person


def role() -> str:
    """The role this session acts with (see :data:`mapping.people.accounts.ROLES`)."""
    if with_accounts():
        signed_in = account()
        return signed_in.role if signed_in else "visitor"
    passcode = context.settings().staff_passcode
    return "admin" if passcode is None or st.session_state.get("_staff") else "visitor"


def allowed(action: str) -> bool:
    """True when this session may do ``action``."""
    return may(role(), action)


def is_staff() -> bool:
    """True when this session may see staff-only sites and exact sensitive points."""
    return allowed("see_staff_only")


def may_edit(asset_branch: str) -> bool:
    """True when this session may edit an asset of ``asset_branch`` (with
    ``NAM_EDIT_OWN_BRANCH_ONLY``, staff edit their own branch's assets only)."""
    if not with_accounts():
        return allowed("edit_assets")
    signed_in = account()
    return signed_in is not None and may_edit_asset(
        signed_in, asset_branch, own_branch_only=context.settings().own_branch_only)


def owner_choices() -> list[str]:
    """Who may own an action step: the people with accounts who do community work (by
    the label the history uses); empty without accounts (the owner is typed)."""
    if not with_accounts():
        return []
    people = accounts().frame()
    people = people[people["active"] & (people["role"] != "visitor")]
    return [f"{n} <{e}>" for n, e in zip(people["name"], people["email"], strict=True)]


def require(action: str, who: str = "library staff") -> None:
    """Stop the page for a session that may not do ``action``, saying how to get in."""
    if not allowed(action):
        how = ("sign in in the sidebar" if with_accounts() or context.settings().staff_passcode
               else "ask an administrator")
        st.info(f"This is for {who}: {how}.")
        st.stop()


def require_staff() -> None:
    """Stop a staff page for the public."""
    require("edit_assets")


def editor() -> str:
    """Who a change is recorded under: the signed-in account; without accounts, the name
    the person types (as before accounts existed)."""
    if with_accounts():
        signed_in = account()
        return signed_in.label if signed_in else ""
    return st.text_input("Your name and branch (saved with your changes)", key="user_name",
                         placeholder="e.g. Ana, Rogers Park branch").strip()


def sign_in_box() -> None:
    """The sidebar's sign-in (accounts), or the shared passcode field (no accounts)."""
    if not with_accounts():
        _passcode_box()
        return
    signed_in = account()  # first: it says when a session has just ended
    if gone := st.session_state.pop("_signed_out", None):
        st.sidebar.warning(gone)
    _account_box(signed_in)


def _account_box(signed_in: Account | None) -> None:
    if signed_in is not None:
        st.sidebar.caption(md(f"Signed in as {signed_in.name} ({ROLE_LABELS[signed_in.role]}"
                              + (f", {signed_in.branch}" if signed_in.branch else "") + ")"))
        if st.sidebar.button("Sign out", key="sign_out"):
            accounts().signed_out(signed_in)
            via = st.session_state.pop(_SESSION, {}).get("via")
            if via == "openid":
                st.logout()
            st.rerun()
        return
    if context.openid_configured():
        if st.sidebar.button("Sign in with the library's account", key="sign_in_openid",
                             type="primary"):
            st.session_state.pop("_openid_checked", None)
            st.login()
        if st.user.is_logged_in and st.sidebar.button("Use another account", key="openid_out"):
            st.logout()
    with st.sidebar.form("sign_in", border=False):
        st.markdown("**Staff and partners: sign in**")
        st.text_input("E-mail address", key="sign_in_email", autocomplete="username")
        st.text_input("Password", type="password", key="sign_in_password",
                      autocomplete="current-password")
        st.form_submit_button("Sign in", on_click=_sign_in)
    if refused := st.session_state.pop("_sign_in_refused", None):
        st.sidebar.error(refused)


def _sign_in() -> None:
    """Callback: try the typed pair, then forget the password whatever the outcome."""
    email = st.session_state.get("sign_in_email", "")
    password = st.session_state.get("sign_in_password", "")
    st.session_state["sign_in_password"] = ""
    if not email or not password:
        st.session_state["_sign_in_refused"] = "Type your e-mail address and password."
        return
    try:
        person = accounts().sign_in(email, password)
    except SignInRefused as exc:
        st.session_state["_sign_in_refused"] = str(exc)
        return
    start_session(person)


def _passcode_box() -> None:
    passcode = context.settings().staff_passcode
    if passcode is None:
        return
    if st.session_state.get("_staff"):
        if st.sidebar.button("Sign out (staff)"):
            st.session_state["_staff"] = False
            st.rerun()
        return
    st.sidebar.text_input("Staff passcode", type="password", key="staff_passcode_typed",
                          on_change=_check, args=(passcode,))
    if refused := st.session_state.pop("_staff_refused", None):
        st.sidebar.error(refused)


@st.cache_resource
def _limiter() -> AttemptLimiter:
    """One count of wrong guesses per process, shared by every session."""
    return AttemptLimiter(limit=5, window=600, lockout=300)


def _check(passcode: str) -> None:
    """Callback: refuse while locked out, compare in constant time, forget what was typed."""
    typed = st.session_state.get("staff_passcode_typed", "")
    st.session_state["staff_passcode_typed"] = ""
    if not typed:
        return
    limiter = _limiter()
    wait = limiter.locked_for("staff")
    if wait > 0:
        st.session_state["_staff_refused"] = (
            f"Too many wrong passcodes: try again in {max(1, round(wait / 60))} minute(s).")
        return
    ok = hmac.compare_digest(typed.encode(), passcode.encode())
    st.session_state["_staff"] = ok
    if ok:
        limiter.succeeded("staff")
    else:
        limiter.failed("staff")
        st.session_state["_staff_refused"] = "That passcode is not right."
