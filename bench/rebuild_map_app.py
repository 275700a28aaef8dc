"""The map page as it was before issue #11, for bench/map_browser.py only: the same sidebar,
measure and assets, with the whole map (geometry, points, legend) built inline by
``build_map`` and sent through streamlit-folium, whose frame is rebuilt on every change."""

import streamlit as st
from streamlit_folium import st_folium

from mapping.analysis.filters import compute_measure, filter_assets
from mapping.present.render import build_map
from ui import context
from ui.filters import sidebar

st.set_page_config(page_title="Rebuild baseline", layout="wide")
st.session_state["_navigation_ready"] = True
data, filters = sidebar()
_, prepared = context.dataset(data.id)
settings = context.settings()
measure = compute_measure(data.area_set, filters)
assets = filter_assets(data.assets, filters, data.area_set.catalog)
st.caption(measure.label)
js, css = settings.leaflet_urls()
m = build_map(prepared, data.area_set, measure, assets, leaflet_js=js, leaflet_css=css,
              tiles=settings.tiles, draw=settings.draw_urls())
st_folium(m, height=640, use_container_width=True,
          returned_objects=["last_active_drawing", "all_drawings"], key="main_map")
