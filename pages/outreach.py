"""Outreach: log contacts made in the community, and keep the action plan."""

import streamlit as st

from ui import context
from ui import messages as msg
from ui.access import allowed, editor, require
from ui.filters import sidebar
from ui.outreach_forms import log_form, log_table, plan, review_entries

data, _ = sidebar()
st.title("Outreach and action plan")
require("log_outreach", "library staff and partners")
st.caption("Log what you learn on walkabouts, at events and from service providers; the "
           "asset or area you last clicked on the map comes preselected.")
store = context.store()
user = editor()
if "outreach_flash" in st.session_state:
    msg.success(st.session_state.pop("outreach_flash"))
staff = allowed("review_suggestions")
st.subheader("Log a contact")
if not staff:
    st.caption("Library staff review what you log before it counts.")
log_form(store, data, user, pending=not staff)
if not staff:  # a contributor sees their own entries, not the library's whole log
    st.dataframe(log_table(store, only=user), hide_index=True, width="stretch")
    st.stop()
st.dataframe(log_table(store), hide_index=True, width="stretch")
waiting = int((store.outreach_log()["review"] == "pending").sum())
with st.expander(f"From contributors, to review ({waiting})"):
    review_entries(store, user)
st.subheader("Action plan")
plan(store, user)
