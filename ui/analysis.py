"""Widgets and charts shared by the planners' pages (profile, branches, gaps)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from mapping.analysis.community import (
    CommunityProfile,
    areas_in_shape,
    community_profile,
    compare_profiles,
    profile_csv,
    profile_summary_html,
)
from mapping.analysis.moe import RELIABILITY_BY_CODE, moe_in_words
from mapping.analysis.moe import RELIABILITY_COLORS as MOE_RELIABILITY_COLORS
from mapping.analysis.service_areas import branches_of
from mapping.infra.errors import MappingError
from mapping.present.escape import markdown_text as md
from mapping.present.escape import neutralise_formula
from mapping.sources.datasets import Dataset
from ui import context, map_widget, url
from ui import messages as msg

RELIABILITY_COLORS = {RELIABILITY_BY_CODE[code].value: color  # by name, for Altair
                      for code, color in MOE_RELIABILITY_COLORS.items()}


def pick_selection(data: Dataset) -> tuple[list[str], str]:
    """Ask which areas to profile; return their ids and a title for the profile."""
    areas = data.area_set.areas
    map_widget.read_url()  # a link to this page may carry a clicked area or a drawn shape
    options = ["Everything loaded", "Areas I choose", "A branch's service area"]
    clicked = st.session_state.get("selection")
    if clicked and clicked[0] == "area" and clicked[1] in areas.index:
        options.insert(0, "The area I clicked on the map")
    shape = st.session_state.get("drawn_shape")
    if shape:
        options.insert(0, "The shape I drew on the map")
    else:
        st.caption("Tip: draw a shape with the polygon or rectangle tool on the Map page to "
                   "profile the areas inside it.")
    codes = {"The shape I drew on the map": "shape", "The area I clicked on the map": "area",
             "Everything loaded": "all", "Areas I choose": "areas",
             "A branch's service area": "branch"}
    by_code = {v: k for k, v in codes.items() if k in options}
    url.restore("profile_mode", "pm", default=options[0], decode=lambda t: by_code[t])
    if st.session_state["profile_mode"] not in options:  # e.g. the shape was cleared
        st.session_state["profile_mode"] = options[0]
    mode = st.radio("Profile of", options, horizontal=True, key="profile_mode")
    url.keep("pm", codes[mode], default=codes[options[0]])
    map_widget.write_selection_url()
    if mode == "The shape I drew on the map":
        return selection_areas(data, "shape", shape=shape)
    if mode == "The area I clicked on the map":
        return selection_areas(data, "area", clicked=clicked[1])
    if mode == "Areas I choose":
        url.restore("profile_areas", "pa", default=[],
                    decode=lambda t: [g for g in t.split(",") if g in areas.index])
        chosen = st.multiselect("Areas", list(areas.index), key="profile_areas",
                                format_func=lambda g: str(areas.at[g, "name"]))
        url.keep("pa", ",".join(chosen), default="")
        return selection_areas(data, "areas", chosen=chosen)
    if mode == "A branch's service area":
        branches = branches_of(data.assets)
        if branches.empty:
            msg.warning("This dataset has no library branches.")
            return [], ""
        assignment, _ = context.branch_service_areas(data)
        names = sorted(assignment["branch"].dropna().unique())
        url.restore("profile_branch", "pb", default=names[0] if names else None,
                    decode=lambda t: t if t in names else names[0])
        branch = st.selectbox("Branch", names, key="profile_branch")
        url.keep("pb", branch)
        return selection_areas(data, "branch", branch=branch)
    return selection_areas(data, "all")


def selection_areas(data: Dataset, mode: str, *, shape: dict[str, Any] | None = None,
                    clicked: str | None = None, chosen: Sequence[str] = (),
                    branch: str | None = None) -> tuple[list[str], str]:
    """The areas a profile's selection covers, and its title. ``mode`` is the profile
    page's (and its link's ``pm``): ``shape``, ``area``, ``areas``, ``branch`` or
    ``all``; the saved views of presenters read it the same way."""
    areas = data.area_set.areas
    if mode == "shape" and shape is not None:
        geoids = areas_in_shape(data.area_set, shape)
        return geoids, f"{len(geoids)} areas inside the shape drawn on the map"
    if mode == "area" and clicked is not None:
        return [clicked], str(areas.at[clicked, "name"])
    if mode == "areas":
        return list(chosen), f"{len(chosen)} chosen areas of {data.area_set.title}"
    if mode == "branch" and branch is not None:
        assignment, _ = context.branch_service_areas(data)
        return list(assignment.index[assignment["branch"] == branch]), f"Service area of {branch}"
    return list(areas.index), f"All of {data.area_set.label}"


def figure_chart(rows: pd.DataFrame, *, title: str) -> alt.Chart:
    """Bars of estimates with their 90% margins of error, coloured by reliability."""
    frame = rows.assign(
        low=(rows["estimate"] - rows["moe"]).clip(lower=0),
        high=rows["estimate"] + rows["moe"],
        reliability_text=rows["reliability"].map(lambda c: RELIABILITY_BY_CODE[int(c)].value),
    )
    y = alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=260))
    colors = alt.Scale(domain=list(RELIABILITY_COLORS), range=list(RELIABILITY_COLORS.values()))
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("estimate:Q", title="people"), y=y,
        color=alt.Color("reliability_text:N", scale=colors, title="reliability",
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("estimate:Q", format=",.0f"),
                 alt.Tooltip("moe:Q", format=",.0f", title="± MOE"),
                 alt.Tooltip("reliability_text:N", title="reliability")])
    errors = alt.Chart(frame).mark_rule(color="black").encode(x="low:Q", x2="high:Q", y=y)
    return (bars + errors).properties(title=title, height=alt.Step(24))


RELIABILITY_HELP = ("Census figures are estimates from a sample. The margin of error (at 90% "
                    "confidence) gives the range the true number likely lies in. Reliable: "
                    "the margin is small next to the estimate; use with caution: it is "
                    "sizeable; unreliable: it is so large that the figure is a rough order of "
                    "magnitude only.")


def figures_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The figures as a person reads them (what each share is of, and the variables each
    comes from, are in :func:`sources_table`)."""
    return pd.DataFrame({
        "": rows["label"],
        "estimate": rows["estimate"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "n/a"),
        "± margin": rows["moe"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "none published"),
        "share": [f"{s * 100:.1f}% ± {m * 100:.1f}" if pd.notna(m) else f"{s * 100:.1f}%"
                  if pd.notna(s) else "" for s, m in zip(rows["share"], rows["share_moe"],
                                                        strict=True)],
        "reliability": rows["reliability"].map(lambda c: RELIABILITY_BY_CODE[int(c)].value),
        "note": rows["note"],
    })


