"""Who lives here? The community profile of any selection of areas."""

import streamlit as st

from mapping.analysis.community import community_profile
from mapping.infra.errors import MappingError
from mapping.present.escape import markdown_text as md
from ui import messages as msg
from ui.analysis import compare_section, pick_selection, show_profile
from ui.filters import sidebar
from ui.presenting import save_view_box

data, _ = sidebar()
save_view_box("profile")
st.title("Who lives here?")
st.caption("Sums over the selected areas with margins of error combined by the Census "
           "Bureau's formulas (90% confidence). Each figure names the variables it comes from.")
geoids, title = pick_selection(data)
if not geoids:
    st.info("Choose at least one area.")
    st.stop()
try:
    profile = community_profile(data.area_set, data.assets, geoids, title=title)
except MappingError as exc:
    msg.error(str(exc))
    st.stop()
st.subheader(md(title))
show_profile(profile)
with st.expander("Compare branches or areas side by side"):
    compare_section(data)
