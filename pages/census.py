"""Census data page: any US county's newcomer profile in one action, or a downloaded table."""

import streamlit as st

from ui.access import require
from ui.census_view import import_form, load_form
from ui.filters import sidebar

sidebar()
st.title("Census data")
require("manage_datasets", "administrators")  # every visitor sees a saved dataset
st.caption("Every tract of the chosen counties with American Community Survey 5-year "
           "estimates and margins of error: nativity and citizenship, place of birth (every "
           "country), year of entry, language and English ability, education and poverty by "
           "place of birth. Loaded data is saved here and works offline; it appears in the "
           "Dataset list (the Data page names the Census tables it comes from).")
load_tab, import_tab = st.tabs(["Load from the Census Bureau", "Import a downloaded table"])
with load_tab:
    load_form()
with import_tab:
    import_form()
