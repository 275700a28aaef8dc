"""Views and stories: what presenters saved, ordered into decks, and presented."""

import streamlit as st

from ui.access import require
from ui.filters import sidebar
from ui.presenting import stories
from ui.story_forms import stories_section, views_section

sidebar()
st.title("Views and stories")
require("save_views")
st.caption("A saved view is a page of the app as you set it up: dataset, filters, the map's "
           "place and zoom, the area or shape you picked. Order views into a story to present "
           "them one after another, full screen.")
views = stories().views()
decks = stories().stories()
stories_tab, views_tab = st.tabs([f"Stories ({len(decks)})", f"Saved views ({len(views)})"])
with stories_tab:
    stories_section(views, decks)
with views_tab:
    views_section(views)
