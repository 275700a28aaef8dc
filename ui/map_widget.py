"""The map component: render a folium map and report what the user clicked."""

from __future__ import annotations

from typing import Literal

import folium
import streamlit as st
from streamlit_folium import st_folium

Selection = tuple[Literal["area", "asset"], str]


def show_map(m: folium.Map, *, height: int = 640) -> Selection | None:
    """Render the map; return the area or asset clicked most recently in this session.

    Only clicks and drawings come back to Python (``returned_objects``): panning and
    zooming do not rerun the script. A shape drawn with the draw tool is read from
    ``all_drawings``, not from ``last_active_drawing``: the browser sends a click when the
    mouse is released at the end of the drag, and streamlit-folium puts whatever that
    click lands on (an area, an asset) in ``last_active_drawing``, replacing the shape
    before it reaches Python.
    """
    out = st_folium(m, height=height, use_container_width=True,
                    returned_objects=["last_active_drawing", "all_drawings"], key="main_map")
    out = out or {}
    shapes = [d for d in out.get("all_drawings") or []
              if (d.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")]
    if shapes and shapes[-1] != st.session_state.get("_last_shape"):
        # A shape drawn with the draw tool: the profile page can sum the areas inside.
        st.session_state["_last_shape"] = shapes[-1]
        st.session_state["drawn_shape"] = shapes[-1]["geometry"]
    clicked = out.get("last_active_drawing")
    if clicked and clicked != st.session_state.get("_last_drawing"):
        st.session_state["_last_drawing"] = clicked
        props = clicked.get("properties") or {}
        if isinstance(props.get("g"), str):
            st.session_state["selection"] = ("area", props["g"])
        elif isinstance(props.get("a"), str):
            st.session_state["selection"] = ("asset", props["a"])
    return st.session_state.get("selection")