def sources_table(figures: pd.DataFrame) -> pd.DataFrame:
    """Where each figure comes from: its universe and the source variables summed."""
    return pd.DataFrame({"figure": figures["label"], "share of": figures["universe"],
                         "source variables": figures["source_variables"]})


def show_profile(profile: CommunityProfile, *, top: int = 10) -> None:
    """Render a community profile: headline numbers, charts, tables, assets, downloads."""
    for note in profile.notes:
        msg.warning(note)
    pop = profile.section("Population").set_index("variable")
    cols = st.columns(3)
    for col, (_, row) in zip(cols, pop.iterrows(), strict=False):
        share = f" ({row['share'] * 100:.1f}%)" if pd.notna(row["share"]) else ""
        col.metric(md(row["label"]), f"{row['estimate']:,.0f}{share}",
                   help=RELIABILITY_HELP)
        col.caption(md(moe_in_words(row["estimate"], row["moe"])
                       + (f". {row['note']}" if row["note"] else "")))
    for section in profile.figures["section"].unique():
        if section == "Population":
            continue
        rows = profile.section(section)
        if section in ("Countries of birth", "Limited English by language"):
            rows = rows[rows["estimate"] > 0].head(top)
        if rows.empty:
            continue
        st.markdown(f"#### {md(section)}")
        left, right = st.columns([1, 1.2])
        left.altair_chart(figure_chart(rows, title=section), width="stretch")
        right.dataframe(figures_table(rows), hide_index=True, width="stretch")
    with st.expander("Where each figure comes from (Census variables)"):
        st.dataframe(sources_table(profile.figures), hide_index=True, width="stretch")
    st.markdown("#### Community assets inside")
    if profile.assets_by_category.empty:
        st.caption("No asset of this dataset lies in the selection.")
    else:
        a, b = st.columns(2)
        a.dataframe(profile.assets_by_category, hide_index=True, width="stretch")
        b.dataframe(profile.assets_by_language, hide_index=True, width="stretch")
    d1, d2 = st.columns(2)
    d1.download_button("Download the profile (CSV)", profile_csv(profile),
                       file_name="community-profile.csv", mime="text/csv")
    d2.download_button("Download a one-page summary (HTML)", profile_summary_html(profile),
                       file_name="community-profile.html", mime="text/html")


