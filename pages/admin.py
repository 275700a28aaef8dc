"""Administration: accounts and roles, and the audit log of sign-ins and account changes."""

import streamlit as st

from ui import messages as msg
from ui.access import account, accounts, require, with_accounts
from ui.admin_forms import (
    accounts_table,
    add_account_form,
    audit_table,
    change_account_form,
    first_admin_form,
    roles_table,
    signed_in_note,
)
from ui.filters import sidebar

sidebar()
st.title("Administration")
require("manage_accounts", "administrators")
flash = st.container()
if "admin_flash" in st.session_state:
    with flash:
        msg.success(st.session_state.pop("admin_flash"))
if not with_accounts():
    first_admin_form()
    with st.expander("Roles"):
        roles_table()
    st.stop()
people = accounts()
signed_in_note(account())
st.subheader("Accounts")
frame = accounts_table(people)
with st.expander("Add an account"):
    add_account_form(people)
with st.expander("Change an account, unlock it or set a new password"):
    change_account_form(people, frame)
with st.expander("Roles"):
    roles_table()
with st.expander("Audit log: sign-ins, failures, lockouts and account changes"):
    audit_table(people)
