"""Data page: what is loaded (sources, load report, catalog) and adding your own data."""

import pandas as pd
import streamlit as st

from mapping.present.escape import markdown_text as md
from mapping.sources.catalog import TOPICS
from ui import context
from ui import messages as msg
from ui.access import require
from ui.filters import sidebar
from ui.upload import remove_form, upload_form

data, _ = sidebar()
area_set = data.area_set

st.title("Data")
st.subheader(md(area_set.label))
st.markdown(f"**Source:** {md(area_set.source)}  \n**Year:** {md(area_set.year) or 'not given'}")
c1, c2, c3 = st.columns(3)
c1.metric("Areas", f"{len(area_set.areas):,}")
c2.metric("Statistics", f"{len(area_set.catalog):,}")
c3.metric("Assets", f"{len(data.assets):,}")

report = data.report
with st.expander(f"Load report ({len(report.warnings)} warnings, {len(report.rejected)} rows "
                 "refused)", expanded=bool(report.warnings or report.rejected)):
    for line in report.warnings:
        msg.warning(line)
    for line in report.notes:
        msg.bullet(line)
    if report.rejected:
        st.dataframe(pd.DataFrame([vars(r) for r in report.rejected]), hide_index=True)

with st.expander("Statistics in this dataset"):
    st.dataframe(pd.DataFrame([{
        "id": v.id, "label": v.label, "topic": TOPICS[v.topic], "universe": v.universe or "",
        "region": v.region or "", "language group": v.language or "", "kind": v.kind,
    } for v in area_set.catalog]), hide_index=True, width="stretch")

with st.expander("All datasets"):
    st.dataframe(pd.DataFrame([{"id": e.id, "name": e.name, "available": e.available,
                                "why not": e.reason} for e in context.datasets()]),
                 hide_index=True, width="stretch")

st.header("Add your own data")
require("manage_datasets", "administrators")  # every visitor sees a saved dataset
if flash := st.session_state.pop("data_flash", None):
    msg.success(flash)
upload_form()
remove_form()
