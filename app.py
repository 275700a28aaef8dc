"""Newcomer Asset Map: entry point (page config and navigation)."""

import streamlit as st

from ui.filters import sidebar

st.set_page_config(page_title="Newcomer Asset Map", page_icon=":world_map:", layout="wide")

navigation = st.navigation([
    st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
])
sidebar()  # shared by every page: dataset and filters, mirrored in the URL
navigation.run()
