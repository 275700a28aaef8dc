"""Newcomer Asset Map: entry point (page config and navigation)."""

import streamlit as st

st.set_page_config(page_title="Newcomer Asset Map", page_icon=":world_map:", layout="wide")

navigation = st.navigation([
    st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
])
# Each page starts with ui.filters.sidebar() (the shared dataset picker and filter pane).
# It is called from the pages rather than here because Streamlit's AppTest loses widgets
# drawn by the entry script on reruns, and every page must stay testable.
navigation.run()
