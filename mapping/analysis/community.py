"""Community profile of any selection of areas, with margins of error combined correctly.

A selection (one area, several, a branch's service area, everything loaded) is summed
variable by variable: the estimate is the sum over areas and its MOE the root of summed
squares over areas (zero estimates contribute only their largest MOE), shares use the
proportion formula with the ratio fallback. Medians cannot be combined across areas and
are only reported for a single area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from mapping.analysis.moe import (
    Total,
    coefficient_of_variation,
    difference_test,
    moe_of_proportion,
    reliability_of_cv,
    total_over_areas,
)
from mapping.infra.errors import DataError
from mapping.present.escape import html_text, neutralise_formula
from mapping.records.assets import category
from mapping.sources.areas import AreaSet, drawable
from mapping.sources.catalog import TOPICS, language_group, language_name
from mapping.sources.projection import area_points

PROFILE_COLUMNS = ("section", "variable", "label", "estimate", "moe", "share", "share_moe",
                   "universe", "cv", "reliability", "source_variables", "note")


@dataclass(frozen=True, eq=False)
class CommunityProfile:
    """What a selection of areas holds: figures by section, and the assets inside.

    ``figures`` has :data:`PROFILE_COLUMNS`; ``share`` is a fraction (0-1) of ``universe``;
    ``source_variables`` names the catalog variables (and areas) each figure came from so
    every number can be traced to its estimates.
    """

    title: str
    geoids: tuple[str, ...]
    figures: pd.DataFrame
    assets_by_category: pd.DataFrame  # category, assets
    assets_by_language: pd.DataFrame  # language, assets
    source: str
    year: str
    notes: tuple[str, ...] = ()  # what a reader must know to read the figures right

    def section(self, name: str) -> pd.DataFrame:
        """Return the figures of one section (see :func:`community_profile`)."""
        return self.figures[self.figures["section"] == name]


def areas_in_shape(area_set: AreaSet, shape: dict[str, Any]) -> list[str]:
    """Return the areas whose inside point lies in a drawn shape (GeoJSON geometry, WGS84).

    An area counts whole or not at all (its representative point decides), so sums stay
    sums of published estimates.
    """
    try:
        geometry = shapely.geometry.shape(shape)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
        raise DataError("the drawn shape cannot be read; draw it again") from None
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
        raise DataError("draw a polygon or a rectangle whose sides do not cross")
    areas = area_set.areas[drawable(area_set.areas.geometry)]
    inside = area_points(areas).within(geometry)
    return list(areas.index[inside.to_numpy()])


def total_of(area_set: AreaSet, geoids: Sequence[str], ids: Sequence[str]) -> Total:
    """Return the total of variables ``ids`` over areas ``geoids``: every derived sum
    expanded into its parts, and the Bureau's rules applied once over all the cells (the
    one summing rule, used by profiles, branches and exports alike)."""
    cells = [c for i in ids for c in area_set.catalog.cells_of(i)]
    est = area_set.estimates.loc[list(geoids), cells].to_numpy(dtype=float)
    moe = area_set.moes.loc[list(geoids), cells].to_numpy(dtype=float)
    return total_over_areas(est, moe)


def sum_over_areas(area_set: AreaSet, geoids: Sequence[str], ids: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Return the total over areas of each variable on its own, and their MOEs."""
    totals = [total_of(area_set, geoids, [i]) for i in ids]
    return (np.array([t.estimate for t in totals], dtype=float),
            np.array([t.moe for t in totals], dtype=float))


