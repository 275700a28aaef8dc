"""Which branch serves whom? Areas assigned to their nearest library branch."""

import pandas as pd
import streamlit as st

from mapping.escape import markdown_text as md
from mapping.filters import derived_measure
from mapping.service_areas import branches_of, summarize_branches
from ui import context
from ui import messages as msg
from ui.filters import sidebar
from ui.map_widget import show_map

data, _ = sidebar()
st.title("Which branch serves whom?")
branches = branches_of(data.assets)
if branches.empty:
    msg.warning("This dataset has no library branches (assets of category 'Library branch').")
    st.stop()
assignment, outlines = context.branch_service_areas(data)
st.caption(f"Each area goes to the nearest of {len(branches)} branches, measured in metres "
           "from a point inside the area (UTM projection of the data). Red lines outline "
           "each branch's service area.")

measure = derived_measure("Distance to the nearest branch", assignment["distance_m"],
                          unit="metres")
show_map(context.live_base(data, outline_name="Branch service areas"),
         context.live_data(data, measure, branches, outlines=outlines), height=520)

summaries = summarize_branches(data.area_set, assignment)
for s in summaries[:3]:
    st.markdown(f"- {md(s.sentence)}")
st.dataframe(pd.DataFrame([{
    "branch": s.branch, "areas": s.areas, "population": round(s.population),
    "foreign-born": round(s.foreign_born) if pd.notna(s.foreign_born) else None,
    "± MOE": round(s.foreign_born_moe) if pd.notna(s.foreign_born_moe) else None,
    "largest origins": ", ".join(n for n, _ in s.top_origins),
    "top limited-English language": s.top_language[0] if s.top_language else "",
    "people": round(s.top_language[1]) if s.top_language else None,
} for s in summaries]), hide_index=True, width="stretch")
