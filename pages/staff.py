"""Staff capacity: who has the time, training and languages for community work."""

import streamlit as st

from ui import context
from ui import messages as msg
from ui.access import account, allowed, require, with_accounts
from ui.filters import sidebar
from ui.staff_views import (
    capacity,
    directory_table,
    involvement_chart,
    manage_forms,
    workload_tables,
)

sidebar()
st.title("Staff capacity")
require("see_staff_only")
if not with_accounts():
    st.info("Staff capacity is kept per person: create the first administrator on the "
            "Administration page, then an account for each person.")
    st.stop()
if "staff_flash" in st.session_state:
    msg.success(st.session_state.pop("staff_flash"))
me = account()
directory = capacity().directory()
branches = sorted(set(directory["branch"]) - {""})
own = [me.branch] if me is not None and me.branch in branches else []
picked = st.multiselect("Branch", branches, default=own, key="staff_branches",
                        help="Empty: every branch.")
month = st.date_input("Month", key="staff_month", format="YYYY-MM-DD")
shown = directory[directory["branch"].isin(picked)] if picked else directory
per_person = capacity().workload(month)
per_person = per_person[per_person["branch"].isin(picked)] if picked else per_person
st.subheader(f"Workload in {month:%B %Y}")
workload_tables(per_person)
st.subheader("Staff directory and trainings")
directory_table(shown)
if allowed("manage_branch_staff"):
    with st.expander("Record a training, set hours and languages"):
        manage_forms(directory, me, me.label if me else "")
st.subheader("From outreach toward community-led work")
involvement_chart(context.store().outreach_log(), picked[0] if len(picked) == 1 else None)
