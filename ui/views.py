"""Panels beside the map: the profile of a clicked area, the details of a clicked asset.

Text from data goes through :func:`mapping.escape.markdown_text` before ``st.markdown``
so a name can never become a link, an image or markup.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mapping.escape import markdown_text as md
from mapping.profile import AreaProfile, AssetDetails, Figure, describe_figure


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
