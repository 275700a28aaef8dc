"""Streamlit's floor for a filter change, for bench/map_browser.py only: a page with one
widget (the language filter, as labelled in the sidebar) and the same live map of the same
data (areas, measure, assets), nothing else: no sign-in box, no other filters, no title,
no table, no side panel.

What it takes from the click to the repainted map is what Streamlit and the browser cost
for any rerun of a page with that map, so no page of ours can repaint faster. The bench
prints it beside ours and the rebuild approach, as a reference, not a baseline."""

import streamlit as st

from mapping.analysis.filters import Filters, compute_measure
from mapping.sources.catalog import language_group
from ui import context
from ui.map_widget import show_map

st.set_page_config(page_title="Floor", layout="wide")
st.session_state["_navigation_ready"] = True
data, _ = context.dataset(st.query_params.get("ds", "demo"))
data = context.public_assets(context.with_database_assets(data))
languages = [v.language for v in data.area_set.catalog.lep_variables() if v.language]
chosen = st.sidebar.multiselect("Language (limited English)", languages,
                                format_func=lambda k: language_group(k).label)
filters = Filters(languages=tuple(chosen))
measure = compute_measure(data.area_set, filters)
show_map(context.live_base(data, draw=True),
         context.live_data(data, measure, context.shown_assets(data, filters)))
