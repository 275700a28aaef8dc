"""Outreach: log contacts made in the community, and keep the action plan."""

import streamlit as st

from ui import context
from ui import messages as msg
from ui.access import editor, require_staff
from ui.filters import sidebar
from ui.outreach_forms import log_form, log_table, plan

data, _ = sidebar()
st.title("Outreach and action plan")
require_staff()
st.caption("Log what you learn on walkabouts, at events and from service providers; the "
           "asset or area you last clicked on the map comes preselected.")
store = context.store()
user = editor()
if "outreach_flash" in st.session_state:
    msg.success(st.session_state.pop("outreach_flash"))
st.subheader("Log a contact")
log_form(store, data, user)
st.dataframe(log_table(store), hide_index=True, width="stretch")
st.subheader("Action plan")
plan(store, user)
