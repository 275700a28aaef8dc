"""A map-page rerun on Cook County with 1,327 and with 50,000 assets in the asset database.

Run:  .venv/bin/python bench/asset_database.py            (3 repetitions, median)
      .venv/bin/python bench/asset_database.py --smoke    (1 repetition, 5,000 assets; CI)

Issue #9 asks that the assets of a dataset's areas be computed once per database revision
rather than on every rerun. Two paths do the same work for the same page, side by side:

- *per rerun* (the code before): read the whole database, place every asset in its area
  (spatial join), then filter and build the map;
- *per revision*: ask the database for its revision token, reuse the assets placed at
  that revision, then filter and build the whole map (the map before issue #11);
- *live map* (now): the same per-revision assets; their points are prepared once per
  revision (and reach a browser once), so a rerun filters, then computes the per-area
  style, the visible-asset mask and the legend (what the live map sends; "page MB" is
  their JSON). The once-per-revision work is left out of every row alike.

The database part is printed on its own, and with the map building (build_map and the
page HTML folium renders; st_folium's own work on it is measured in map_payload.py). The
50,000 assets are Cook County's real ones repeated with small offsets, inside its tracts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mapping.analysis.filters import Filters, compute_measure, filter_assets
from mapping.infra.settings import LEAFLET_CDN_CSS, LEAFLET_CDN_JS, load_settings
from mapping.present.render import (
    AssetPoints,
    area_geometry_blob,
    build_map,
    live_map_data,
    prepare_areas,
    prepare_asset_points,
)
from mapping.records.store import Store
from mapping.sources.datasets import find_dataset, load_dataset

warnings.filterwarnings("ignore")


def many_assets(assets: pd.DataFrame, n: int) -> pd.DataFrame:
    """``n`` assets: the real ones repeated, each copy moved by up to ~40 m, new ids."""
    rng = np.random.default_rng(9)
    copies = assets.iloc[np.arange(n) % len(assets)].copy()
    copies["asset_id"] = [f"bench-{i}" for i in range(n)]
    dx, dy = rng.uniform(-0.0004, 0.0004, size=(2, n))
    copies = copies.set_geometry(gpd.points_from_xy(copies.geometry.x + dx,
                                                    copies.geometry.y + dy, crs="EPSG:4326"))
    return copies.drop(columns=["geoid"], errors="ignore").reset_index(drop=True)


def timed(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    reps = 1 if args.smoke else 3
    big = 5_000 if args.smoke else 50_000
    settings = load_settings({"NAM_DATA_DIR": tempfile.mkdtemp()})
    cook = load_dataset(find_dataset(settings, "cook_county"), settings)
    prepared = prepare_areas(cook.area_set)
    geometry = area_geometry_blob(prepared)
    measure = compute_measure(cook.area_set, Filters())
    print(f"Cook County: {len(cook.area_set.areas):,} tracts; reps={reps} (median)")
    rows = []
    for n in (len(cook.assets), big):
        folder = Path(tempfile.mkdtemp())
        store = Store(f"sqlite:///{folder / 'assets.db'}")
        records = cook.assets if n == len(cook.assets) else many_assets(cook.assets, n)
        t0 = time.perf_counter()
        store.sync_source("bench", records.drop(columns=["geoid"], errors="ignore"),
                          label="bench", user="bench")
        load_s = time.perf_counter() - t0
        cache: dict[str, pd.DataFrame] = {}

        def per_rerun(store=store):
            return store.assets_in(cook.area_set.areas)

        def per_revision(store=store, cache=cache):
            token = store.revision()
            if token not in cache:
                cache.clear()
                cache[token] = store.assets_in(cook.area_set.areas)
            return cache[token]

        per_revision()  # the first rerun after a change pays once
        page = {}
        for name, fetch in (("per rerun", per_rerun), ("per revision", per_revision)):
            db = timed(fetch, reps)

            def rerun(fetch=fetch, page=page):
                shown = filter_assets(fetch(), Filters(), cook.area_set.catalog)
                m = build_map(prepared, cook.area_set, measure, shown, leaflet_js=LEAFLET_CDN_JS,
                              leaflet_css=LEAFLET_CDN_CSS, tiles="none")
                page["html"] = m.get_root().render()

            full = timed(rerun, reps)
            rows.append((n, name, db, full, len(page["html"]) / 1e6))
        # The live map (issue #11): geometry and points are prepared once per revision and
        # reach the browser once; a rerun computes the style, the visible mask, the legend.
        points: dict[str, AssetPoints] = {}

        def live_rerun(page=page, points=points, store=store):
            stored = per_revision()
            token = store.revision()
            if token not in points:
                points.clear()
                points[token] = prepare_asset_points(stored, cook.area_set.areas)
            shown = filter_assets(stored, Filters(), cook.area_set.catalog)
            data = live_map_data(prepared, cook.area_set, measure, geometry, points[token], shown)
            page["html"] = json.dumps({"style": data.style, "visible": data.visible,
                                       "legend_html": data.legend_html})

        live_rerun()
        rows.append((n, "live map", timed(per_revision, reps), timed(live_rerun, reps),
                     len(page["html"]) / 1e6))
        print(f"{n:>7,} assets: imported into the database in {load_s:.1f} s")
        store.close()
    print(f"{'assets':>8} {'path':<13} {'database s':>11} {'whole rerun s':>14} {'page MB':>8}")
    for n, name, db, full, mb in rows:
        print(f"{n:>8,} {name:<13} {db:>11.3f} {full:>14.3f} {mb:>8.2f}")
    small = {name: (db, full) for n, name, db, full, _ in rows if n != big}
    large = {name: (db, full) for n, name, db, full, _ in rows if n == big}
    for name in ("per rerun", "per revision", "live map"):
        print(f"{name}: database part {large[name][0] / small[name][0]:.1f}x, whole rerun "
              f"{large[name][1] / small[name][1]:.1f}x at {big:,} vs {len(cook.assets):,} assets")
    print(f"per revision vs per rerun at {big:,} assets: database part "
          f"{large['per rerun'][0] / large['per revision'][0]:.0f}x faster")


if __name__ == "__main__":
    main()
