"""Suggest a place, or say what is wrong with one: anyone may, the library reviews each."""

import streamlit as st

from ui import messages as msg
from ui.filters import sidebar
from ui.suggest_forms import report_problem_form, suggest_place_form

data, _ = sidebar()
st.title("Tell the library about a place")
st.caption("Know a place that helps newcomers, or see something wrong on the map? Library "
           "staff review every suggestion before it appears.")
flash = st.container()
if "sg_flash" in st.session_state:
    with flash:
        msg.success(st.session_state.pop("sg_flash"))
asset_id = st.query_params.get("asset")
kinds = ["A place that helps newcomers", "Something is wrong with a place on the map"]
kind = st.radio("What would you like to tell us?", kinds, horizontal=True,
                index=1 if asset_id else 0, key="suggest_kind")
if kind == kinds[0]:
    suggest_place_form(data)
else:
    report_problem_form(data, asset_id)
