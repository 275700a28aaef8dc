"""The map component: render a folium map and report what the user clicked."""

from __future__ import annotations

from typing import Literal

import folium
import streamlit as st
from streamlit_folium import st_folium

Selection = tuple[Literal["area", "asset"], str]


def show_map(m: folium.Map, *, height: int = 640) -> Selection | None:
    """Render the map; return the area or asset clicked most recently in this session.

    Only clicks come back to Python (``returned_objects``): panning and zooming do not
    rerun the script.
    """
    out = st_folium(m, height=height, use_container_width=True,
                    returned_objects=["last_active_drawing"], key="main_map")
    drawing = (out or {}).get("last_active_drawing")
    if drawing and drawing != st.session_state.get("_last_drawing"):
        st.session_state["_last_drawing"] = drawing
        props = drawing.get("properties") or {}
        geometry = drawing.get("geometry") or {}
        if isinstance(props.get("g"), str):
            st.session_state["selection"] = ("area", props["g"])
        elif isinstance(props.get("a"), str):
            st.session_state["selection"] = ("asset", props["a"])
        elif geometry.get("type") in ("Polygon", "MultiPolygon"):
            # A shape drawn with the draw tool: the profile page can sum the areas inside.
            st.session_state["drawn_shape"] = geometry
    return st.session_state.get("selection")