def community_profile(area_set: AreaSet, assets: gpd.GeoDataFrame, geoids: Sequence[str], *,
                      title: str) -> CommunityProfile:
    """Return the profile of the areas ``geoids`` (sums with combined MOEs; see module doc).

    Sections: ``Population``, ``World regions of birth``, ``Countries of birth``,
    ``Limited English``, ``Limited English by language``, then one per remaining topic
    (year of entry, education, poverty, citizenship, income). A figure over areas some of
    which have no estimate sums those that have one and says how many do not (``note``).
    """
    geoids = tuple(dict.fromkeys(geoids))
    unknown = [g for g in geoids if g not in area_set.areas.index]
    if unknown:
        raise DataError(f"no area {unknown[0]!r} in this dataset")
    if not geoids:
        raise DataError("the selection holds no area")
    catalog = area_set.catalog
    cache: dict[tuple[str, ...], Total] = {}

    def total(ids: Sequence[str]) -> Total:
        key = tuple(ids)
        if key not in cache:
            cache[key] = total_of(area_set, geoids, key)
        return cache[key]

    rows: list[dict[str, object]] = []

    def add(section: str, variable: str, label: str, ids: Sequence[str],
            universe: str | None) -> None:
        t = total(ids)
        share = share_moe = np.nan
        u = total([universe]) if universe is not None else None
        if u is not None and u.estimate > 0 and np.isfinite(t.estimate):
            share = t.estimate / u.estimate
            share_moe = float(moe_of_proportion(t.estimate, u.estimate, t.moe, u.moe))
        cells = [c for i in ids for c in catalog.cells_of(i)]
        rows.append({"section": section, "variable": variable, "label": label,
                     "estimate": t.estimate, "moe": t.moe, "share": share,
                     "share_moe": share_moe,
                     "universe": catalog.get(universe).label if universe else "",
                     "source_variables": "+".join(cells) + f" over {len(geoids)} area(s)",
                     "note": t.note()})

    counts = [v for v in catalog if v.kind == "count"]
    for v in counts:
        if v.topic == "population" or v.role == "foreign_born":
            add("Population", v.id, v.label, [v.id], v.universe)
    for region, members in catalog.origins_by_region().items():
        add("World regions of birth", f"region:{region}", catalog.region_label(region),
            [m.id for m in members], members[0].universe)
    for v in sorted(catalog.origins(), key=lambda v: -np.nan_to_num(total([v.id]).estimate)):
        add("Countries of birth", v.id, v.country or v.label, [v.id], v.universe)
    for v in counts:  # the all-language figures: LEP total, households, LEP households
        if v.topic == "language" and not v.is_lep:
            add("Limited English", v.id, v.label, [v.id], v.universe)
    for v in sorted(catalog.lep_variables(), key=lambda v: -np.nan_to_num(total([v.id]).estimate)):
        label = language_group(v.language).label if v.language else v.label
        add("Limited English by language", v.id, label, [v.id], v.universe)
    for topic in ("entry", "education", "poverty", "citizenship"):
        for v in catalog.topic(topic):
            if v.kind == "count" and v.role is None and not v.is_origin:
                add(TOPICS[topic], v.id, v.label, [v.id], v.universe)
    if len(geoids) == 1:
        for v in catalog:
            if v.kind == "median":
                e = float(area_set.estimates.at[geoids[0], v.id])
                m = float(area_set.moes.at[geoids[0], v.id])
                rows.append({"section": TOPICS[v.topic], "variable": v.id, "label": v.label,
                             "estimate": e, "moe": m, "share": np.nan, "share_moe": np.nan,
                             "universe": "", "source_variables": f"{v.id} over 1 area(s)",
                             "note": ""})
    figures = pd.DataFrame(rows, columns=[c for c in PROFILE_COLUMNS if c not in
                                          ("cv", "reliability")])
    figures["cv"] = coefficient_of_variation(figures["estimate"], figures["moe"])
    figures["reliability"] = reliability_of_cv(figures["cv"])
    inside = assets[assets["geoid"].isin(geoids)] if "geoid" in assets else assets.iloc[:0]
    by_cat = (inside["category"].map(lambda k: category(k).label).value_counts()
              .rename_axis("category").reset_index(name="assets"))
    langs = inside["languages"].explode().dropna()
    by_lang = (langs.map(language_name).value_counts().rename_axis("language")
               .reset_index(name="assets"))
    notes = []
    if partial := catalog.partial_origins_note():
        names = ", ".join(v.country or v.label for v in catalog.origins())
        notes.append(f"{partial} Countries of birth in this dataset: {names}.")
    return CommunityProfile(title=title, geoids=geoids, figures=figures[list(PROFILE_COLUMNS)],
                            assets_by_category=by_cat, assets_by_language=by_lang,
                            source=area_set.source, year=area_set.year, notes=tuple(notes))


COMPARISON_COLUMNS = ("section", "variable", "label", "selection", "estimate", "moe",
                      "share", "share_moe", "compared", "z", "words")


