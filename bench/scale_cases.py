"""Scale cases: Cook County's real tracts tiled into a state-sized coverage, as datasets.

Run:  .venv/bin/python bench/scale_cases.py --areas 3300 --out DATA_DIR/datasets/scale_3300
      .venv/bin/python bench/scale_cases.py --areas 9300 --assets 50000 --out ...

Deterministic: copy ``c`` of the 1,332 tracts is moved 0.8 degrees east per column and
0.7 degrees north per row (4 columns), keeps its tracts' statistics, and its ids get the
copy number appended (``17031010100`` -> ``1703101010003``); the first ``--areas`` areas
are kept. Assets are Cook County's real ones repeated over the copies, each moved by up to
~40 m (fixed seed). The folder is an ordinary described dataset (``dataset.json``, a
GeoJSON of areas, one CSV of statistics with margins, one CSV of assets), so the app
loads it like any library's own files. Used by ``bench/map_browser.py --scale``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mapping.infra.settings import load_settings  # noqa: E402
from mapping.sources.datasets import find_dataset, load_dataset  # noqa: E402

COLUMNS, DX, DY = 4, 0.8, 0.7


def _offset(copy: int) -> tuple[float, float]:
    return DX * (copy % COLUMNS), DY * (copy // COLUMNS)


def write_case(out: Path, *, areas: int, assets: int | None = None) -> Path:
    """Write a tiled dataset of ``areas`` areas (and ``assets`` assets) into ``out``."""
    warnings.filterwarnings("ignore")
    settings = load_settings({})
    cook = load_dataset(find_dataset(settings, "cook_county"), settings)
    spec = json.loads((ROOT / "data" / "specs" / "cook_county.json").read_text())
    base = cook.area_set.areas
    copies = math.ceil(areas / len(base))
    wide = cook.area_set.indicators.pivot(index="geoid", columns="variable",
                                          values=["estimate", "moe"])
    with_moe = {v for v in wide["moe"].columns if wide["moe"][v].notna().any()}
    frames, stats = [], []
    for c in range(copies):
        dx, dy = _offset(c)
        ids = [f"{g}{c:02d}" for g in base.index]
        frames.append(gpd.GeoDataFrame(
            {"GEOID": ids, "NAME": [f"{n} (copy {c})" for n in base["name"]]},
            geometry=base.geometry.translate(xoff=dx, yoff=dy).to_numpy(), crs="EPSG:4326"))
        table = pd.DataFrame({"GEOID": ids})
        for variable in wide["estimate"].columns:
            table[variable] = wide["estimate"][variable].reindex(base.index).to_numpy()
            if variable in with_moe:
                table[f"{variable}_moe"] = wide["moe"][variable].reindex(base.index).to_numpy()
        stats.append(table)
    out.mkdir(parents=True, exist_ok=True)
    pd.concat(frames).iloc[:areas].to_file(out / "areas.geojson", driver="GeoJSON")
    pd.concat(stats).iloc[:areas].to_csv(out / "stats.csv", index=False)

    n = assets if assets is not None else len(cook.assets) * copies
    rng = np.random.default_rng(9)
    source = cook.assets.iloc[np.arange(n) % len(cook.assets)]
    copy_of = (np.arange(n) // len(cook.assets)) % copies
    shift = np.array([_offset(int(c)) for c in copy_of]).reshape(-1, 2)
    jitter = rng.uniform(-0.0004, 0.0004, size=(n, 2))
    points = pd.DataFrame({
        "id": [f"scale-{i}" for i in range(n)],
        "name": source["name"].to_numpy(),
        "category": source["category"].to_numpy(),
        "services": source["services"].map("; ".join).to_numpy(),
        "languages": source["languages"].map("; ".join).to_numpy(),
        "longitude": source.geometry.x.to_numpy() + shift[:, 0] + jitter[:, 0],
        "latitude": source.geometry.y.to_numpy() + shift[:, 1] + jitter[:, 1],
    })
    points.to_csv(out / "assets.csv", index=False)

    variables = []
    for table in spec["tables"]:
        for v in table["variables"]:
            meta = {k: val for k, val in v.items() if k not in ("estimate", "moe")}
            columns = {"estimate": v["id"]}
            if v["id"] in with_moe:
                columns["moe"] = f"{v['id']}_moe"
            variables.append({**meta, **columns})
    description = {
        "name": f"Scale test: {areas:,} areas, {n:,} assets (Cook County tiled)",
        "description": "Cook County's real tracts and statistics repeated side by side "
                       "(bench/scale_cases.py): for measuring the map at state size.",
        "source": spec["source"] + " (tiled copies for benchmarks)",
        "year": spec["year"],
        "areas": {"path": "areas.geojson", "id": "GEOID", "name": "NAME"},
        "tables": [{"path": "stats.csv", "id": "GEOID", "variables": variables}],
        "assets": [{"path": "assets.csv", "id": "id", "fields": {
            "name": "name", "category": "category", "services": "services",
            "languages": "languages"}}],
    }
    (out / "dataset.json").write_text(json.dumps(description, indent=1), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, required=True)
    parser.add_argument("--assets", type=int, default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    out = write_case(args.out, areas=args.areas, assets=args.assets)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
