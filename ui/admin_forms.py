"""The admin page's forms: the first administrator, accounts and their roles, the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mapping.analysis.service_areas import branch_keys
from mapping.infra.errors import MappingError
from mapping.people.accounts import ROLE_HELP, ROLE_LABELS, ROLES, Account, Accounts
from mapping.present.escape import markdown_text as md
from mapping.sources.catalog import language_name
from ui import context
from ui import messages as msg
from ui.access import account, accounts, start_session


def first_admin_form() -> None:
    """Shown while no account exists: make the first administrator and sign in as them."""
    st.info("No accounts yet: this copy runs single-user (everyone using it can do "
            "everything). Create the first administrator to give each person their own "
            "sign-in and role. The command line can do the same (see the README).")
    with st.form("first_admin"):
        email = st.text_input("Your e-mail address", key="first_email")
        name = st.text_input("Your name", key="first_name")
        password = st.text_input("Password (12 characters or more)", type="password",
                                 key="first_password")
        again = st.text_input("The same password again", type="password", key="first_again")
        if st.form_submit_button("Create the administrator", type="primary"):
            if password != again:
                msg.error("The two passwords differ: type them again.")
                return
            try:
                made = accounts().create(email=email, name=name, role="admin",
                                         password=password, by="first start")
                person = accounts().sign_in(made.email, password)
            except MappingError as exc:
                msg.error(f"Not created: {exc}")
                return
            start_session(person)
            st.session_state["admin_flash"] = f"Created {made.name}; you are signed in."
            st.rerun()


def roles_table() -> None:
    """What each role may do, in words."""
    st.dataframe(pd.DataFrame({"Role": [ROLE_LABELS[r] for r in ROLES],
                               "May": [ROLE_HELP[r] for r in ROLES]}),
                 hide_index=True, width="stretch")


def accounts_table(people: Accounts) -> pd.DataFrame:
    """Every account (never a password or its hash)."""
    frame = people.frame()
    shown = pd.DataFrame({
        "Name": frame["name"], "E-mail": frame["email"],
        "Role": frame["role"].map(ROLE_LABELS), "Branch": frame["branch"],
        "Languages": frame["languages"].map(lambda c: ", ".join(language_name(x) for x in c)),
        "Hours/month": frame["hours_per_month"],
        "Status": [("locked" if lk else "active") if a else "disabled"
                   for a, lk in zip(frame["active"], frame["locked"], strict=True)],
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    return frame


def _by() -> str:
    me = account()
    return me.label if me else "single-user setup"


def _branches() -> list[str]:
    """Every branch: those that own records and those with a library record."""
    store = context.store()
    return ["", *sorted(set(store.branch_names()) | set(branch_keys(store.assets_frame())))]


def add_account_form(people: Accounts) -> None:
    """Create an account with a first password the person changes... or signs in with."""
    with st.form("add_account", clear_on_submit=False):
        c1, c2 = st.columns(2)
        email = c1.text_input("E-mail address", key="new_email")
        name = c2.text_input("Name", key="new_name")
        role = c1.selectbox("Role", ROLES, index=ROLES.index("staff"), key="new_role",
                            format_func=lambda r: f"{ROLE_LABELS[r]}: {ROLE_HELP[r]}")
        branch = c2.selectbox("Branch", _branches(), key="new_branch",
                              format_func=lambda b: b or "(none)")
        languages = c1.text_input("Languages spoken (names or ISO codes, by ;)", key="new_langs")
        hours = c2.number_input("Hours per month for community work", 0, 744, 0,
                                key="new_hours")
        password = st.text_input("First password (12 characters or more; give it to the "
                                 "person privately)", type="password", key="new_password",
                                 help="With Google or Microsoft sign-in set up, leave it "
                                      "empty for someone who signs in only that way.")
        if st.form_submit_button("Add account", type="primary"):
            try:
                openid_only = not password and context.openid_configured()
                made = people.create(email=email, name=name, role=role,
                                     password=None if openid_only else password,
                                     branch=branch, by=_by(), hours_per_month=int(hours),
                                     languages=[x for x in languages.split(";") if x.strip()])
            except MappingError as exc:
                msg.error(f"Not added: {exc}")
                return
            for key in ("new_email", "new_name", "new_langs", "new_password"):
                st.session_state.pop(key, None)
            st.session_state["admin_flash"] = f"Added {made.name} as {ROLE_LABELS[made.role]}."
            st.rerun()


def change_account_form(people: Accounts, frame: pd.DataFrame) -> None:
    """Change one account's role, branch or status; unlock it; set a new password."""
    if frame.empty:
        return
    ids = frame["id"].tolist()
    labels = {int(r["id"]): f"{r['name']} <{r['email']}>" for _, r in frame.iterrows()}
    picked = st.selectbox("Account", ids, format_func=lambda i: labels[int(i)],
                          key="change_account")
    row = frame.set_index("id").loc[picked]
    with st.form(f"change_{picked}"):
        c1, c2, c3 = st.columns(3)
        role = c1.selectbox("Role", ROLES, index=ROLES.index(row["role"]),
                            format_func=ROLE_LABELS.get, key=f"chg_role_{picked}")
        branches = _branches()
        if row["branch"] not in branches:
            branches.append(row["branch"])
        branch = c2.selectbox("Branch", branches, index=branches.index(row["branch"]),
                              format_func=lambda b: b or "(none)", key=f"chg_branch_{picked}")
        active = c3.checkbox("Active (may sign in)", bool(row["active"]),
                             key=f"chg_active_{picked}")
        password = st.text_input("New password (leave empty to keep it)", type="password",
                                 key=f"chg_password_{picked}")
        if st.form_submit_button("Save changes"):
            _save(people, int(picked), role=role, branch=branch, active=active,
                  password=password)
    if row["locked"] and st.button("Unlock now", key=f"unlock_{picked}"):
        people.unlock(int(picked), by=_by())
        st.session_state["admin_flash"] = f"Unlocked {row['name']}."
        st.rerun()


def _save(people: Accounts, account_id: int, *, role: str, branch: str, active: bool,
          password: str) -> None:
    try:
        people.update(account_id, role=role, branch=branch, active=active, by=_by())
        if password:
            people.set_password(account_id, password, by=_by())
    except MappingError as exc:
        msg.error(f"Not saved: {exc}")
        return
    st.session_state["admin_flash"] = "Saved."
    st.rerun()


def audit_table(people: Accounts) -> None:
    """The newest 500 entries of the audit log."""
    log = people.audit_log()
    st.dataframe(log.drop(columns=["id"]).rename(columns={
        "at": "When (UTC)", "event": "What", "email": "E-mail", "account_id": "Account",
        "by": "By", "detail": "Detail"}), hide_index=True, width="stretch")


def signed_in_note(me: Account | None) -> None:
    """Who is acting on this page."""
    if me is not None:
        st.caption(md(f"Changes here are recorded under {me.label}."))
