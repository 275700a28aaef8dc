"""The live map component: one Leaflet map per page that stays alive across reruns.

The map's base (built by folium, see :func:`mapping.render.live_base_map`) is sent once;
each large data set (area geometry, asset points, outlines) is sent once per content
digest, only while the browser says it does not hold it; every rerun sends only what
changed (per-area figures, the visible assets, the legend, the selection). Zoom and pan
survive a filter change because the map is never rebuilt. The frontend is
``ui/live_map/live_map.js``, a Streamlit component in plain JavaScript (no build step).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import streamlit as st
import streamlit.components.v1 as components

from mapping.render import LiveBase, LiveData

Selection = tuple[Literal["area", "asset"], str]

_FRONTEND = Path(__file__).parent / "live_map"
_component = components.declare_component("nam_map", path=str(_FRONTEND))

#: A drawn shape larger than this (GeoJSON text) is ignored: the drawing tool makes
#: shapes of a few dozen vertices; anything bigger did not come from it.
MAX_SHAPE_CHARS = 200_000


def _handle_events(events: Any, key: str) -> None:
    """Apply the browser's last actions (each once, by its number) to the session state.

    ``events`` has a slot per kind of action (``click``: an area or asset; ``shape``: a
    drawing), so a click right after a drawing does not hide the drawing.
    """
    if not isinstance(events, dict):
        return
    for slot in ("shape", "click"):
        event = events.get(slot)
        if not isinstance(event, dict) or event.get("seq") == st.session_state.get(
                f"_{key}_{slot}_seq"):
            continue
        st.session_state[f"_{key}_{slot}_seq"] = event.get("seq")
        kind, ident = event.get("kind"), event.get("id")
        if slot == "click" and kind in ("area", "asset") and isinstance(ident, str) \
                and len(ident) < 200:
            st.session_state["selection"] = (kind, ident)
        elif slot == "shape":
            geometry = event.get("geometry")
            if geometry is None:
                st.session_state.pop("drawn_shape", None)
            elif (isinstance(geometry, dict)
                  and geometry.get("type") in ("Polygon", "MultiPolygon")
                  and len(json.dumps(geometry)) <= MAX_SHAPE_CHARS):
                st.session_state["drawn_shape"] = geometry


def show_map(base: LiveBase, data: LiveData, *, height: int = 640,
             key: str = "main_map") -> Selection | None:
    """Render the live map; return the area or asset clicked most recently in this session.

    A shape drawn with the drawing tool is kept in ``st.session_state["drawn_shape"]``
    (GeoJSON geometry) for the profile page.
    """
    value = st.session_state.get(key)
    value = value if isinstance(value, dict) else {}
    _handle_events(value.get("events"), key)
    have = value.get("have") if value.get("base") == base.key else None
    have = have if isinstance(have, dict) else {}
    digests = {name: blob.digest if blob else "" for name, blob in data.blobs.items()}
    blobs = {name: blob.text for name, blob in data.blobs.items()
             if blob is not None and have.get(name) != blob.digest}
    selection = st.session_state.get("selection")
    _component(base=base.as_args(), height=height, digests=digests, blobs=blobs,
               style=data.style, visible=data.visible, legend_html=data.legend_html,
               categories=data.categories,
               selected={"kind": selection[0], "id": selection[1]} if selection else None,
               key=key, default=None)
    return selection