def compare_section(data: Dataset) -> None:
    """Two to four branches' service areas or areas side by side, each tested against the
    first with the Census Bureau's test of a difference (90% confidence)."""
    areas = data.area_set.areas
    kind = st.radio("Compare", ["Branches' service areas", "Areas"], horizontal=True,
                    key="compare_kind")
    selections: list[tuple[str, list[str]]] = []
    if kind == "Areas":
        chosen = st.multiselect("Areas (2 to 4; the first is the one the others are tested "
                                "against)", list(areas.index), max_selections=4,
                                key="compare_areas",
                                format_func=lambda g: str(areas.at[g, "name"]))
        selections = [(str(areas.at[g, "name"]), [g]) for g in chosen]
    else:
        if branches_of(data.assets).empty:
            msg.warning("This dataset has no library branches.")
            return
        assignment, _ = context.branch_service_areas(data)
        names = sorted(assignment["branch"].dropna().unique())
        chosen = st.multiselect("Branches (2 to 4; the first is the one the others are "
                                "tested against)", names, max_selections=4,
                                key="compare_branches")
        selections = [(b, list(assignment.index[assignment["branch"] == b])) for b in chosen]
    if len(selections) < 2:
        st.caption("Pick at least two.")
        return
    try:
        profiles = [community_profile(data.area_set, data.assets, geoids, title=title)
                    for title, geoids in selections]
        table = compare_profiles(profiles)
    except MappingError as exc:
        msg.error(str(exc))
        return
    st.caption(md(f"Each is tested against {selections[0][0]}: a difference counts only "
                  "when |x1 − x2| / √(SE1² + SE2²) > 1.645 (SE = margin / 1.645), the "
                  "Census Bureau's test at 90% confidence. Shares are compared where both "
                  "have one, counts otherwise."))
    st.dataframe(comparison_table(table), hide_index=True, width="stretch")
    st.download_button("Download the comparison (CSV)", comparison_csv(table),
                       "comparison.csv", "text/csv")


def _figure_text(row: pd.Series) -> str:
    if row["compared"] == "share":
        return f"{row['share'] * 100:.1f}% ± {row['share_moe'] * 100:.1f}"
    if pd.isna(row["estimate"]):
        return "n/a"
    margin = f" ± {row['moe']:,.0f}" if pd.notna(row["moe"]) else " (no margin published)"
    return f"{row['estimate']:,.0f}{margin}"


def comparison_table(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as a person reads it: a row per figure, each selection's figure and,
    for all but the first, how it compares with the first, in words."""
    order = list(dict.fromkeys(table["selection"]))
    out = table.drop_duplicates("variable")[["section", "label", "variable"]].set_index(
        "variable")
    for i, name in enumerate(order):
        mine = table[table["selection"] == name].set_index("variable")
        out[name] = mine.apply(_figure_text, axis=1)
        if i:
            out[f"{name}: compared with {order[0]}"] = mine["words"]
    return out.reset_index(drop=True).rename(columns={"label": "figure"})


def comparison_csv(table: pd.DataFrame) -> str:
    """The comparison as CSV (spreadsheet-safe: no cell starts a formula)."""
    frame = table.copy()
    for col in ("section", "label", "selection", "words", "compared"):
        frame[col] = frame[col].map(lambda v: neutralise_formula(str(v)))
    return frame.to_csv(index=False)
