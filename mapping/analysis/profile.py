"""Short profiles shown beside the map: an area clicked, an asset clicked."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from mapping.analysis.moe import Reliability, moe_of_proportion, reliability
from mapping.infra.errors import DataError
from mapping.present.escape import safe_url
from mapping.records.assets import category
from mapping.sources.areas import AreaSet
from mapping.sources.catalog import Variable, language_group, language_name


@dataclass(frozen=True)
class Figure:
    """One estimate with its margin of error and reliability, ready to show."""

    label: str
    estimate: float
    moe: float
    reliability: Reliability
    share: float | None = None  # of the figure's universe, 0-1
    share_moe: float | None = None


@dataclass(frozen=True)
class AreaProfile:
    """What a person wants to know about one area at a glance."""

    geoid: str
    name: str
    population: Figure | None
    foreign_born: Figure | None
    lep_total: Figure | None
    top_origins: tuple[Figure, ...]
    top_languages: tuple[Figure, ...]
    assets: pd.DataFrame  # name, category label, asset_id


def _figure(area_set: AreaSet, geoid: str, variable: Variable, *, label: str | None = None
            ) -> Figure:
    est = float(area_set.estimates.at[geoid, variable.id])
    moe = float(area_set.moes.at[geoid, variable.id])
    share = share_moe = None
    if variable.universe:
        den = float(area_set.estimates.at[geoid, variable.universe])
        den_moe = float(area_set.moes.at[geoid, variable.universe])
        if den > 0 and np.isfinite(est):
            share = est / den
            share_moe = float(moe_of_proportion(est, den, moe, den_moe))
    return Figure(label or variable.label, est, moe, reliability(est, moe), share, share_moe)


def area_profile(area_set: AreaSet, assets: gpd.GeoDataFrame, geoid: str, *, top: int = 5
                 ) -> AreaProfile:
    """Return the profile of one area: population, foreign-born, top origins and languages.

    ``assets`` must carry a ``geoid`` column (as :func:`mapping.sources.datasets.load_dataset`
    gives); the listed assets are those inside the area.
    """
    if geoid not in area_set.areas.index:
        raise DataError(f"no area {geoid!r} in this dataset")
    catalog = area_set.catalog

    def role(name: str) -> Figure | None:
        v = catalog.by_role(name)
        return _figure(area_set, geoid, v) if v is not None else None

    def ranked(variables: tuple[Variable, ...], label_of) -> tuple[Figure, ...]:
        figs = [_figure(area_set, geoid, v, label=label_of(v)) for v in variables]
        figs = [f for f in figs if np.isfinite(f.estimate) and f.estimate > 0]
        return tuple(sorted(figs, key=lambda f: -f.estimate)[:top])

    origins = ranked(catalog.origins(), lambda v: v.country or v.label)
    languages = ranked(catalog.lep_variables(),
                       lambda v: language_group(v.language).label if v.language else v.label)
    inside = assets.loc[assets["geoid"] == geoid] if "geoid" in assets.columns else assets.iloc[:0]
    table = pd.DataFrame({"name": inside["name"].to_numpy(),
                          "category": [category(c).label for c in inside["category"]],
                          "asset_id": inside["asset_id"].to_numpy()})
    return AreaProfile(geoid=geoid, name=str(area_set.areas.at[geoid, "name"]),
                       population=role("total_population"), foreign_born=role("foreign_born"),
                       lep_total=role("lep_total"), top_origins=origins,
                       top_languages=languages, assets=table.sort_values(["category", "name"]))


def describe_figure(fig: Figure) -> str:
    """Return a figure as one line of text: ``1,234 ± 210 (12.5%) - reliable``."""
    if not np.isfinite(fig.estimate):
        return "no data"
    text = f"{fig.estimate:,.0f}"
    if np.isfinite(fig.moe):
        text += f" ± {fig.moe:,.0f}"
    if fig.share is not None:
        text += f" ({fig.share * 100:.1f}%)"
    return f"{text} - {fig.reliability.value}"


@dataclass(frozen=True)
class AssetDetails:
    """The public details of one asset, as text (escape before putting in markup)."""

    asset_id: str
    name: str
    category: str
    organization: str
    services: tuple[str, ...]
    languages: tuple[str, ...]
    communities: tuple[str, ...]
    address: str
    phone: str
    website: str  # empty unless http(s)
    hours: str
    description: str
    status: str
    approximate: bool


def asset_details(assets: gpd.GeoDataFrame, asset_id: str) -> AssetDetails:
    """Return the public details of an asset; a sensitive site's address is withheld."""
    rows = assets.loc[assets["asset_id"] == asset_id]
    if rows.empty:
        raise DataError(f"no asset {asset_id!r} in this dataset")
    r = rows.iloc[0]
    sensitive = r["visibility"] == "sensitive"
    return AssetDetails(
        asset_id=str(r["asset_id"]), name=str(r["name"]), category=category(r["category"]).label,
        organization=str(r["organization"]), services=tuple(r["services"]),
        languages=tuple(language_name(c) for c in r["languages"]), communities=tuple(r["communities"]),
        address="withheld (sensitive site)" if sensitive else str(r["address"]),
        phone=str(r["phone"]), website=safe_url(r["website"]), hours=str(r["hours"]),
        description=str(r["description"]), status=str(r["status"]), approximate=bool(sensitive))
