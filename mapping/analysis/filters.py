"""Filters and the measure they select: pure functions from (areas, filters) to values.

Filters drive both layers. Picking a language colours the areas by the people who speak
it at home and speak English less than "very well", and keeps only assets that serve in
it; picking origins colours by the people born there and keeps assets that serve those
communities. Languages take precedence over origins for the colouring (a map shows one
measure); both narrow the assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from mapping.analysis.moe import (
    RELIABILITY_BY_CODE,
    coefficient_of_variation,
    moe_of_proportion,
    moe_of_sum,
    reliability_of_cv,
)
from mapping.records.assets import CATEGORY_KEYS, serves_communities, serves_languages
from mapping.sources.areas import AreaSet
from mapping.sources.catalog import Catalog, Variable, language_group

MEASURES: dict[str, str] = {
    "count": "Number of people",
    "share": "Share of the universe (%)",
    "density": "People per km²",
}


@dataclass(frozen=True)
class Filters:
    """What the user asked to see. Every field is plain data (a shareable link holds it).

    Parameters
    ----------
    origins
        Ids of country-of-birth variables.
    regions
        World regions; each stands for all its countries in the dataset.
    languages
        Language group keys (``"spanish"``...).
    categories, services
        Asset category keys and service tags; empty means all.
    indicator
        Variable shown when no language or origin is chosen (``None``: the default).
    measure
        ``"count"``, ``"share"`` or ``"density"``.
    """

    origins: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    indicator: str | None = None
    measure: str = "count"


def clean_filters(filters: Filters, catalog: Catalog, *, services: tuple[str, ...] = ()
                  ) -> tuple[Filters, list[str]]:
    """Return the filters with values this dataset does not have removed, and what was removed.

    A shared link made on another dataset, or an old link, must open on what is there
    instead of failing.
    """
    dropped: list[str] = []
    origin_ids = {v.id for v in catalog.origins()}
    regions = set(catalog.origins_by_region())
    languages = {v.language for v in catalog.lep_variables()}

    def keep(values: tuple[str, ...], allowed: set[str] | set[str | None], what: str
             ) -> tuple[str, ...]:
        kept = tuple(v for v in values if v in allowed)
        dropped.extend(f"{what} {v!r}" for v in values if v not in allowed)
        return kept

    indicator = filters.indicator
    if indicator is not None and indicator not in catalog:
        dropped.append(f"indicator {indicator!r}")
        indicator = None
    measure = filters.measure if filters.measure in MEASURES else "count"
    if measure != filters.measure:
        dropped.append(f"measure {filters.measure!r}")
    cleaned = replace(
        filters,
        origins=keep(filters.origins, origin_ids, "origin"),
        regions=keep(filters.regions, regions, "region"),
        languages=keep(filters.languages, languages, "language"),
        categories=keep(filters.categories, set(CATEGORY_KEYS), "category"),
        services=keep(filters.services, set(services), "service") if services else filters.services,
        indicator=indicator,
        measure=measure,
    )
    return cleaned, dropped


def selected_origins(catalog: Catalog, filters: Filters) -> tuple[Variable, ...]:
    """Return the origin variables chosen directly or through a whole region."""
    by_region = catalog.origins_by_region()
    chosen = dict.fromkeys(filters.origins)
    for region in filters.regions:
        chosen.update(dict.fromkeys(v.id for v in by_region.get(region, ())))
    return tuple(catalog.get(i) for i in chosen)


def default_indicator(catalog: Catalog) -> Variable:
    """Return the variable a map shows before anything is chosen: foreign-born if present."""
    for role in ("foreign_born", "lep_total"):
        found = catalog.by_role(role)
        if found is not None:
            return found
    for v in catalog:
        if v.kind == "count" and v.role is None:
            return v
    return next(iter(catalog))


@dataclass(frozen=True, eq=False)
class MeasureResult:
    """The values a map colours areas by, with their margins and reliability.

    ``values`` is indexed by ``geoid`` (areas order) with columns ``estimate``, ``moe``
    (of the count), ``value``, ``value_moe`` (of what is shown), ``cv`` and
    ``reliability`` (a :class:`~mapping.analysis.moe.Reliability` code).
    """

    label: str
    kind: str  # count, share, density or median
    universe_label: str | None
    values: pd.DataFrame
    variables: tuple[str, ...]
    note: str = ""
    unit_label: str | None = None  # for derived measures (distances, scores)
    no_data_label: str = "no data"  # what a grey area means on this map

    @property
    def unit(self) -> str:
        """How a value reads: people, per cent of the universe, per km², or as published."""
        if self.unit_label is not None:
            return self.unit_label
        return {"count": "people", "share": f"% of {self.universe_label or 'universe'}",
                "density": "people per km²", "median": "", "derived": ""}[self.kind]

    @property
    def has_moe(self) -> bool:
        """True when the source publishes margins of error for this measure."""
        return bool(self.values["value_moe"].notna().any())


def reliability_line(measure: MeasureResult, *, unreliable_drawn: str = "dashed and faded"
                     ) -> str:
    """One line on how far the map's figures can be trusted (a presentation's footer);
    ``unreliable_drawn`` says how that map draws unreliable estimates.

    >>> import pandas as pd
    >>> values = pd.DataFrame({"value": [5.0, 7.0, 9.0, None], "value_moe": [1.0, 2.0, 9.0, None],
    ...                        "reliability": [0, 0, 2, 3]})
    >>> reliability_line(MeasureResult("x", "count", None, values, ()))
    '3 areas with a figure: 2 reliable, 1 unreliable (drawn dashed and faded). Margins of error at 90% confidence.'
    """
    values = measure.values
    shown = values[values["value"].notna()]
    if measure.kind == "derived":
        return (f"{len(shown):,} areas with a figure, computed by the analysis from census "
                "estimates; see the table for their reliability.")
    if not measure.has_moe:
        return f"{len(shown):,} areas with a figure. No margins of error in this source: " \
               "reliability unknown."
    counts = shown["reliability"].astype(int).value_counts()
    parts = [f"{counts[code]:,} {RELIABILITY_BY_CODE[code].value}" for code in (0, 1, 2, 3)
             if counts.get(code, 0)]
    faded = f" (drawn {unreliable_drawn})" if counts.get(2, 0) else ""
    return (f"{len(shown):,} areas with a figure: {', '.join(parts)}{faded}. Margins of error "
            "at 90% confidence.")


def measure_variables(catalog: Catalog, filters: Filters) -> tuple[tuple[Variable, ...], str]:
    """Return the variables the filters select and a label for their sum."""
    if filters.languages:
        variables = tuple(catalog.lep_variable(k) for k in filters.languages)
        names = ", ".join(language_group(k).label for k in filters.languages)
        return variables, f"Speak {names} at home and English less than 'very well'"
    origins = selected_origins(catalog, filters)
    if origins:
        if filters.regions and not filters.origins and len(filters.regions) == 1:
            return origins, f"Born in {catalog.region_label(filters.regions[0])}"
        if filters.regions and not filters.origins and len(filters.regions) == 2 \
                and catalog.origins_complete:
            return origins, f"Born in {' and '.join(filters.regions)}"
        names = ", ".join(v.country or v.label for v in origins[:4])
        more = f" and {len(origins) - 4} more" if len(origins) > 4 else ""
        return origins, f"Born in {names}{more}"
    variable = catalog.get(filters.indicator) if filters.indicator else default_indicator(catalog)
    return (variable,), variable.label


def compute_measure(area_set: AreaSet, filters: Filters) -> MeasureResult:
    """Return the measure the filters select, per area, with MOE and reliability.

    Several variables are summed with the MOE of a sum; a share uses the proportion
    formula against the variables' common universe; a density divides by land area.
    """
    catalog = area_set.catalog
    variables, label = measure_variables(catalog, filters)
    ids = [v.id for v in variables]
    est_frame = area_set.estimates[ids]
    moe_frame = area_set.moes[ids]
    if len(ids) == 1:
        estimate = est_frame[ids[0]].to_numpy()
        moe = moe_frame[ids[0]].to_numpy()
    else:
        estimate = est_frame.sum(axis=1, min_count=len(ids)).to_numpy()
        moe = moe_of_sum(est_frame.to_numpy(), moe_frame.to_numpy())
    kinds = {v.kind for v in variables}
    universes = {v.universe for v in variables}
    universe = catalog.get(universes.pop()) if len(universes) == 1 and None not in universes \
        else None
    kind = filters.measure
    note = ""
    if kinds == {"median"}:
        kind = "median"
    elif kind == "share" and universe is None:
        kind, note = "count", "A share is not available for this measure; showing counts."
    if kind == "share" and universe is not None:
        den = area_set.estimates[universe.id].to_numpy()
        den_moe = area_set.moes[universe.id].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, estimate / den, np.nan)
        value_moe = moe_of_proportion(estimate, den, moe, den_moe)
        value, value_moe = value * 100, value_moe * 100
    elif kind == "density":
        km2 = area_set.areas["area_km2"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(km2 > 0, estimate / km2, np.nan)
            value_moe = np.where(km2 > 0, moe / km2, np.nan)
    else:
        value, value_moe = estimate.astype(float), moe.astype(float)
    cv = coefficient_of_variation(value, value_moe)
    values = pd.DataFrame({"estimate": estimate, "moe": moe, "value": value,
                           "value_moe": value_moe, "cv": cv,
                           "reliability": reliability_of_cv(cv)}, index=area_set.areas.index)
    return MeasureResult(label=label, kind=kind,
                         universe_label=universe.label if universe is not None else None,
                         values=values, variables=tuple(ids), note=note)


def derived_measure(label: str, values: pd.Series, *, unit: str,
                    no_data_label: str = "no data") -> MeasureResult:
    """Return a measure computed by an analysis (a distance, a score) to map like any other.

    It has no margin of error of its own, so its reliability reads "no margin of error";
    the analysis that made it shows the reliability of its inputs.
    """
    v = values.astype(float).replace([np.inf, -np.inf], np.nan).to_numpy()
    nan = np.full(v.shape, np.nan)
    frame = pd.DataFrame({"estimate": v, "moe": nan, "value": v, "value_moe": nan, "cv": nan,
                          "reliability": reliability_of_cv(nan)}, index=values.index)
    return MeasureResult(label=label, kind="derived", universe_label=None, values=frame,
                         variables=(), unit_label=unit, no_data_label=no_data_label)


def filter_assets(assets: gpd.GeoDataFrame, filters: Filters, catalog: Catalog) -> gpd.GeoDataFrame:
    """Return the assets that match every filter (inactive assets are never shown)."""
    if assets.empty:
        return assets
    return assets.loc[asset_mask(assets, filters, catalog)]


def asset_mask(assets: pd.DataFrame, filters: Filters, catalog: Catalog) -> np.ndarray:
    """Which assets match every filter (see :func:`filter_assets`), as a boolean array."""
    mask = np.array(assets["status"] != "inactive", dtype=bool)
    if filters.categories:
        mask = mask & assets["category"].isin(filters.categories).to_numpy()
    if filters.services:
        wanted = set(filters.services)
        mask = mask & np.array([bool(wanted.intersection(s)) for s in assets["services"]], dtype=bool)
    if filters.languages:
        mask = mask & serves_languages(assets, filters.languages)
    origins = selected_origins(catalog, filters)
    if origins:
        mask = mask & serves_communities(assets, [v.country or v.label for v in origins])
    return mask


def service_tags(assets: pd.DataFrame) -> tuple[str, ...]:
    """Return every service tag used by the assets, most common first."""
    counts: dict[str, int] = {}
    for tags in assets["services"]:
        for t in tags:
            counts[t] = counts.get(t, 0) + 1
    return tuple(sorted(counts, key=lambda t: (-counts[t], t.lower())))


#: Metres in one unit of distance shown to people (setting NAM_DISTANCE_UNIT).
METRES_PER = {"km": 1000.0, "mi": 1609.344}


def format_distance(metres: float, unit: str = "km") -> str:
    """Return a distance as a person reads it, in kilometres or miles.

    >>> format_distance(800), format_distance(800, "mi"), format_distance(float("inf"))
    ('0.8 km', '0.5 mi', 'none')
    """
    if metres is None or not np.isfinite(metres):
        return "none"
    return f"{metres / METRES_PER[unit]:,.1f} {unit}"


def format_value(value: float, kind: str) -> str:
    """Return a value as a person reads it: ``1,234``, ``12.3%``, ``45.6 /km²``.

    Examples
    --------
    >>> format_value(1234.4, "count"), format_value(12.345, "share"), format_value(float("nan"), "count")
    ('1,234', '12.3%', 'no data')
    """
    return format_values([value], kind)[0]  # None is NaN as a float array


def format_values(values: Sequence[float] | np.ndarray, kind: str, *,
                  missing: str = "no data") -> list[str]:
    """:func:`format_value` of many values at once (a map's thousands of areas: one
    numeric pass rather than a call per value); ``missing`` for values that are not finite.

    >>> format_values([1234.4, float("nan"), 12.0], "derived", missing="")
    ['1,234', '', '12.0']
    """
    array = np.asarray(values, dtype=float)
    finite = np.isfinite(array).tolist()
    numbers = array.tolist()
    if kind == "share":
        form = "{:.1f}%".format
    elif kind == "density":
        form = "{:,.1f} /km²".format
    elif kind == "derived":  # distances in km, small scores: one decimal below 100
        def form(v: float) -> str:
            return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"
    else:
        form = "{:,.0f}".format
    return [form(v) if ok else missing for v, ok in zip(numbers, finite, strict=True)]
