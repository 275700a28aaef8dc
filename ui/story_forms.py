"""The "Views and stories" page's parts: saved views, stories made of them, and their
links to presentation mode."""

from __future__ import annotations

import streamlit as st

from mapping.present.escape import markdown_text as md
from mapping.present.stories import MAX_NOTE, MAX_SLIDES, MAX_TITLE, SavedView, Story
from ui import messages as msg
from ui.pack_views import story_downloads, view_downloads
from ui.presenting import author, open_view, safely, stories, view_caption


def _may_change(owner_id: int | None) -> bool:
    who = author()
    return who.may_change_all or (owner_id is not None and owner_id == who.account_id)


def views_section(views: list[SavedView]) -> None:
    """Every saved view: open it, present it, and (its author) edit or delete it."""
    if not views:
        st.info("No saved view yet. On the Map, Who lives here?, Branches or Service gaps "
                "page, set up what you want to show, then use *Save this view* in the sidebar.")
        return
    for view in views:
        with st.container(border=True, key=f"saved_view_{view.id}"):
            st.markdown(f"**{md(view.title)}**")
            st.caption(view_caption(view))
            if view.note:
                st.markdown(md(view.note))
            a, b, c = st.columns([1, 1, 3])
            if a.button("Open", key=f"open_{view.id}", icon=":material/open_in_new:"):
                open_view(view)
            b.page_link("pages/present.py", label="Present", icon=":material/slideshow:",
                        query_params={"sv": str(view.id)})
            with c.expander("Meeting pack: map image, profile, offline map",
                            icon=":material/download:"):
                view_downloads(view, key=f"pack_view_{view.id}")
            if _may_change(view.owner_id):
                with c.expander("Edit or delete"):
                    _edit_view(view)


def _edit_view(view: SavedView) -> None:
    with st.form(f"edit_view_{view.id}_{view.version}"):
        title = st.text_input("Title", value=view.title, max_chars=MAX_TITLE)
        note = st.text_area("Note", value=view.note, max_chars=MAX_NOTE)
        if st.form_submit_button("Save changes") and safely(
                "Not saved", stories().update_view, view.id, expected_version=view.version,
                author=author(), title=title, note=note):
            st.rerun()
    sure = st.checkbox("Yes, delete this view", key=f"sure_view_{view.id}")
    if st.button("Delete view", key=f"delete_view_{view.id}", disabled=not sure):
        left = safely("Not deleted", stories().delete_view, view.id,
                      expected_version=view.version, author=author())
        if left is not None:
            if left:
                st.session_state["_story_note"] = (
                    f"The view was also taken out of the stories: {', '.join(left)}.")
            st.rerun()


def stories_section(views: list[SavedView], decks: list[Story]) -> None:
    """Make a story of saved views; present, reorder or delete the stories there are."""
    titles = {v.id: v.title for v in views}
    if note := st.session_state.pop("_story_note", None):
        msg.info(note)
    if views:
        with st.expander("Make a story", icon=":material/add:", expanded=not decks):
            n = st.session_state.get("_new_story_form", 0)
            with st.form(f"new_story_{n}"):
                title = st.text_input("Title of the story", max_chars=MAX_TITLE)
                note = st.text_area("Note", max_chars=MAX_NOTE, height=80)
                chosen = st.multiselect(
                    "Views, in the order to show them", list(titles), format_func=titles.get,
                    max_selections=MAX_SLIDES,
                    help="Pick them in order; remove and pick again to move one.")
                if st.form_submit_button("Make the story", icon=":material/slideshow:") and \
                        safely("Not saved", stories().create_story, title=title, note=note,
                               view_ids=chosen, author=author()):
                    st.session_state["_new_story_form"] = n + 1
                    st.rerun()
    if not decks:
        st.caption("No story yet.")
    for deck in decks:
        with st.container(border=True, key=f"story_{deck.id}"):
            st.markdown(f"**{md(deck.title)}** ({len(deck.view_ids)} views)")
            st.caption(md(f"by {deck.owner or 'unknown'} · {deck.updated_at:%Y-%m-%d %H:%M}"))
            if deck.note:
                st.markdown(md(deck.note))
            for i, view_id in enumerate(deck.view_ids, start=1):
                st.markdown(f"{i}\\. {md(titles.get(view_id, '(deleted view)'))}")
            st.page_link("pages/present.py", label="Present this story",
                         icon=":material/slideshow:", query_params={"story": str(deck.id)})
            with st.expander("Meeting pack: the deck and the profiles",
                             icon=":material/download:"):
                story_downloads(deck, _in_order(views, deck), key=f"pack_story_{deck.id}")
            if _may_change(deck.owner_id):
                with st.expander("Reorder, edit or delete"):
                    _edit_story(deck, titles)


def _edit_story(deck: Story, titles: dict[int, str]) -> None:
    with st.form(f"edit_story_{deck.id}_{deck.version}"):
        title = st.text_input("Title", value=deck.title, max_chars=MAX_TITLE)
        note = st.text_area("Note", value=deck.note, max_chars=MAX_NOTE)
        chosen = st.multiselect("Views, in order", list(titles), format_func=titles.get,
                                default=[v for v in deck.view_ids if v in titles],
                                max_selections=MAX_SLIDES)
        if st.form_submit_button("Save changes") and safely(
                "Not saved", stories().update_story, deck.id, expected_version=deck.version,
                author=author(), title=title, note=note, view_ids=chosen):
            st.rerun()
    sure = st.checkbox("Yes, delete this story (its views stay)", key=f"sure_story_{deck.id}")
    if st.button("Delete story", key=f"delete_story_{deck.id}", disabled=not sure):
        safely("Not deleted", stories().delete_story, deck.id, expected_version=deck.version,
               author=author())
        st.rerun()


def _in_order(views: list[SavedView], deck: Story) -> list[SavedView]:
    by_id = {v.id: v for v in views}
    return [by_id[i] for i in deck.view_ids if i in by_id]
