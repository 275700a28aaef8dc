"""The live map component: one Leaflet map per page that stays alive across reruns.

The map's base (built by folium, see :func:`mapping.present.render.live_base_map`) is sent once;
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

import numpy as np
import streamlit as st
import streamlit.components.v1 as components

from mapping.present.render import LiveBase, LiveData

Selection = tuple[Literal["area", "asset"], str]

_FRONTEND = Path(__file__).parent / "live_map"
_component = components.declare_component("nam_map", path=str(_FRONTEND))

#: A drawn shape larger than this (GeoJSON text) is ignored: the drawing tool makes
#: shapes of a few dozen vertices; anything bigger did not come from it.
MAX_SHAPE_CHARS = 200_000
#: Vertices of a drawn shape kept in a link (the drawing tool makes a few dozen).
MAX_SHAPE_POINTS = 500


def shape_to_text(geometry: dict[str, Any]) -> str | None:
    """A drawn polygon as compact link text: ``lng,lat;lng,lat;...`` (outer ring, 1e-5).

    >>> shape_to_text({"type": "Polygon", "coordinates": [[[1, 2], [3, 4.000001], [1, 2]]]})
    '1,2;3,4'
    """
    if geometry.get("type") != "Polygon" or not geometry.get("coordinates"):
        return None
    ring = geometry["coordinates"][0][:MAX_SHAPE_POINTS]
    if ring and ring[0] == ring[-1]:
        ring = ring[:-1]
    return ";".join(f"{_num(x)},{_num(y)}" for x, y, *_ in ring)


def _num(value: Any) -> str:
    """A coordinate to 1e-5 degrees (about 1 m), without trailing zeros."""
    return f"{float(value):.5f}".rstrip("0").rstrip(".")


def shape_from_text(text: str) -> dict[str, Any] | None:
    """The polygon of :func:`shape_to_text`; ``None`` for text that is not one.

    >>> shape_from_text("1,2;3,4;5,2")["coordinates"]
    [[[1.0, 2.0], [3.0, 4.0], [5.0, 2.0], [1.0, 2.0]]]
    >>> shape_from_text("1,2;nonsense") is None
    True
    """
    try:
        points = [[float(v) for v in pair.split(",")] for pair in text.split(";")]
    except ValueError:
        return None
    if not 3 <= len(points) <= MAX_SHAPE_POINTS or any(
            len(p) != 2 or not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90) for p in points):
        return None
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


def _view_from_text(text: str) -> dict[str, float] | None:
    try:
        lat, lng, zoom = (float(v) for v in text.split(","))
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lng <= 180 and 0 <= zoom <= 22:
        return {"lat": lat, "lng": lng, "zoom": zoom}
    return None


def read_url(key: str = "main_map") -> None:
    """Once per session: a shared link's clicked area or asset, drawn shape and view."""
    if st.session_state.get(f"_{key}_url_read"):
        return
    st.session_state[f"_{key}_url_read"] = True
    q = st.query_params
    kind, _, ident = q.get("sel", "").partition(":")
    if kind in ("area", "asset") and ident:
        st.session_state["selection"] = (kind, ident)
    if (shape := shape_from_text(q.get("shape", ""))) is not None:
        st.session_state["drawn_shape"] = shape
    if (view := _view_from_text(q.get("view", ""))) is not None:
        st.session_state[f"_{key}_view"] = view


def write_selection_url(key: str = "main_map", *, with_view: bool = False) -> None:
    """Keep the clicked area or asset, the drawn shape (and the map's view) in the URL."""
    selection = st.session_state.get("selection")
    shape = st.session_state.get("drawn_shape")
    view = st.session_state.get(f"_{key}_view")
    wanted = {
        "sel": f"{selection[0]}:{selection[1]}" if selection else None,
        "shape": shape_to_text(shape) if isinstance(shape, dict) else None,
    }
    if with_view:
        wanted["view"] = (f"{_num(view['lat'])},{_num(view['lng'])},{_num(view['zoom'])}"
                          if view else None)
    for param, value in wanted.items():
        if value is None:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get(param) != value:
            st.query_params[param] = value


