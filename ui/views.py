"""Panels beside the map: the profile of a clicked area, the details of a clicked asset.

Text from data goes through :func:`mapping.present.escape.markdown_text` before ``st.markdown``
so a name can never become a link, an image or markup.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from mapping.analysis.filters import MeasureResult, format_value
from mapping.analysis.moe import RELIABILITY_BY_CODE
from mapping.analysis.profile import AreaProfile, AssetDetails, Figure, describe_figure
from mapping.present.escape import markdown_text as md
from mapping.records.assets import category
from mapping.sources.areas import AreaSet


def _figures_table(figures: tuple[Figure, ...]) -> pd.DataFrame:
    return pd.DataFrame({
        "": [f.label for f in figures],
        "people": [f"{f.estimate:,.0f}" for f in figures],
        "± MOE": [f"{f.moe:,.0f}" if pd.notna(f.moe) else "n/a" for f in figures],
        "reliability": [f.reliability.value for f in figures],
    })


def area_panel(profile: AreaProfile) -> None:
    """Show an area's profile: population, foreign-born, top origins and languages, assets."""
    st.subheader(md(profile.name))
    st.caption(f"Area id {md(profile.geoid)}")
    for title, fig in (("Population", profile.population), ("Foreign-born", profile.foreign_born),
                       ("Limited English (5+)", profile.lep_total)):
        if fig is not None:
            st.markdown(f"**{title}:** {md(describe_figure(fig))}")
    if profile.top_origins:
        st.markdown("**Top countries of birth**")
        st.dataframe(_figures_table(profile.top_origins), hide_index=True, width="stretch")
    if profile.top_languages:
        st.markdown("**Top languages, limited English**")
        st.dataframe(_figures_table(profile.top_languages), hide_index=True, width="stretch")
    st.markdown(f"**Assets inside:** {len(profile.assets)}")
    if len(profile.assets):
        st.dataframe(profile.assets[["name", "category"]], hide_index=True, width="stretch")


def asset_panel(details: AssetDetails) -> None:
    """Show an asset's public details."""
    st.subheader(md(details.name))
    st.caption(md(details.category) + (" - approximate location (sensitive site)"
                                   if details.approximate else ""))
    rows = [
        ("Organization", details.organization),
        ("Services", ", ".join(details.services)),
        ("Languages", ", ".join(details.languages)),
        ("Communities served", ", ".join(details.communities)),
        ("Address", details.address),
        ("Phone", details.phone),
        ("Hours", details.hours),
        ("Status", details.status),
        ("About", details.description),
    ]
    for label, value in rows:
        if value:
            st.markdown(f"**{label}:** {md(value)}")
    if details.website:
        st.link_button("Website", details.website)


def find_on_map(area_set: AreaSet, assets: gpd.GeoDataFrame) -> None:
    """Open an area's profile or an asset's details by typing its name: what a click on the
    map does, from the keyboard (the map's areas and markers cannot take focus)."""
    typed = st.text_input("Find an area or asset by name", key="find_on_map",
                          placeholder="e.g. a tract number, a library's name")
    query = typed.strip().lower()
    if not query:
        return
    names = area_set.areas["name"].astype(str)
    hits = [(f"area:{g}", f"Area: {n}") for g, n in names[names.str.lower().str.contains(
        query, regex=False)].head(15).items()]
    if len(assets):
        asset_names = assets["name"].astype(str)
        found = assets[asset_names.str.lower().str.contains(query, regex=False)].head(15)
        hits += [(f"asset:{a}", f"Asset: {n}") for a, n in zip(found["asset_id"],
                                                                found["name"], strict=True)]
    if not hits:
        st.caption("Nothing of that name here.")
        return
    labels = dict(hits)
    chosen = st.selectbox(f"{len(hits)} found", list(labels), format_func=labels.get,
                          key="find_choice")
    if st.button("Show its profile or details", key="find_open"):
        kind, ident = chosen.split(":", 1)
        st.session_state["selection"] = (kind, ident)
        st.rerun()


def map_as_table(area_set: AreaSet, measure: MeasureResult, assets: gpd.GeoDataFrame) -> None:
    """The map's findings as tables (a text alternative to the map): every area's value,
    margin and reliability, and every asset shown. Off until asked for: a state-sized
    table is large to send on every change."""
    if not st.toggle("Show the map as a table", key="map_table"):
        return
    values = measure.values
    st.dataframe(pd.DataFrame({
        "area": area_set.areas["name"].astype(str).to_numpy(),
        measure.label: values["value"].map(lambda v: format_value(v, measure.kind)).to_numpy(),
        "± margin": values["value_moe"].map(
            lambda v: format_value(v, measure.kind) if pd.notna(v) else "none published"
        ).to_numpy(),
        "reliability": values["reliability"].map(
            lambda c: RELIABILITY_BY_CODE[int(c)].value).to_numpy(),
        "area id": values.index.to_numpy(),
    }), hide_index=True, width="stretch")
    if len(assets):
        names = area_set.areas["name"].astype(str)
        st.dataframe(pd.DataFrame({
            "asset": assets["name"].astype(str).to_numpy(),
            "category": assets["category"].map(lambda k: category(k).label).to_numpy(),
            "services": assets["services"].map(lambda v: ", ".join(v)).to_numpy(),
            "area": assets["geoid"].map(names).fillna("outside every area").to_numpy()
            if "geoid" in assets else "",
        }), hide_index=True, width="stretch")
