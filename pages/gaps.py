"""Where are the gaps? Need against access, ranked, and where to go next."""

from dataclasses import replace

import streamlit as st

from mapping.analysis.filters import compute_measure, derived_measure, format_distance
from mapping.analysis.gaps import (
    GAP_FORMULA,
    RANKED,
    candidate_sites,
    coverages_of,
    gap_table,
    greedy_sites,
    highlight_outlines,
    surveyed_areas,
)
from mapping.infra.errors import MappingError
from mapping.present.escape import markdown_text as md
from ui import context, url
from ui import messages as msg
from ui.filters import sidebar
from ui.gap_views import (
    coverage_note,
    gap_ranking_table,
    picks_table,
    radius_input,
    refuse_what_cannot_be_answered,
    unknown_need_table,
    with_staff_languages,
)
from ui.map_widget import show_map
from ui.presenting import save_view_box

data, filters = sidebar()
save_view_box("gaps")
area_set = data.area_set
st.title("Where are the gaps?")
st.caption("The community is what the sidebar picks (languages, else origins, else the "
           "indicator); the services are the sidebar's categories and services.")
SITE_KINDS = ["branches", "assets", "areas"]
unit = context.settings().distance_unit
url.restore("gap_k", "k", default=5, decode=url.int_in(1, 20))
url.restore("gap_sites", "sites", default=SITE_KINDS,
            decode=lambda t: [v for v in t.split(",") if v in SITE_KINDS])
records_language = bool(data.assets["languages"].map(len).any())
url.restore("gap_strict", "strict", default=records_language, decode=lambda t: t == "1")
c1, c2, c3 = st.columns(3)
radius = radius_input(c1, unit)  # metres
k = c2.number_input("Sites to pick", 1, 20, key="gap_k")
kinds = c3.multiselect("Candidate sites", SITE_KINDS, key="gap_sites")
strict = st.checkbox("Only services offered in the chosen language / to the chosen community",
                     key="gap_strict", disabled=not records_language,
                     help="Off when no asset of this dataset records its languages.")
if not records_language:
    st.caption("Greyed out: no asset of this dataset records the languages it offers (add "
               "them on the Asset database page).")
strict = strict and records_language
url.keep("k", int(k), default=5)
url.keep("sites", ",".join(kinds) or "none", default=",".join(SITE_KINDS))
url.keep("strict", int(strict), default=int(records_language))
try:
    need = compute_measure(area_set, replace(filters, measure="count"))
    service_filters = filters if strict else replace(filters, languages=(), origins=(),
                                                     regions=())
    matching = context.shown_assets(data, service_filters)
except MappingError as exc:
    msg.error(str(exc))
    st.stop()
refuse_what_cannot_be_answered(data.assets, matching, need)
coverages = coverages_of(matching, data.assets,
                         {s.key: s.coverage for s in data.asset_sources if s.coverage})
surveyed = surveyed_areas(area_set, coverages)
try:
    gaps = gap_table(area_set, need, matching, radius_m=float(radius), surveyed=surveyed)
    picks = greedy_sites(area_set, gaps, candidate_sites(area_set, data.assets,
                                                         kinds=tuple(kinds)),
                         k=int(k), radius_m=float(radius)) if kinds else []
except MappingError as exc:
    msg.error(str(exc))
    st.stop()
ranked = gaps[gaps["status"] == RANKED]

st.markdown(f"Red outlines: the 10 worst gaps and the areas each pick reaches.  \n"
            f"**Need:** {md(need.label)}. **Matching services:** {len(matching):,} assets.  \n"
            f"**{GAP_FORMULA}.** An area is *served* when a matching service lies within "
            f"{format_distance(radius, unit)}.")
coverage_note(coverages, gaps)
score = derived_measure("Gap score (people × km)", gaps["gap_score"].reindex(area_set.areas.index),
                        unit="people × km", no_data_label="not ranked: not surveyed, or need unknown")
outline_name = "Worst gaps and the areas each pick reaches"
show_map(context.live_base(data, outline_name=outline_name),
         context.live_data(data, score, matching,
                           outlines=highlight_outlines(area_set, gaps, picks)), height=520)
st.markdown("#### Worst gaps")
st.caption("An unreliable need (its margin of error is large) is marked: the gap may be "
           "smaller, or larger, than it looks.")
st.dataframe(with_staff_languages(gap_ranking_table(ranked.head(25), unit), data, filters),
             hide_index=True, width="stretch")
unknown_need_table(gaps, unit)
st.markdown(f"#### Where to go next: {len(picks)} site(s) within "
            f"{format_distance(radius, unit)} of unserved need")
st.dataframe(picks_table(picks, gaps), hide_index=True, width="stretch")
