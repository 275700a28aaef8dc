"""Branches as records: add a branch (its place on a small map, address, hours, languages
served), see each branch with its staff and the languages they speak, edit a branch."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mapping.analysis.service_areas import branch_key, branches_of
from mapping.infra.errors import MappingError
from mapping.sources.catalog import language_name
from mapping.sources.datasets import Dataset
from ui import context
from ui import messages as msg
from ui.access import allowed, editor, with_accounts
from ui.asset_forms import edit_form, place_in_dataset
from ui.staff_views import capacity


def branch_table(data: Dataset) -> pd.DataFrame:
    """Every branch of the dataset with its address, hours, and (with accounts) its staff
    and the languages they speak."""
    libraries = branches_of(data.assets)
    staff: dict[str, list[str]] = {}
    spoken: dict[str, set[str]] = {}
    if with_accounts():
        for row in capacity().directory().to_dict("records"):
            staff.setdefault(row["branch"], []).append(row["name"])
            spoken.setdefault(row["branch"], set()).update(row["languages"])
    keys = [branch_key(r) for r in libraries.to_dict("records")]
    return pd.DataFrame({
        "Branch": keys, "Building": libraries["name"].to_numpy(),
        "Address": libraries["address"].to_numpy(), "Hours": libraries["hours"].to_numpy(),
        "Languages served": libraries["languages"].map(
            lambda c: ", ".join(language_name(x) for x in c)).to_numpy(),
        "Staff": [len(staff.get(k, [])) for k in keys],
        "Staff speak": [", ".join(sorted(language_name(x) for x in spoken.get(k, set())))
                        for k in keys],
        "asset_id": libraries["asset_id"].to_numpy(),
    })


def add_branch_form(data: Dataset) -> None:
    """A new branch: a library building the service areas are computed from."""
    place_in_dataset("br", data)
    with st.form("add_branch"):
        c1, c2 = st.columns(2)
        name = c1.text_input("Branch name (as staff and records name it)", key="br_name")
        address = c2.text_input("Address", key="br_address")
        hours = c1.text_input("Hours", key="br_hours", placeholder="Mon-Thu 10-8, Sat 10-5")
        langs = c2.text_input("Languages served (by ;)", key="br_langs")
        lat = c1.number_input("Latitude", -90.0, 90.0, value=None, format="%.6f",
                              key="br_lat", placeholder="click the map above")
        lon = c2.number_input("Longitude", -180.0, 180.0, value=None, format="%.6f",
                              key="br_lon", placeholder="click the map above")
        if not st.form_submit_button("Add branch", type="primary"):
            return
    if lat is None or lon is None:
        msg.error("Not added: click the branch's place on the map above first.")
        return
    if name.strip() in set(branch_table(data)["Branch"]):
        msg.error(f"Not added: there is already a branch named {name.strip()!r}.")
        return
    try:
        context.store().create_asset({
            "name": name, "branch": name, "category": "library", "address": address,
            "hours": hours, "languages": langs, "latitude": lat, "longitude": lon,
            "found_by": "public directory", "source": "branch record"}, user=editor())
    except MappingError as exc:
        msg.error(f"Not added: {exc}")
        return
    for key in [k for k in st.session_state if str(k).startswith("br_")]:
        del st.session_state[key]
    st.session_state["branch_flash"] = f"Added the branch {name.strip()}."
    st.rerun()


def edit_branch(table: pd.DataFrame) -> None:
    """Edit one branch's record (the same form and history as every asset)."""
    if table.empty:
        return
    ids = table["asset_id"].tolist()
    names = dict(zip(ids, table["Branch"], strict=True))
    picked = st.selectbox("Branch", ids, format_func=names.get, key="br_edit_pick")
    edit_form(context.store(), picked, editor(), flash_key="branch_flash")


def branch_records(data: Dataset) -> None:
    """The branches as records: the list, and (branch leads, administrators) add or edit."""
    st.subheader("Branch records")
    table = branch_table(data)
    st.caption("Service areas are computed from these records. A branch is a library "
               "building; its staff are the accounts of that branch.")
    if not table.empty:
        st.dataframe(table.drop(columns="asset_id"), hide_index=True, width="stretch")
    if not allowed("manage_branch_staff"):
        return
    with st.expander("Add a branch"):
        add_branch_form(data)
    with st.expander("Edit a branch"):
        edit_branch(table)
