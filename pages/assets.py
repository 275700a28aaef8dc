"""Asset database: search, add, edit, verify, delete and restore the shared community assets."""

import streamlit as st

from mapping.analysis.filters import service_tags
from mapping.records.assets import CATEGORIES, STATUSES, category, search_records
from mapping.sources.catalog import language_name
from ui import context
from ui import messages as msg
from ui.access import editor, require_staff
from ui.asset_forms import (
    PAGE_SIZE,
    add_form,
    asset_section,
    export_buttons,
    import_form,
    readable_records,
    review_section,
    sources_section,
)
from ui.filters import sidebar
from ui.suggest_forms import review_queue, suggestions

data, _ = sidebar()
st.title("Asset database")
require_staff()
store = context.store()
st.caption(f"Shared by every branch: {store.count_assets():,} assets. Every change is kept in "
           "the history; a change made at the same time as yours never overwrites it.")
# What appears or goes (a message, the page number, the picked asset) sits in a container
# that is always there: otherwise the sections below move and Streamlit folds an open one
# (the import's result was hidden by the very click that asked for it).
flash = st.container()
if "asset_flash" in st.session_state:  # the outcome of an import, after the page refreshed
    with flash:
        msg.success(st.session_state.pop("asset_flash"))
user = editor()
records = store.assets_frame(include_deleted=st.toggle("Show deleted assets", key="show_deleted"))
c1, c2, c3, c7 = st.columns([2, 1.4, 1, 1.4])
c4, c8, c5, c6 = st.columns([2, 1.4, 1.4, 1])
codes = sorted({c for langs in records["languages"] for c in langs}, key=language_name)
found = search_records(
    records, text=c1.text_input("Search (name, organization, services, address)",
                                key="asset_search"),
    categories=c2.multiselect("Category", [c.key for c in CATEGORIES], key="asset_cats",
                              format_func=lambda k: category(k).label),
    statuses=c3.multiselect("Status", STATUSES, key="asset_status"),
    services=c7.multiselect("Service", list(service_tags(records)), key="asset_services"),
    languages=c4.multiselect("Serves in", codes, format_func=language_name, key="asset_langs"),
    communities=c8.multiselect("Serves community",
                               sorted({c for cs in records["communities"] for c in cs}),
                               key="asset_communities"),
    branches=c5.multiselect("Branch", store.branch_names(), key="asset_branch"),
    unverified_months=c6.number_input("Not verified in N months (0: all)", 0, 120, 0,
                                      key="asset_stale") or None)
pages = max(1, -(-len(found) // PAGE_SIZE))
if st.session_state.get("asset_page", 1) > pages:  # a narrower search: back to its last page
    st.session_state["asset_page"] = pages
with st.container():
    page = int(st.number_input(f"Page (of {pages:,})", 1, pages, 1, key="asset_page")
               if pages > 1 else 1)
on_page = found.iloc[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
st.caption(f"{len(found):,} found" + (f" · showing {(page - 1) * PAGE_SIZE + 1:,}–"
                                      f"{(page - 1) * PAGE_SIZE + len(on_page):,}"
                                      if pages > 1 else "") + ". Pick a row to open it.")
picked = st.dataframe(readable_records(on_page), hide_index=True, width="stretch",
                      on_select="rerun", selection_mode="single-row", key="asset_table")
rows = picked.selection.rows if picked else []
with st.container():  # always there, so the sections below never move
    if rows and rows[0] < len(on_page):
        asset_section(store, on_page.iloc[rows[0]], user)
sources_section(data)
with st.expander(f"Community suggestions ({suggestions().count_open():,} waiting)"):
    review_queue(user)
with st.expander("To review: likely duplicates and source changes to edited records"):
    review_section(store, user)
with st.expander("Add an asset"):
    west, south, east, north = data.area_set.areas.total_bounds
    add_form(store, user, centre=((south + north) / 2, (west + east) / 2))
with st.expander("Import assets from a file"):
    import_form(store, data, user)
with st.expander("Export (public: staff-only sites left out, sensitive sites approximate)"):
    export_buttons(found, data.area_set.areas)
