"""Tables of the gap analysis, as a planner reads them."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mapping.analysis.filters import METRES_PER, Filters, MeasureResult, format_distance
from mapping.analysis.gaps import NEED_UNKNOWN, NOT_SURVEYED, RANKED, Coverage, SitePick
from mapping.analysis.moe import RELIABILITY_BY_CODE
from mapping.analysis.service_areas import branch_key, branches_of
from mapping.people.capacity import branches_speaking, speakers_by_branch
from mapping.sources.datasets import Dataset
from ui import context, url
from ui import messages as msg
from ui.access import is_staff, with_accounts
from ui.staff_views import capacity


def radius_input(column: DeltaGenerator, unit: str) -> int:
    """The walking radius, shown in km or miles, kept in the link in metres (``r``);
    returns metres."""
    per = METRES_PER[unit]
    default = round(800 / per, 1)
    url.restore("gap_radius", "r", default=default,
                decode=lambda t: round(url.int_in(100, 5000)(t) / per, 2))
    shown = column.number_input(f"Walking radius ({unit})", 0.1, round(5000 / per, 1),
                                step=0.1, format="%.1f", key="gap_radius")
    metres = round(shown * per)
    url.keep("r", metres, default=round(default * per))
    return metres


def refuse_what_cannot_be_answered(assets: gpd.GeoDataFrame, matching: gpd.GeoDataFrame,
                                   need: MeasureResult) -> None:
    """Stop the page, saying why and what to do, when there is nothing to rank."""
    if assets.empty:
        msg.warning("This dataset has no community assets yet, so there are no services to "
                    "measure distances to: nothing to rank. Add assets on the Asset database "
                    "page (import a file, or add them one by one), or choose a dataset that "
                    "has some.")
        st.stop()
    if matching.empty:
        msg.warning(f"No asset matches the services chosen in the sidebar ({len(assets):,} "
                    "assets in this dataset): nothing to rank. Choose other categories or "
                    "services, or untick 'Only services offered in the chosen language'.")
        st.stop()
    if not (need.values["estimate"].fillna(0) > 0).any():
        msg.warning(f"No area has a figure above 0 for {need.label}: nothing to rank. Choose "
                    "another community in the sidebar.")
        st.stop()


def coverage_note(coverages: Sequence[Coverage], gaps: pd.DataFrame) -> None:
    """Say where the services were surveyed and what the ranking leaves out."""
    counts = gaps["status"].value_counts()
    where = "; ".join(f"{c.label} ({c.how})" for c in coverages)
    msg.info(f"Only areas where these services' sources were surveyed are ranked: {where}. "
             f"{counts.get(NOT_SURVEYED, 0):,} areas lie outside (not surveyed: nobody looked "
             f"for services there) and {counts.get(NEED_UNKNOWN, 0):,} have no need figure; "
             "both are grey on the map and left out of the ranking and the siting. "
             f"{counts.get(RANKED, 0):,} areas are ranked.")


def unknown_need_table(gaps: pd.DataFrame, unit: str) -> None:
    """The surveyed areas with no need figure, apart from the ranking."""
    unknown = gaps[gaps["status"] == NEED_UNKNOWN]
    if len(unknown):
        with st.expander(f"{len(unknown):,} surveyed areas with no need figure (not ranked)"):
            st.dataframe(gap_ranking_table(unknown, unit), hide_index=True, width="stretch")


def gap_ranking_table(gaps: pd.DataFrame, unit: str = "km") -> pd.DataFrame:
    """Ranked areas with need ± MOE, reliability, distance, services in reach and score."""
    return pd.DataFrame({
        "rank": [i if s == "ranked" else "" for i, s in
                 enumerate(gaps["status"], start=1)] if "status" in gaps else
                range(1, len(gaps) + 1),
        "area": gaps["name"].to_numpy(),
        "need": gaps["need"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "unknown").to_numpy(),
        "± MOE": gaps["need_moe"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "n/a").to_numpy(),
        "reliability": gaps["reliability"].map(lambda c: RELIABILITY_BY_CODE[int(c)].value).to_numpy(),
        "nearest service": gaps["nearest_m"].map(lambda v: format_distance(v, unit)).to_numpy(),
        "within radius": gaps["within_radius"].to_numpy(),
        "gap score": gaps["gap_score"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "").to_numpy(),
        "area id": gaps.index.to_numpy(),
    })


def picks_table(picks: list[SitePick], gaps: pd.DataFrame) -> pd.DataFrame:
    """The chosen sites, the unserved need each brings within reach, and the running total."""
    total = 0.0
    rows = []
    for p in picks:
        total += p.need_covered
        rows.append({"pick": p.rank, "site": p.label, "need covered": f"{p.need_covered:,.0f}",
                     "running total": f"{total:,.0f}", "areas reached": len(p.areas_covered),
                     "areas": ", ".join(str(gaps.at[g, "name"]) for g in p.areas_covered[:4])
                     + (" ..." if len(p.areas_covered) > 4 else "")})
    return pd.DataFrame(rows, columns=["pick", "site", "need covered", "running total",
                                       "areas reached", "areas"])


def with_staff_languages(table: pd.DataFrame, data: Dataset, filters: Filters) -> pd.DataFrame:
    """Add whether the nearest branch has staff who speak the language in need (staff
    only; with accounts, a language filter and branches in the dataset)."""
    if not filters.languages or not is_staff() or not with_accounts() or \
            branches_of(data.assets).empty:
        return table

    speaks = branches_speaking(speakers_by_branch(capacity().directory()), filters.languages)
    libraries = branches_of(data.assets).set_index("asset_id")
    key = {aid: branch_key(r) for aid, r in libraries.iterrows()}
    nearest = context.branch_service_areas(data)[0]["branch_id"].reindex(table["area id"])
    return table.assign(**{
        "nearest branch": [str(libraries.at[a, "name"]) if a in key else "" for a in nearest],
        "its staff speak it": [("yes" if speaks.get(key[a]) else "no") if a in key else ""
                               for a in nearest]})
