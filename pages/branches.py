"""Which branch serves whom? Areas assigned to their nearest library branch."""

import pandas as pd
import streamlit as st

from mapping.analysis.filters import METRES_PER, derived_measure, format_distance
from mapping.analysis.service_areas import branches_of, summarize_branches
from mapping.present.escape import markdown_text as md
from ui import context
from ui import messages as msg
from ui.branch_forms import branch_records
from ui.filters import sidebar
from ui.map_widget import show_map
from ui.presenting import save_view_box

data, _ = sidebar()
save_view_box("branches")
st.title("Which branch serves whom?")
if "branch_flash" in st.session_state:
    msg.success(st.session_state.pop("branch_flash"))
branches = branches_of(data.assets)
if branches.empty:
    msg.warning("This dataset has no library branches yet (assets of category 'Library "
                "branch'): add them below, or import them with the assets.")
    branch_records(data)
    st.stop()
assignment, outlines = context.branch_service_areas(data)
settings = context.settings()
unit, cap = settings.distance_unit, format_distance(settings.branch_max_km * 1000,
                                                    settings.distance_unit)
unserved = int(assignment["branch_id"].isna().sum())
st.caption(f"Each area goes to the nearest of {len(branches)} branches, measured from a point "
           f"inside the area, up to {cap} (setting NAM_BRANCH_MAX_KM); ties go to the branch "
           "listed first. Red lines outline each branch's service area.")
if unserved:
    msg.info(f"{unserved:,} of {len(assignment):,} areas are more than {cap} from every branch "
             "(or have no shape) and belong to no branch: they are grey on the map and left "
             "out of the branch figures below.")

measure = derived_measure("Distance to the nearest branch",
                          assignment["distance_m"] / METRES_PER[unit], unit=unit,
                          no_data_label=f"no branch within {cap}")
show_map(context.live_base(data, outline_name="Branch service areas"),
         context.live_data(data, measure, branches, outlines=outlines), height=520)

summaries = summarize_branches(data.area_set, assignment)
for s in summaries[:3]:
    st.markdown(f"- {md(s.sentence)}")
st.dataframe(pd.DataFrame([{
    "branch": s.branch, "areas": s.areas, "population": f"{s.population:,.0f}",
    "foreign-born": f"{s.foreign_born:,.0f}" if pd.notna(s.foreign_born) else "n/a",
    "± MOE": f"{s.foreign_born_moe:,.0f}" if pd.notna(s.foreign_born_moe) else "none published",
    "limited English (all languages)": f"{s.lep_total:,.0f}" if pd.notna(s.lep_total) else "n/a",
    "largest origins": ", ".join(n for n, _ in s.top_origins),
    "top limited-English language": s.top_language[0] if s.top_language else "",
    "people": f"{s.top_language[1]:,.0f}" if s.top_language else "",
} for s in summaries]), hide_index=True, width="stretch")
branch_records(data)
