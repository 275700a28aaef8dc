"""Newcomer Asset Map: entry point (page config and navigation)."""

import streamlit as st

st.set_page_config(page_title="Newcomer Asset Map", page_icon=":world_map:", layout="wide")

PAGES = [
    st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
    st.Page("pages/profile.py", title="Who lives here?", icon=":material/groups:"),
    st.Page("pages/branches.py", title="Branches", icon=":material/local_library:"),
    st.Page("pages/gaps.py", title="Service gaps", icon=":material/troubleshoot:"),
    st.Page("pages/stories.py", title="Views and stories", icon=":material/slideshow:"),
    st.Page("pages/present.py", title="Presentation", icon=":material/present_to_all:",
            visibility="hidden"),
    st.Page("pages/assets.py", title="Asset database", icon=":material/edit_location_alt:"),
    st.Page("pages/outreach.py", title="Outreach", icon=":material/handshake:"),
    st.Page("pages/staff.py", title="Staff capacity", icon=":material/badge:"),
    st.Page("pages/suggest.py", title="Suggest a place", icon=":material/add_location:"),
    st.Page("pages/census.py", title="Census data", icon=":material/download:"),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
    st.Page("pages/admin.py", title="Administration", icon=":material/admin_panel_settings:"),
]
navigation = st.navigation(PAGES)
st.session_state["_navigation_ready"] = True
wanted = st.session_state.pop("_wanted_page", None)
if wanted is not None:  # a deep link that reached a page before navigation existed
    page = next((p for p in PAGES if p.url_path == wanted[0]), None)
    if page is not None:
        st.switch_page(page, query_params=wanted[1])
# Each page starts with ui.filters.sidebar() (the shared dataset picker and filter pane).
# It is called from the pages rather than here because Streamlit's AppTest loses widgets
# drawn by the entry script on reruns, and every page must stay testable.
navigation.run()
