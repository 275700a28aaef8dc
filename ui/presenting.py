"""Saved views, stories and presentation mode (issue #12): the presenters' widgets.

A view is saved from the page a presenter is on (its link holds everything: dataset,
filters, centre and zoom, selection, shape); :func:`slide_of` rebuilds what a saved view
shows without the sidebar's widgets, for presentation mode and the meeting pack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import geopandas as gpd
import shapely
import streamlit as st

from mapping.analysis.filters import MeasureResult, compute_measure
from mapping.infra.errors import DataError, MappingError
from mapping.present.escape import markdown_text as md
from mapping.present.stories import (
    MAX_NOTE,
    MAX_TITLE,
    PAGES,
    Author,
    SavedView,
    Stories,
)
from mapping.sources.datasets import Dataset, start_dataset
from ui import access, context
from ui import messages as msg
from ui.analysis import selection_areas
from ui.filters import filters_from_link
from ui.map_widget import shape_from_text

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _stories(url: str) -> Stories:
    return Stories(context.store())


def stories() -> Stories:
    """The saved views and stories of the shared asset database."""
    return _stories(context.settings().store_url)


def author() -> Author:
    """Who saves or changes a view or story now."""
    person = access.account()
    return Author(person.id if person else None, person.label if person else "",
                  may_change_all=access.allowed("manage_accounts"))


def save_view_box(page: str) -> None:
    """The sidebar's "Save this view": title and note; the link is the page's own."""
    if not access.allowed("save_views"):
        return
    with st.sidebar.expander("Save this view (for a presentation)", icon=":material/bookmark_add:"):
        n = st.session_state.get("_save_view_form", 0)
        with st.form(f"save_view_{n}"):  # a new form after a save: the next one starts empty
            title = st.text_input("Title", max_chars=MAX_TITLE,
                                  placeholder="e.g. Spanish speakers with limited English")
            note = st.text_area("Note (what to say about it)", max_chars=MAX_NOTE, height=90)
            name = "" if access.with_accounts() else st.text_input(
                "Your name (saved with the view)", key=f"save_view_name_{n}",
                value=st.session_state.get("user_name", "")).strip()
            sent = st.form_submit_button("Save view", icon=":material/bookmark:")
        if sent:
            who = author()
            if name:
                who = Author(None, name, may_change_all=who.may_change_all)
            try:
                saved = stories().save_view(title=title, note=note, page=page,
                                            params=dict(st.query_params), author=who)
            except DataError as exc:
                msg.error(f"Not saved: {exc}.")
            else:
                st.session_state["_save_view_form"] = n + 1
                st.session_state["_saved_view"] = saved.title
                st.rerun()
        if st.session_state.get("_saved_view"):
            msg.success(f"Saved: {st.session_state['_saved_view']}")
            st.page_link("pages/stories.py", label="Views and stories",
                         icon=":material/slideshow:")


def open_view(view: SavedView) -> None:
    """Go to a saved view's page in this session, as if its link had just been opened."""
    for key in list(st.session_state):
        if (key.startswith(("_url_read", "_keep_f_", "f_", "profile_", "gap_"))
                or key.endswith("_url_read") or key in ("selection", "drawn_shape")
                or (key.startswith("_main_map") and key.endswith("_view"))):
            del st.session_state[key]
    st.switch_page(f"pages/{view.page}.py", query_params=view.params)


@dataclass(frozen=True)
class Slide:
    """What a saved view shows, rebuilt from its link."""

    view: SavedView
    data: Dataset
    measure: MeasureResult
    shown: gpd.GeoDataFrame  # the assets its filters show
    selected: tuple[str, str] | None  # a clicked area or asset
    geoids: list[str]  # the areas its selection covers (a profile of them)
    selection_title: str
    outlines: gpd.GeoDataFrame | None  # a drawn shape or chosen areas, outlined (``label``)


def slide_of(view: SavedView, *, staff: bool | None = None) -> Slide:
    """Rebuild a saved view (the person's own view of the assets: a visitor never gets a
    staff-only site); :class:`MappingError` when its dataset cannot be opened.

    ``staff`` is the person's access, read from the session when not given (a download
    made on its own thread has no session: pass it).
    """
    dataset_id = view.dataset or start_dataset(context.settings())
    data = context.with_database_assets(context.dataset(dataset_id)[0])
    if not (access.is_staff() if staff is None else staff):
        data = context.public_assets(data)
    filters = filters_from_link(view.params, data)
    measure = compute_measure(data.area_set, filters)
    shown = context.shown_assets(data, filters)
    kind, _, ident = view.params.get("sel", "").partition(":")
    selected = (kind, ident) if kind in ("area", "asset") and ident else None
    geoids, title, outline = _selection(view, data, selected)
    outlines = None
    if outline is not None and not outline.is_empty:
        outlines = gpd.GeoDataFrame({"label": [title]}, geometry=[outline], crs=4326)
    return Slide(view, data, measure, shown, selected, geoids, title, outlines)


def _selection(view: SavedView, data: Dataset, selected: tuple[str, str] | None
               ) -> tuple[list[str], str, shapely.Geometry | None]:
    """The areas a view's selection covers, a title for them, and an outline to draw."""
    areas = data.area_set.areas
    params = view.params
    shape = shape_from_text(params.get("shape", ""))
    clicked = selected[1] if selected and selected[0] == "area" and \
        selected[1] in areas.index else None
    mode = params.get("pm") if view.page == "profile" else None
    if mode is None:
        mode = "shape" if shape else "area" if clicked else "all"
    if mode == "shape" and shape:
        return (*selection_areas(data, "shape", shape=shape), shapely.geometry.shape(shape))
    if mode == "area" and clicked:
        return (*selection_areas(data, "area", clicked=clicked), None)
    chosen = [g for g in params.get("pa", "").split(",") if g in areas.index]
    if mode == "areas" and chosen:
        return (*selection_areas(data, "areas", chosen=chosen),
                shapely.union_all(areas.loc[chosen].geometry.to_numpy()))
    if mode == "branch" and params.get("pb"):
        geoids, title = selection_areas(data, "branch", branch=params["pb"])
        if geoids:
            outlines = context.branch_service_areas(data)[1]
            match = outlines[outlines["label"] == params["pb"]]
            return geoids, title, match.geometry.iloc[0] if len(match) else None
    return (*selection_areas(data, "all"), None)


def view_caption(view: SavedView) -> str:
    """A saved view in one line of Markdown (escaped): page, author, last change."""
    return md(f"{PAGES.get(view.page, view.page)} · {view.dataset or 'default dataset'} · "
              f"by {view.owner or 'unknown'} · {view.updated_at:%Y-%m-%d %H:%M}")


def safely(what: str, action: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run a change; on :class:`MappingError` show what to fix and return ``None``."""
    try:
        return action(*args, **kwargs)
    except MappingError as exc:
        msg.error(f"{what}: {exc}.")
        return None