def compare_profiles(profiles: Sequence[CommunityProfile]) -> pd.DataFrame:
    """Return the figures of two or more selections side by side, each tested against the
    first with the Census Bureau's test (:func:`mapping.analysis.moe.difference_test`).

    One row per figure and selection (:data:`COMPARISON_COLUMNS`), for the figures every
    selection has. Shares are compared where both have one (selections of different sizes
    compare by what part of their people a figure is), counts otherwise; ``compared``
    says which. ``words`` reads "<selection> is <words> <first selection>" ("more than",
    "less than", "not distinguishable from"); it is empty on the first selection's rows.
    """
    if len(profiles) < 2:
        raise DataError("compare needs at least two selections")
    titles = [p.title for p in profiles]
    if len(set(titles)) < len(titles):
        raise DataError("two of the selections are the same; pick different ones")
    common = set(profiles[0].figures["variable"])
    for p in profiles[1:]:
        common &= set(p.figures["variable"])
    indexed = [p.figures.set_index("variable") for p in profiles]
    rows: list[dict[str, object]] = []
    for variable in [v for v in profiles[0].figures["variable"] if v in common]:
        base = indexed[0].loc[variable]
        for p, figures in zip(profiles, indexed, strict=True):
            row = figures.loc[variable]
            by_share = all(np.isfinite(float(r[c])) for r in (base, row)
                           for c in ("share", "share_moe"))
            col, mcol = ("share", "share_moe") if by_share else ("estimate", "moe")
            z, words = (np.nan, "") if p is profiles[0] else difference_test(
                float(row[col]), float(row[mcol]), float(base[col]), float(base[mcol]))
            rows.append({"section": base["section"], "variable": variable,
                         "label": base["label"], "selection": p.title,
                         "estimate": row["estimate"], "moe": row["moe"], "share": row["share"],
                         "share_moe": row["share_moe"], "compared": col, "z": z,
                         "words": words})
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def profile_csv(profile: CommunityProfile) -> str:
    """Return the profile as CSV text (spreadsheet-safe: no cell starts with = + - @)."""
    frame = profile.figures.copy()
    frame["reliability"] = frame["reliability"].map(
        {0: "reliable", 1: "use with caution", 2: "unreliable", 3: "no margin of error"})
    # Published precision: counts and their MOEs as whole numbers, shares as percentages
    # to one decimal, the CV to three (the ACS publishes no more than that).
    for col in ("estimate", "moe"):
        frame[col] = frame[col].round(0).astype("Int64")
    frame["share"] = (frame["share"] * 100).round(1)
    frame["share_moe"] = (frame["share_moe"] * 100).round(1)
    frame["cv"] = frame["cv"].replace([np.inf, -np.inf], np.nan).round(3)
    frame = frame.rename(columns={"share": "share_pct", "share_moe": "share_moe_pct_points"})
    for col in ("label", "universe", "source_variables", "note"):
        frame[col] = frame[col].astype(str).map(neutralise_formula)
    header = f"# {neutralise_formula(profile.title)}; source: {profile.source} {profile.year}\n"
    header += "".join(f"# {neutralise_formula(note)}\n" for note in profile.notes)
    return header + frame.to_csv(index=False)


def profile_summary_html(profile: CommunityProfile, *, top: int = 5) -> str:
    """Return a one-page, self-contained HTML summary of the profile (print it or mail it)."""
    def fmt(row: pd.Series) -> str:
        text = f"{row['estimate']:,.0f}"
        if np.isfinite(row["moe"]):
            text += f" ± {row['moe']:,.0f}"
        if np.isfinite(row["share"]):
            text += f" ({row['share'] * 100:.1f}%)"
        return text

    rel = {0: "", 1: " (use with caution)", 2: " (unreliable)", 3: ""}
    parts = [f"<h1>{html_text(profile.title)}</h1>",
             f"<p>{len(profile.geoids)} area(s). Source: {html_text(profile.source)}"
             f"{', ' + html_text(profile.year) if profile.year else ''}. Margins of error at 90% "
             "confidence, combined with the Census Bureau's formulas.</p>",
             *(f"<p><strong>Note:</strong> {html_text(n)}</p>" for n in profile.notes)]
    for section in profile.figures["section"].unique():
        rows = profile.section(section)
        if section in ("Countries of birth", "Limited English by language"):
            rows = rows[rows["estimate"] > 0].head(top)
        if rows.empty:
            continue
        items = "".join(f"<li>{html_text(r['label'])}: {html_text(fmt(r))}"
                        f"{rel[int(r['reliability'])]}</li>" for _, r in rows.iterrows())
        parts.append(f"<h2>{html_text(section)}</h2><ul>{items}</ul>")
    if len(profile.assets_by_category):
        items = "".join(f"<li>{html_text(r['category'])}: {r['assets']}</li>"
                        for _, r in profile.assets_by_category.iterrows())
        parts.append(f"<h2>Community assets inside</h2><ul>{items}</ul>")
    style = ("<style>body{font:14px/1.4 sans-serif;max-width:720px;margin:2em auto}"
             "h1{font-size:22px}h2{font-size:16px;margin-bottom:2px}ul{margin-top:2px}</style>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html_text(profile.title)}"
            f"</title>{style}</head><body>{''.join(parts)}</body></html>")
