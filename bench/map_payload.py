"""Map payload and Python time per rerun on Cook County, ours beside the naive folium way.

Run:  .venv/bin/python bench/map_payload.py            (3 repetitions, median)
      .venv/bin/python bench/map_payload.py --smoke    (1 repetition; CI runs this)

Everything is measured in one run, side by side, because this machine is shared and
noisy: quote the ratios, not the seconds. "Python per rerun" is what a Streamlit rerun
costs for the map: build it, render the page, and the work st_folium does on it
(leaflet script extraction, bounds, hashing). Ours excludes the geometry preparation,
which is cached once per dataset and printed on its own line.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit_folium import _get_header, _get_html, _get_map_string, generate_js_hash

from mapping.analysis.filters import Filters, compute_measure, filter_assets
from mapping.infra.settings import LEAFLET_CDN_CSS, LEAFLET_CDN_JS, load_settings
from mapping.present.render import build_map, prepare_areas
from mapping.sources.datasets import (
    find_dataset,
    load_dataset,
    normalize_ids,
    read_spec,
    read_table,
    resolve_path,
)

warnings.filterwarnings("ignore")


def streamlit_folium_work(m: folium.Map) -> str:
    """Do what st_folium does with a map on every rerun; return the page HTML."""
    page = m.get_root().render()
    m.render()
    _get_html(m)
    _get_header(m)
    leaflet = _get_map_string(m)
    m.get_bounds()
    generate_js_hash(leaflet, None, False)
    return page


def naive_map(tracts: gpd.GeoDataFrame, assets: gpd.GeoDataFrame, column: str) -> folium.Map:
    """The way a first version is usually written: full geometry, all columns, a Marker each."""
    m = folium.Map(location=[41.83, -87.75], zoom_start=10)
    top = tracts[column].max()
    folium.GeoJson(
        tracts,
        style_function=lambda f: {"fillColor": "#08519c" if (f["properties"][column] or 0) > top / 2
                                  else "#9ecae1", "color": "#555", "weight": 0.5,
                                  "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=[c for c in tracts.columns if c != "geometry"]),
    ).add_to(m)
    for _, a in assets.iterrows():
        folium.Marker([a.geometry.y, a.geometry.x],
                      popup=folium.Popup(f"<b>{a['name']}</b><br>{a['category']}<br>{a['address']}"),
                      ).add_to(m)
    return m


def explore_map(tracts: gpd.GeoDataFrame, assets: gpd.GeoDataFrame, column: str) -> folium.Map:
    """GeoPandas' one-liner: ``gdf.explore()`` for the tracts, then the assets on top."""
    m = tracts.explore(column=column, tiles="OpenStreetMap")
    assets[["name", "category", "address", "geometry"]].explore(m=m, color="black")
    return m


def raw_tracts(entry, settings) -> gpd.GeoDataFrame:
    """The boundary file joined with every column of every statistics table, unsimplified.

    What a first version that reads the files directly would draw and put in its tooltip.
    """
    spec = read_spec(entry.spec_path)
    areas = spec["areas"]
    gdf = gpd.read_file(resolve_path(areas["path"], entry.spec_path, settings)).to_crs(4326)
    gdf["_id"] = normalize_ids(gdf[areas["id"]], id_width=areas.get("id_width"))
    for table in spec.get("tables", []):
        frame = read_table(resolve_path(table["path"], entry.spec_path, settings))
        frame["_id"] = normalize_ids(frame[table["id"]], id_prefix=table.get("id_prefix"),
                                     id_width=table.get("id_width"))
        frame = frame.drop_duplicates("_id").set_index("_id")
        frame = frame.apply(lambda c: pd.to_numeric(c, errors="coerce")
                            if pd.to_numeric(c, errors="coerce").notna().mean() > 0.9 else c)
        gdf = gdf.join(frame, on="_id", rsuffix=f"_{Path(table['path']).stem[:12]}")
    gdf = gdf.loc[:, ~gdf.columns.duplicated()]
    return gdf[~gdf.geometry.is_empty].drop(columns="_id")


def timed(fn: Callable[[], folium.Map], repeat: int) -> tuple[float, str]:
    times, html = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        m = fn()
        html = streamlit_folium_work(m)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), html


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one repetition (for CI)")
    parser.add_argument("--dataset", default="cook_county")
    args = parser.parse_args()
    repeat = 1 if args.smoke else 3

    settings = load_settings({})
    entry = find_dataset(settings, args.dataset)
    if not entry.available:
        print(f"skipped: {entry.reason}")
        return 0
    data = load_dataset(entry, settings)
    area_set, assets = data.area_set, data.assets
    filters = Filters()

    t0 = time.perf_counter()
    prepared = prepare_areas(area_set)
    prepare_s = time.perf_counter() - t0

    def ours() -> folium.Map:
        measure = compute_measure(area_set, filters)
        shown = filter_assets(assets, filters, area_set.catalog)
        return build_map(prepared, area_set, measure, shown, leaflet_js=LEAFLET_CDN_JS,
                         leaflet_css=LEAFLET_CDN_CSS)

    tracts = raw_tracts(entry, settings) if entry.spec_path else None
    if tracts is None:
        tracts = area_set.areas.join(area_set.estimates).join(area_set.moes.add_suffix("_moe"))
        tracts = tracts[~tracts.geometry.is_empty].reset_index()
    column = "tot_pop_birth_foreign" if "tot_pop_birth_foreign" in tracts else next(
        c for c in tracts.columns if str(tracts[c].dtype).startswith(("float", "int")))
    # The same columns as ours (issue #11): the area's name and the shown value with its
    # margin, CV and reliability, on the same (unsimplified) boundaries; the assets' name,
    # category and address. The every-column rows show what a first version costs.
    measure = compute_measure(area_set, filters)
    same = area_set.areas[["name", "geometry"]].join(
        measure.values[["value", "value_moe", "cv", "reliability"]])
    same = same[~same.geometry.is_empty].reset_index()
    same["reliability"] = same["reliability"].astype(str)
    few = assets[["name", "category", "address", "geometry"]]
    rows = [("ours", *timed(ours, repeat)),
            ("naive folium", *timed(lambda: naive_map(tracts, assets, column), repeat)),
            ("gdf.explore()", *timed(lambda: explore_map(tracts, assets, column), repeat)),
            ("naive, same cols", *timed(lambda: naive_map(same, few, "value"), repeat)),
            ("explore, same cols", *timed(lambda: explore_map(same, few, "value"), repeat))]

    print(f"{area_set.title}: {len(area_set.areas):,} areas, {len(assets):,} assets; "
          f"median of {repeat}")
    print(f"{'map':<20}{'payload':>12}{'gzipped':>12}{'Python/rerun':>15}")
    for name, seconds, html in rows:
        size = len(html.encode())
        gz = len(gzip.compress(html.encode()))
        print(f"{name:<20}{size / 1e6:>10.2f}MB{gz / 1e3:>10.0f}KB{seconds:>14.3f}s")
    print(f"ours, once per dataset (cached): geometry preparation {prepare_s:.3f}s, "
          f"simplify tolerance {prepared.tolerance:.6f} deg")
    ours_s, ours_html = rows[0][1], rows[0][2]
    for name, seconds, html in rows[1:]:
        smaller = len(html) / len(ours_html)
        faster = seconds / ours_s
        print(f"vs {name:<19} payload {smaller:5.1f}x smaller (target >= 6x), "
              f"Python {faster:5.1f}x faster (target >= 10x vs naive)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
