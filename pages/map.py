"""Map page: the newcomer measure by area, community assets, and what was clicked."""

import streamlit as st

from mapping.analysis.filters import compute_measure
from mapping.analysis.profile import area_profile, asset_details
from mapping.infra.errors import MappingError
from mapping.present.escape import markdown_text as md
from ui import context, views
from ui import messages as msg
from ui.access import is_staff
from ui.asset_forms import map_panel_actions
from ui.filters import sidebar_drawn_last
from ui.map_widget import show_map
from ui.presenting import save_view_box

# The map is sent before the sidebar's widgets: a filter change repaints it sooner.
with sidebar_drawn_last() as (data, filters):
    _, prepared = context.dataset(data.id)
    area_set = data.area_set

    measure = compute_measure(area_set, filters)
    assets = context.shown_assets(data, filters)

    st.title(md(area_set.label))
    st.caption(f"{md(measure.label)} ({md(measure.unit) or 'as published'}) · {len(prepared.geoids):,} areas "
               f"· {len(assets):,} of {len(data.assets):,} assets shown")
    # Notes that come and go live in one container that is always there: the map after it
    # keeps its place in the page, so Streamlit keeps its frame (and zoom) across reruns.
    notes = st.container()
    if measure.note:
        notes.info(md(measure.note))
    if (filters.languages or filters.origins or filters.regions) and len(data.assets) and \
            not len(assets):
        notes.info("No asset in this dataset records serving the chosen languages or communities. "
                   "Add languages and communities to asset records to see who serves whom.")

    col_map, col_side = st.columns([3, 1.25])
    with col_map:
        selection = show_map(context.live_base(data, draw=True),
                             context.live_data(data, measure, assets))
        if st.session_state.get("drawn_shape"):
            st.page_link("pages/profile.py", icon=":material/groups:",
                         label="You drew a shape: see who lives inside it")
        views.map_as_table(area_set, measure, assets)
    with col_side:
        views.find_on_map(area_set, assets)
        try:
            if selection and selection[0] == "area":
                views.area_panel(area_profile(area_set, data.assets, selection[1]))
            elif selection and selection[0] == "asset":
                views.asset_panel(asset_details(data.assets, selection[1]))
                if is_staff():
                    map_panel_actions(context.store(), selection[1])
                else:
                    st.page_link("pages/suggest.py", label="Something wrong here? Tell the library",
                                 icon=":material/feedback:", query_params={"asset": selection[1]})
            else:
                st.info("Click an area for its profile, or an asset for its details.")
        except MappingError as exc:  # e.g. a selection from another dataset
            st.session_state.pop("selection", None)
            msg.warning(str(exc))
    save_view_box("map")
