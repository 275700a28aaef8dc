"""Presentation mode: a story's saved views (or one view) full screen, one at a time,
with the meeting pack's downloads at hand."""

from __future__ import annotations

import streamlit as st

from mapping.analysis.filters import reliability_line
from mapping.infra.errors import MappingError
from mapping.present.escape import markdown_text as md
from mapping.present.render import SCHEME_LABELS
from mapping.present.stories import SavedView, Story
from ui import access, context, url
from ui import messages as msg
from ui.filters import ensure_navigation
from ui.map_widget import show_still_map, view_from_link
from ui.pack_views import story_downloads, view_downloads
from ui.presenting import slide_of, stories

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


def _deck_from_url() -> tuple[list[SavedView], Story | None, str, str]:
    """The views to present (a story's, or one saved view), the story, the deck's title
    and what went wrong (empty when nothing did)."""
    q = st.query_params
    try:
        if "story" in q:
            deck = stories().story(int(q["story"]))
            return stories().views_of(deck), deck, deck.title, ""
        if "sv" in q:
            view = stories().view(int(q["sv"]))
            return [view], None, view.title, ""
    except ValueError:
        return [], None, "", ("this presentation link is damaged: open it again from Views "
                              "and stories")
    except MappingError as exc:
        return [], None, "", str(exc)
    return [], None, "", "no story or view was chosen: pick one on Views and stories"


def _go(step: int, count: int) -> None:
    st.session_state["present_slide"] = min(max(1, st.session_state["present_slide"] + step),
                                            count)


def present_page() -> None:
    """Presentation mode: one saved view at a time, full screen, arrow keys move on."""
    ensure_navigation()
    if not access.allowed("save_views"):
        access.sign_in_box()
        access.require("save_views")
    views, deck, deck_title, problem = _deck_from_url()
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
    prev, where, nxt, display, pack, leave = st.columns([1.1, 2.6, 1, 1.1, 1.4, 1.5],
                                                        vertical_alignment="center")
    prev.button("Previous", icon=":material/arrow_back:", shortcut="Left", key="present_prev",
                on_click=_go, args=(-1, count), disabled=number <= 1)
    where.markdown(md(f"{deck_title} · {number} of {count}") if count else md(deck_title),
                   help="Arrow keys: previous and next view. F11 (Ctrl+Cmd+F on a Mac): the "
                        "browser full screen.")
    nxt.button("Next", icon=":material/arrow_forward:", shortcut="Right", key="present_next",
               on_click=_go, args=(1, count), disabled=number >= count)
    with display.popover("Display", icon=":material/contrast:"):
        st.selectbox("Colours", list(SCHEME_LABELS), format_func=SCHEME_LABELS.get,
                     key="present_scheme")
        st.toggle("High contrast", key="present_hc")
    leave.page_link("pages/stories.py", label="End the presentation", icon=":material/close:")
    if count:
        with pack.popover("Meeting pack", icon=":material/download:"):
            st.markdown("**This view**")
            view_downloads(views[number - 1], key="pack_view")
            if deck is not None:
                st.markdown("**The whole story**")
                story_downloads(deck, views, key="pack_story")
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
