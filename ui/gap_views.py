"""Tables of the gap analysis, as a planner reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mapping.gaps import SitePick
from mapping.moe import RELIABILITY_BY_CODE


def gap_ranking_table(gaps: pd.DataFrame) -> pd.DataFrame:
    """Ranked areas with need ± MOE, reliability, distance, services in reach and score."""
    return pd.DataFrame({
        "rank": range(1, len(gaps) + 1),
        "area": gaps["name"].to_numpy(),
        "need": gaps["need"].map(lambda v: f"{v:,.0f}").to_numpy(),
        "± MOE": gaps["need_moe"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "n/a").to_numpy(),
        "reliability": gaps["reliability"].map(lambda c: RELIABILITY_BY_CODE[int(c)].value).to_numpy(),
        "nearest service": gaps["nearest_m"].map(
            lambda v: f"{v / 1000:,.1f} km" if np.isfinite(v) else "none").to_numpy(),
        "within radius": gaps["within_radius"].to_numpy(),
        "gap score": gaps["gap_score"].map(lambda v: f"{v:,.0f}").to_numpy(),
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