def _handle_events(events: Any, key: str) -> None:
    """Apply the browser's last actions (each once, by its number) to the session state.

    ``events`` has a slot per kind of action (``click``: an area or asset; ``shape``: a
    drawing), so a click right after a drawing does not hide the drawing.
    """
    if not isinstance(events, dict):
        return
    for slot in ("shape", "click", "view"):
        event = events.get(slot)
        if not isinstance(event, dict) or event.get("seq") == st.session_state.get(
                f"_{key}_{slot}_seq"):
            continue
        st.session_state[f"_{key}_{slot}_seq"] = event.get("seq")
        kind, ident = event.get("kind"), event.get("id")
        if slot == "click" and kind in ("area", "asset") and isinstance(ident, str) \
                and len(ident) < 200:
            st.session_state["selection"] = (kind, ident)
        elif slot == "view":
            view = _view_from_text(f"{event.get('lat')},{event.get('lng')},{event.get('zoom')}")
            if view is not None:
                st.session_state[f"_{key}_view"] = view
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
    (GeoJSON geometry) for the profile page. The clicked area or asset (``sel``), the
    shape (``shape``) and the centre and zoom (``view``) are kept in the page URL, so a
    copied link opens the same view.
    """
    read_url(key)
    value = st.session_state.get(key)
    value = value if isinstance(value, dict) else {}
    _handle_events(value.get("events"), key)
    write_selection_url(key, with_view=True)
    selection = st.session_state.get("selection")
    _render(base, data, selected=selection, view=st.session_state.get(f"_{key}_view"),
            height=height, key=key)
    return selection


def show_still_map(base: LiveBase, data: LiveData, *, selected: Selection | None,
                   view: dict[str, float] | None, height: int, key: str) -> None:
    """Render a live map that shows a fixed selection and view (presentation mode): the
    person may pan and zoom, but a click changes nothing in the session or the URL.
    Give each view its own ``key``: a map takes its view when it is first drawn."""
    _render(base, data, selected=selected, view=view, height=height, key=key)


#: Separates the per-area texts of a packed style: a formatted number never holds it, and
#: JSON sends it as one character (a control character would take six).
_SEP = "|"


def pack_style(style: dict[str, Any]) -> dict[str, Any]:
    r"""The per-area lists of a live map's style in a compact form for the browser: values
    and margins as one text each (``|`` between areas), classes and reliability one
    character per area.
    Encoding a few texts takes a fraction of the time of lists of 9,000 small ones, and
    sends fewer bytes; ``live_map.js`` unpacks them.

    >>> pack_style({"v": ["1", "2"], "m": ["", "3"], "k": [-1, 4], "r": [0, 2], "x": 1})
    {'v': '1|2', 'm': '|3', 'k': 'x4', 'r': '02', 'x': 1}
    """
    classes = np.asarray(style["k"], dtype=np.int64)
    reliability = np.asarray(style["r"], dtype=np.int64)
    if len(classes) and (classes.max() > 9 or reliability.min() < 0 or reliability.max() > 9):
        raise ValueError("classes and reliability codes must be single digits")
    texts = {name: _SEP.join(style[name]) for name in ("v", "m")}
    if any(text.count(_SEP) != max(len(style[name]) - 1, 0) for name, text in texts.items()):
        raise ValueError(f"a per-area text holds {_SEP!r}")
    return {**style, **texts,
            "k": np.where(classes < 0, ord("x"), classes + 48).astype(np.uint8).tobytes()
            .decode("ascii"),
            "r": (reliability + 48).astype(np.uint8).tobytes().decode("ascii")}


def _render(base: LiveBase, data: LiveData, *, selected: Selection | None,
            view: dict[str, float] | None, height: int, key: str) -> None:
    value = st.session_state.get(key)
    value = value if isinstance(value, dict) else {}
    have = value.get("have") if value.get("base") == base.key else None
    have = have if isinstance(have, dict) else {}
    digests = {name: blob.digest if blob else "" for name, blob in data.blobs.items()}
    blobs = {name: blob.text for name, blob in data.blobs.items()
             if blob is not None and have.get(name) != blob.digest}
    _component(base=base.as_args(), height=height, digests=digests, blobs=blobs,
               style=pack_style(data.style), visible=data.visible,
               legend_html=data.legend_html,
               categories=data.categories, title=data.title,
               selected={"kind": selected[0], "id": selected[1]} if selected else None,
               view=view, key=key, default=None)


def view_from_link(params: dict[str, str]) -> dict[str, float] | None:
    """The centre and zoom a link holds (``view``), or ``None``."""
    return _view_from_text(params.get("view", ""))
