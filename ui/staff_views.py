"""The staff page's views: workload per branch and person, the directory, trainings, hours."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from mapping.infra.errors import MappingError
from mapping.people.accounts import ROLE_LABELS, Account
from mapping.people.capacity import TRAININGS, Capacity, branch_workload, involvement_by_quarter
from mapping.records.store import INVOLVEMENT
from mapping.sources.catalog import language_name
from ui import context
from ui import messages as msg
from ui.access import accounts


@st.cache_resource(show_spinner=False)
def _capacity(url: str) -> Capacity:
    return Capacity(context.store(), accounts())


def capacity() -> Capacity:
    """Trainings and workload of the shared asset database."""
    return _capacity(context.settings().store_url)


def workload_tables(per_person: pd.DataFrame) -> None:
    """Per branch, then per person; people over their hours or missing trainings stand out."""
    st.markdown("**Per branch**")
    st.dataframe(branch_workload(per_person).rename(columns=_HEADINGS), hide_index=True,
                 width="stretch")
    st.markdown("**Per person**")
    shown = per_person.rename(columns=_HEADINGS)

    def flag(row: pd.Series) -> list[str]:
        alert = row["Over hours set aside"] or row["Overdue steps"] > 0
        return ["background-color: #fdd" if alert else "" for _ in row]

    st.dataframe(shown.style.apply(flag, axis=1).format(
        {"Hours logged": "{:.1f}", "Hours planned": "{:.1f}"}), hide_index=True, width="stretch")
    st.caption("Red: hours logged and planned this month exceed the hours set aside, or a "
               "step is overdue.")


_HEADINGS = {"name": "Name", "branch": "Branch", "people": "People",
             "hours_set_aside": "Hours set aside", "hours_logged": "Hours logged",
             "hours_planned": "Hours planned", "overdue_steps": "Overdue steps",
             "trainings_missing": "Trainings missing", "over": "Over hours set aside"}


def directory_table(directory: pd.DataFrame) -> None:
    """The staff directory: languages, hours, each training's date, what is missing."""
    shown = pd.DataFrame({
        "Name": directory["name"], "Branch": directory["branch"],
        "Role": directory["role"].map(ROLE_LABELS),
        "Languages": directory["languages"].map(
            lambda c: ", ".join(language_name(x) for x in c)),
        "Hours/month": directory["hours_per_month"],
        **{t.capitalize(): directory[t].map(lambda d: "" if d is None else str(d))
           for t in TRAININGS},
        "Missing": directory["missing"].map(", ".join),
    })
    st.dataframe(shown, hide_index=True, width="stretch")


def manage_forms(directory: pd.DataFrame, me: Account | None, by: str) -> None:
    """Record a training; set someone's hours and languages (branch leads: their branch)."""
    mine = directory if me is None or me.role == "admin" else \
        directory[directory["branch"] == me.branch]
    if mine.empty:
        st.caption("No one in your branch yet.")
        return
    names = dict(zip(mine["account_id"], mine["name"], strict=True))
    with st.form("record_training"):
        c1, c2, c3 = st.columns([2, 2, 1])
        who = c1.selectbox("Person", list(names), format_func=names.get, key="tr_who")
        what = c2.selectbox("Training", TRAININGS, key="tr_what")
        when = c3.date_input("Completed on", key="tr_when")
        if st.form_submit_button("Record training"):
            _done(lambda: capacity().record_training(int(who), what, when, by=by),
                  f"Recorded: {names[who]}, {what}.")
    with st.form("set_hours"):
        c1, c2, c3 = st.columns([2, 1, 2])
        who = c1.selectbox("Person", list(names), format_func=names.get, key="hr_who")
        row = mine.set_index("account_id").loc[who]
        hours = c2.number_input("Hours per month for community work", 0, 744,
                                int(row["hours_per_month"]), key=f"hr_hours_{who}")
        langs = c3.text_input("Languages spoken (by ;)",
                              "; ".join(language_name(c) for c in row["languages"]),
                              key=f"hr_langs_{who}")
        if st.form_submit_button("Save"):
            _done(lambda: accounts().update(int(who), by=by, hours_per_month=int(hours),
                                            languages=[x for x in langs.split(";")
                                                       if x.strip()]),
                  f"Saved {names[who]}.")


def _done(action, what: str) -> None:
    try:
        action()
    except MappingError as exc:
        msg.error(f"Not saved: {exc}")
        return
    st.session_state["staff_flash"] = what
    st.rerun()


def involvement_chart(log: pd.DataFrame, branch: str | None) -> None:
    """Outreach entries per quarter by involvement stage: is the work moving toward
    community-led?"""
    counts = involvement_by_quarter(log, branch=branch)
    if counts.empty:
        st.caption("No outreach entry says its involvement stage yet (the outreach form "
                   "asks for it).")
        return
    chart = alt.Chart(counts).mark_bar().encode(
        x=alt.X("quarter:N", title="Quarter"),
        y=alt.Y("entries:Q", title="Outreach entries"),
        color=alt.Color("involvement:N", sort=list(INVOLVEMENT), title="Involvement",
                        scale=alt.Scale(domain=list(INVOLVEMENT), scheme="viridis")),
        order=alt.Order("stage:Q"),
        tooltip=["quarter", "involvement", "entries"],
    ).transform_calculate(stage=f"indexof({list(INVOLVEMENT)}, datum.involvement)")
    st.altair_chart(chart, width="stretch")
    st.dataframe(counts.pivot(index="quarter", columns="involvement", values="entries")
                 .reindex(columns=[s for s in INVOLVEMENT if s in set(counts["involvement"])])
                 .fillna(0).astype(int), width="stretch")
