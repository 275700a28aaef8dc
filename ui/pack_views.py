"""The meeting pack's download buttons: for one saved view, and for a whole story.

Each file is made when its button is clicked (Streamlit runs the maker on a thread of its
own, so the page does not wait for files nobody asked for). The maker has no session: the
person's access is read before and passed in, so a visitor's pack never holds a
staff-only site.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import streamlit as st

from mapping.analysis.community import community_profile
from mapping.infra.settings import LOCAL_LEAFLET_DIR
from mapping.present.pack import (
    DeckSlide,
    MapRequest,
    ProfilePage,
    figure_bytes,
    key_figures,
    map_figure,
    profile_pdf,
    standalone_map,
    story_deck,
)
from mapping.present.stories import SavedView, Story
from ui import access, context
from ui.map_widget import view_from_link
from ui.presenting import Slide, slide_of


def file_stem(title: str) -> str:
    """A safe file name from a title.

    >>> file_stem("Spanish speakers: Cook County (2021)!")
    'spanish-speakers-cook-county-2021'
    """
    return re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "view"


def _display() -> tuple[str, bool, str]:
    """The presentation's colours and contrast, and the basemap's tiles (read in the
    script: the file makers run without the session)."""
    return (st.session_state.get("present_scheme", "YlGnBu"),
            bool(st.session_state.get("present_hc", False)), context.settings().static_tiles)


def map_request(slide: Slide, *, scheme: str = "YlGnBu", high_contrast: bool = False,
                basemap: str = "") -> MapRequest:
    """What the static map of a saved view shows (``basemap``: the tile address)."""
    selected = slide.selected[1] if slide.selected and slide.selected[0] == "area" else None
    outline = slide.outlines.geometry.iloc[0] if slide.outlines is not None else None
    return MapRequest(slide.data.area_set, slide.measure, slide.shown, title=slide.view.title,
                      selected_area=selected, outline=outline,
                      view=view_from_link(slide.view.params), scheme=scheme,
                      high_contrast=high_contrast, basemap=basemap)


def _map_png(slide: Slide, display: tuple[str, bool, str]) -> bytes:
    scheme, contrast, tiles = display
    return figure_bytes(map_figure(map_request(slide, scheme=scheme, high_contrast=contrast,
                                              basemap=tiles)), "png")


def _profile_page(slide: Slide, display: tuple[str, bool, str]) -> ProfilePage:
    profile = community_profile(slide.data.area_set, slide.data.assets, slide.geoids,
                                title=f"{slide.view.title}: {slide.selection_title}")
    return ProfilePage(profile, _map_png(slide, display), slide.data.area_set)


def view_downloads(view: SavedView, *, key: str) -> None:
    """Download buttons for one view: map image (PNG, PDF), PDF profile, offline map."""
    staff, display = access.is_staff(), _display()
    scheme, contrast, tiles = display
    stem = file_stem(view.title)

    def made(kind: str) -> Callable[[], bytes | str]:
        def make() -> bytes | str:
            slide = slide_of(view, staff=staff)
            if kind == "png":
                return _map_png(slide, display)
            if kind == "pdf":
                return figure_bytes(map_figure(map_request(
                    slide, scheme=scheme, high_contrast=contrast, basemap=tiles)), "pdf")
            if kind == "profile":
                return profile_pdf([_profile_page(slide, display)])
            return standalone_map(map_request(slide, scheme=scheme),
                                  leaflet_dir=LOCAL_LEAFLET_DIR)
        return make

    a, b = st.columns(2)
    a.download_button("Map image (PNG)", made("png"), file_name=f"{stem}-map.png",
                      mime="image/png", key=f"{key}_png", on_click="ignore",
                      icon=":material/image:")
    b.download_button("Map (PDF)", made("pdf"), file_name=f"{stem}-map.pdf",
                      mime="application/pdf", key=f"{key}_pdf", on_click="ignore",
                      icon=":material/picture_as_pdf:")
    a.download_button("Profile (PDF, one page)", made("profile"),
                      file_name=f"{stem}-profile.pdf", mime="application/pdf",
                      key=f"{key}_profile", on_click="ignore", icon=":material/description:")
    local = (LOCAL_LEAFLET_DIR / "leaflet.js").exists()
    b.download_button("Interactive map (HTML, works offline)", made("html"),
                      file_name=f"{stem}-map.html", mime="text/html", key=f"{key}_html",
                      on_click="ignore", icon=":material/public:", disabled=not local,
                      help=None if local else "Needs the app's own copy of Leaflet: run "
                      "scripts/run.sh on a machine with npm.")


def story_downloads(deck: Story, views: list[SavedView], *, key: str) -> None:
    """Download buttons for a whole story: the PowerPoint deck and every view's profile."""
    staff, display = access.is_staff(), _display()
    stem = file_stem(deck.title)

    def slides() -> list[Slide]:
        return [slide_of(v, staff=staff) for v in views]

    def make_deck() -> bytes:
        items = []
        for slide in slides():
            request = map_request(slide, scheme=display[0], high_contrast=display[1],
                                  basemap=display[2])
            profile = community_profile(slide.data.area_set, slide.data.assets, slide.geoids,
                                        title=slide.selection_title)
            items.append(DeckSlide(slide.view.title, slide.view.note,
                                   figure_bytes(map_figure(request), "png"),
                                   [f"{slide.selection_title}:", *key_figures(profile)],
                                   request.source_line))
        return story_deck(deck.title, deck.note, items)

    def make_profiles() -> bytes:
        return profile_pdf([_profile_page(s, display) for s in slides()])

    a, b = st.columns(2)
    a.download_button("Deck (PowerPoint)", make_deck, file_name=f"{stem}.pptx",
                      mime="application/vnd.openxmlformats-officedocument.presentationml."
                           "presentation", key=f"{key}_pptx", on_click="ignore",
                      icon=":material/slideshow:", disabled=not views)
    b.download_button("Profiles of every view (PDF)", make_profiles,
                      file_name=f"{stem}-profiles.pdf", mime="application/pdf",
                      key=f"{key}_profiles", on_click="ignore",
                      icon=":material/picture_as_pdf:", disabled=not views)
