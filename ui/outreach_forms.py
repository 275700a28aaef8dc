"""Outreach page widgets: log a contact in a few clicks, and the action plan."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from mapping.infra.errors import MappingError
from mapping.present.escape import markdown_text as md
from mapping.records.assets import ENTRY_TECHNIQUES
from mapping.records.store import ACTION_STATUSES, INVOLVEMENT, Store
from mapping.sources.catalog import language_name, parse_languages
from mapping.sources.datasets import Dataset
from ui import messages as msg
from ui.access import owner_choices

NONE = "(none)"


def log_form(store: Store, data: Dataset, user: str, *, pending: bool = False) -> None:
    """Log a contact; the asset or area clicked on the map comes preselected. A
    contributor's entry (``pending``) waits for staff to review it."""
    stored = store.assets_frame()
    if pending:  # a contributor picks among the places the public may see
        stored = stored[stored["visibility"] != "staff"]
    names = dict(zip(stored["asset_id"], stored["name"], strict=True))
    areas = data.area_set.areas
    clicked = st.session_state.get("selection") or ("", "")
    asset_options = [NONE, *names]
    area_options = [NONE, *areas.index]
    with st.form("log_contact"):  # cleared only once logged: a refusal keeps what was typed
        c1, c2, c3 = st.columns(3)
        day = c1.date_input("Date", value=date.today(), key="log_date")
        technique = c2.selectbox("How", ENTRY_TECHNIQUES, index=1, key="log_how")
        branch = c3.text_input("Branch", key="log_branch")
        asset = c1.selectbox("Asset", asset_options, format_func=lambda a: names.get(a, a),
                             index=asset_options.index(clicked[1]) if clicked[0] == "asset"
                             and clicked[1] in names else 0)
        area = c2.selectbox("Area", area_options,
                            format_func=lambda g: g if g == NONE else str(areas.at[g, "name"]),
                            index=area_options.index(clicked[1]) if clicked[0] == "area"
                            and clicked[1] in areas.index else 0)
        languages = c3.text_input("Languages used (by ;)", key="log_langs")
        minutes = c1.number_input("Time spent (minutes)", 0, 1440, 0, step=15, key="log_minutes")
        stage = c2.selectbox("Involvement", ["", *INVOLVEMENT], key="log_stage",
                             format_func=lambda s: s or "(not said)",
                             help="Where this work sits on the public involvement continuum: "
                                  "the library informs, consults, involves, collaborates, or "
                                  "the community leads.")
        summary = st.text_area("What happened", key="log_summary")
        follow_up = st.text_input("Follow-up", key="log_follow")
        if not st.form_submit_button("Log contact", type="primary"):
            return
    try:
        store.log_outreach(date=day, technique=technique, staff=user, branch=branch,
                           asset_id=None if asset == NONE else asset,
                           geoid=None if area == NONE else area,
                           languages=parse_languages(languages), summary=summary,
                           follow_up=follow_up, minutes=int(minutes), involvement=stage,
                           review="pending" if pending else "")
    except MappingError as exc:
        msg.error(f"Not logged: {exc}")
        return
    for key in ("log_summary", "log_follow", "log_langs", "log_minutes"):
        st.session_state.pop(key, None)
    st.session_state["outreach_flash"] = "Logged."
    st.rerun()


def log_table(store: Store, *, only: str | None = None) -> pd.DataFrame:
    """The outreach log as a person reads it (``only``: one person's entries)."""
    log = store.outreach_log()
    if only is not None:
        log = log[log["staff"] == only]
    return pd.DataFrame({"date": log["date"], "how": log["technique"], "staff": log["staff"],
                         "branch": log["branch"], "asset": log["asset"], "area": log["geoid"],
                         "languages": log["languages"].map(
                             lambda c: ", ".join(language_name(x) for x in c)),
                         "minutes": log["minutes"], "involvement": log["involvement"],
                         "review": log["review"].replace("", "by staff"),
                         "summary": log["summary"], "follow-up": log["follow_up"]})


def plan(store: Store, user: str) -> None:
    """The action plan: filters, overdue steps highlighted, add a step, change a status."""
    frame = store.action_plan()
    branches, owners = sorted(set(frame["branch"]) - {""}), sorted(set(frame["owner"]))
    c1, c2 = st.columns(2)
    # Filters only when there is something to filter (an empty one is drawn faint).
    branch = c1.multiselect("Branch", branches, key="plan_branch") if branches else []
    owner = c2.multiselect("Owner", owners, key="plan_owner") if owners else []
    keep = pd.Series(True, index=frame.index)
    if branch:
        keep &= frame["branch"].isin(branch)
    if owner:
        keep &= frame["owner"].isin(owner)
    shown = frame.loc[keep]
    view = shown[["id", "step", "owner", "due", "hours", "status", "branch", "overdue"]]
    st.dataframe(view.style.apply(lambda r: ["background-color: #fdd" if r["overdue"] else ""
                                             for _ in r], axis=1),
                 hide_index=True, width="stretch")
    if len(shown):
        c1, c2, c3 = st.columns([2, 1, 1])
        pick = c1.selectbox("Action", shown["id"].tolist(), key="plan_pick",
                            format_func=lambda i: str(shown.set_index("id").at[i, "step"]))
        status = c2.selectbox("New status", ACTION_STATUSES, key="plan_status")
        if c3.button("Update status"):
            version = int(shown.set_index("id").at[pick, "version"])
            try:
                store.set_action_status(int(pick), status, expected_version=version,
                                        user=user or "unknown")
                st.rerun()
            except MappingError as exc:
                msg.error(str(exc))
    with st.form("add_step"):  # cleared only once added
        c1, c2, c3, c4, c5 = st.columns([3, 1.4, 1, 0.8, 1])
        step = c1.text_input("Next step", key="step_text")
        owners = owner_choices()
        who = (c2.selectbox("Owner", owners, key="step_owner") if owners
               else c2.text_input("Owner", key="step_owner"))
        due = c3.date_input("Due", value=None, key="step_due")
        hours = c4.number_input("Hours", 0.0, 744.0, 0.0, step=0.5, key="step_hours")
        where = c5.text_input("Branch ", key="step_branch")
        if st.form_submit_button("Add step"):
            try:
                store.add_action(step=step, owner=who or "", due=due, branch=where,
                                 user=user or "unknown", hours=float(hours))
            except MappingError as exc:
                msg.error(f"Not added: {exc}")
                return
            for key in ("step_text", "step_owner", "step_due", "step_hours"):
                st.session_state.pop(key, None)
            st.rerun()


def review_entries(store: Store, user: str) -> None:
    """Entries contributors logged, waiting for staff: accept (they count) or decline."""
    log = store.outreach_log()
    waiting = log[log["review"] == "pending"]
    if waiting.empty:
        st.caption("No entries from contributors wait for review.")
        return
    for row in waiting.head(20).to_dict("records"):
        with st.container(border=True):
            st.markdown(md(f"{row['date']} · {row['technique']} · {row['staff']}"
                           + (f" · {row['branch']}" if row["branch"] else "")))
            st.caption(md(row["summary"]))
            c1, c2 = st.columns(2)
            for column, accept, label in ((c1, True, "Accept"), (c2, False, "Decline")):
                if column.button(label, key=f"review_{row['id']}_{label}"):
                    try:
                        store.review_outreach(int(row["id"]), accept=accept, by=user)
                    except MappingError as exc:
                        msg.error(str(exc))
                        return
                    st.session_state["outreach_flash"] = f"{label}ed."
                    st.rerun()
