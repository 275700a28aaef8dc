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

from mapping.analysis.community import areas_in_shape
from mapping.analysis.filters import (
    MeasureResult,
    compute_measure,
    filter_assets,
    reliability_line,
)
from mapping.infra.errors import DataError, MappingError
from mapping.present.escape import markdown_text as md
from mapping.present.render import SCHEME_LABELS
from mapping.present.stories import MAX_NOTE, MAX_TITLE, PAGES, Author, SavedView, Stories
from mapping.sources.datasets import Dataset, start_dataset
from ui import access, context, url
from ui import messages as msg
from ui.filters import ensure_navigation, filters_from_link
from ui.map_widget import shape_from_text, show_still_map, view_from_link

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


def slide_of(view: SavedView) -> Slide:
    """Rebuild a saved view (the person's own view of the assets: a visitor never gets a
    staff-only site); :class:`MappingError` when its dataset cannot be opened."""
    dataset_id = view.dataset or start_dataset(context.settings())
    data = context.with_database_assets(context.dataset(dataset_id)[0])
    if not access.is_staff():
        data = context.public_assets(data)
    filters = filters_from_link(view.params, data)
    measure = compute_measure(data.area_set, filters)
    shown = filter_assets(data.assets, filters, data.area_set.catalog)
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
        geoids = areas_in_shape(data.area_set, shape)
        return geoids, f"{len(geoids)} areas inside the shape drawn on the map", \
            shapely.geometry.shape(shape)
    if mode == "area" and clicked:
        return [clicked], str(areas.at[clicked, "name"]), None
    if mode == "areas":
        chosen = [g for g in params.get("pa", "").split(",") if g in areas.index]
        if chosen:
            return chosen, f"{len(chosen)} chosen areas of {data.area_set.title}", \
                shapely.union_all(areas.loc[chosen].geometry.to_numpy())
    if mode == "branch" and params.get("pb"):
        assignment, outlines = context.branch_service_areas(data)
        branch = params["pb"]
        geoids = list(assignment.index[assignment["branch"] == branch])
        if geoids:
            match = outlines[outlines["label"] == branch]
            return geoids, f"Service area of {branch}", \
                match.geometry.iloc[0] if len(match) else None
    return list(areas.index), f"All of {data.area_set.label}", None


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


# --- presentation mode ---------------------------------------------------------------

#: Hides the sidebar and Streamlit's own bars; large type for a room.
_PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stHeader"],
[data-testid="stToolbar"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding: 0.6rem 1.5rem 0.5rem !important;
  max-width: 100% !important;}
[data-testid="stMainBlockContainer"] h1 {font-size: 2.6rem !important; line-height: 1.15;}
[data-testid="stMainBlockContainer"] p {font-size: 1.3rem;}
.st-key-nam-footer p {font-size: 1.05rem !important;}
</style>"""
_HIGH_CONTRAST_CSS = """<style>
[data-testid="stMainBlockContainer"] {color: #000 !important;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] h1 {
  color: #000 !important; font-weight: 600;}
</style>"""
MAP_HEIGHT = 660


def _deck_from_url() -> tuple[list[SavedView], str, str]:
    """The views to present (a story's, or one saved view), the deck's title and what
    went wrong (empty when nothing did)."""
    q = st.query_params
    try:
        if "story" in q:
            deck = stories().story(int(q["story"]))
            return stories().views_of(deck), deck.title, ""
        if "sv" in q:
            view = stories().view(int(q["sv"]))
            return [view], view.title, ""
    except ValueError:
        return [], "", "this presentation link is damaged: open it again from Views and stories"
    except MappingError as exc:
        return [], "", str(exc)
    return [], "", "no story or view was chosen: pick one on Views and stories"


def _go(step: int, count: int) -> None:
    st.session_state["present_slide"] = min(max(1, st.session_state["present_slide"] + step),
                                            count)


def present_page() -> None:
    """Presentation mode: one saved view at a time, full screen, arrow keys move on."""
    ensure_navigation()
    if not access.allowed("save_views"):
        access.sign_in_box()
        access.require("save_views")
    views, deck_title, problem = _deck_from_url()
    if problem:
        msg.warning(f"Nothing to present: {problem}.")
        st.page_link("pages/stories.py", label="Views and stories", icon=":material/slideshow:")
        return
    count = len(views)
    url.restore("present_slide", "slide", default=1, decode=url.int_in(1, max(1, count)))
    url.restore("present_scheme", "pal", default="YlGnBu",
                decode=lambda t: t if t in SCHEME_LABELS else "YlGnBu")
    url.restore("present_hc", "hc", default=False, decode=lambda t: t == "1")
    st.session_state["present_slide"] = min(st.session_state["present_slide"], max(1, count))
    st.html(_PRESENT_CSS + (_HIGH_CONTRAST_CSS if st.session_state["present_hc"] else ""))
    number = st.session_state["present_slide"]
    prev, where, nxt, display, leave = st.columns([1.1, 3, 1, 1.1, 1.3],
                                                  vertical_alignment="center")
    prev.button("Previous", icon=":material/arrow_back:", shortcut="Left", key="present_prev",
                on_click=_go, args=(-1, count), disabled=number <= 1)
    where.markdown(md(f"{deck_title} · {number} of {count}") if count else md(deck_title))
    nxt.button("Next", icon=":material/arrow_forward:", shortcut="Right", key="present_next",
               on_click=_go, args=(1, count), disabled=number >= count)
    with display.popover("Display", icon=":material/contrast:"):
        st.selectbox("Colours", list(SCHEME_LABELS), format_func=SCHEME_LABELS.get,
                     key="present_scheme")
        st.toggle("High contrast", key="present_hc")
    leave.page_link("pages/stories.py", label="End the presentation", icon=":material/close:")
    url.keep("slide", number, default=1)
    url.keep("pal", st.session_state["present_scheme"], default="YlGnBu")
    url.keep("hc", "1" if st.session_state["present_hc"] else None)
    if not count:
        msg.info("This story has no views left (they were deleted).")
        return
    view = views[number - 1]
    try:
        slide = slide_of(view)
    except MappingError as exc:
        msg.error(f"This view cannot be shown: {exc}.")
        return
    st.title(md(view.title))
    if view.note:
        st.markdown(md(view.note))
    area_set = slide.data.area_set
    outline_name = slide.selection_title if slide.outlines is not None else None
    show_still_map(context.live_base(slide.data, outline_name=outline_name),
                   context.live_data(slide.data, slide.measure, slide.shown,
                                     outlines=slide.outlines,
                                     scheme=st.session_state["present_scheme"],
                                     high_contrast=st.session_state["present_hc"]),
                   selected=slide.selected, view=view_from_link(view.params),
                   height=MAP_HEIGHT, key=f"present_map_{view.id}")
    source = f"Source: {area_set.source}" + (f", {area_set.year}" if area_set.year else "")
    synthetic = "SYNTHETIC DEMO DATA, not real people. " if area_set.synthetic else ""
    with st.container(key="nam-footer"):
        st.markdown(md(f"{synthetic}{slide.measure.label} · {source} · "
                       f"{reliability_line(slide.measure)}"))
