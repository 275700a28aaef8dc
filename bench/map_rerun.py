"""Python time per map rerun: ours (the live map) beside the rebuild-everything map (the
code path before issue #11, ``bench/rebuild_map_app.py``), in one run, same data.

Run:  .venv/bin/python bench/map_rerun.py                  (demo and Cook County)
      .venv/bin/python bench/map_rerun.py --smoke          (demo, 2 reruns each; CI)
      .venv/bin/python bench/map_rerun.py --scale          (+ 9,300 areas with 50,000 assets)

Each app runs in Streamlit's own script runner (``streamlit.testing.v1.AppTest``), so the
time is the page script's: sidebar, measure, assets, map data; no browser, no network.
After the first run, ours is told what a browser tells it once the geometry and points
have arrived (their digests), so its reruns send only what changed, as in a browser;
without that they would encode megabytes of geometry on every rerun.
After a first run (loading and caching the dataset), the sidebar's language filter is
switched on and off, then the asset category filter, ``--reruns`` times each; the median
of each kind is printed, with the ratio rebuild / ours.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LANGUAGES = {"demo": "vietnamese", "cook_county": "spanish", "scale_9300": "spanish"}
TIMEOUT = 900


def _timed(at) -> float:
    started = time.perf_counter()
    at.run(timeout=TIMEOUT)
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return elapsed


def _live_map_args(at) -> dict | None:
    """The arguments the live map component got on the last run (``None``: no live map)."""
    found = []

    def walk(node) -> None:
        children = getattr(node, "children", None)
        for child in (children.values() if isinstance(children, dict) else ()):
            walk(child)
        if getattr(node, "type", "") == "component_instance":
            found.append(node.proto)

    walk(at._tree)
    live = [p for p in found if p.component_name.endswith("nam_map")]
    return json.loads(live[0].json_args) if live else None


def _say_the_browser_has_the_data(at) -> None:
    """Answer as the browser does once the geometry and points arrived (their digests),
    so later reruns send only what changed, as with a real browser."""
    args = _live_map_args(at)
    if args is not None:
        at.session_state["main_map"] = {"base": args["base"]["key"], "have": args["digests"]}


def measure(script: Path, dataset: str, reruns: int) -> dict[str, float]:
    """Median seconds per rerun for a language change and a category change."""
    from streamlit.testing.v1 import AppTest

    os.environ["NAM_DATASET"] = dataset
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
    first = _timed(at)
    _say_the_browser_has_the_data(at)
    language = LANGUAGES[dataset]
    categories = at.sidebar.multiselect(key="f_categories").options
    picked = [o for o in categories][:1]
    times: dict[str, list[float]] = {"language": [], "category": []}
    for _ in range(reruns):
        at.sidebar.multiselect(key="f_languages").set_value([language])
        times["language"].append(_timed(at))
        at.sidebar.multiselect(key="f_languages").set_value([])
        times["language"].append(_timed(at))
    for _ in range(reruns):
        at.sidebar.multiselect(key="f_categories").set_value(picked)
        times["category"].append(_timed(at))
        at.sidebar.multiselect(key="f_categories").set_value([])
        times["category"].append(_timed(at))
    return {"first": first, "language_new": times["language"][0],
            "category_new": times["category"][0],
            **{k: statistics.median(v) for k, v in times.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--scale", action="store_true")
    parser.add_argument("--reruns", type=int, default=5)
    args = parser.parse_args()
    datasets = ["demo"] if args.smoke else ["demo", "cook_county"]
    reruns = 1 if args.smoke else args.reruns
    work = Path(tempfile.mkdtemp(prefix="nam-rerun-"))
    os.environ.setdefault("NAM_TILES", "none")
    os.environ["NAM_DATA_DIR"] = str(work / "data")
    if args.scale:
        from scale_cases import write_case

        write_case(work / "data" / "datasets" / "scale_9300", areas=9300, assets=50_000)
        datasets.append("scale_9300")
    rebuild = work / "rebuild" / "app.py"
    rebuild.parent.mkdir()
    shutil.copy(ROOT / "bench" / "rebuild_map_app.py", rebuild)
    rows = []
    try:
        for dataset in datasets:
            for name, script in (("ours (live map)", ROOT / "app.py"),
                                 ("rebuild (before #11)", rebuild)):
                rows.append((dataset, name, measure(script, dataset, reruns)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("Seconds of Python per rerun. 'new': the first change to a view not shown before;"
          " 'median': of every change, back and forth (views seen before included).")
    print(f"{'dataset':<12} {'approach':<22} {'first':>7} {'language new':>13} "
          f"{'median':>7} {'category new':>13} {'median':>7}")
    for dataset, name, r in rows:
        print(f"{dataset:<12} {name:<22} {r['first']:>7.2f} {r['language_new']:>13.3f} "
              f"{r['language']:>7.3f} {r['category_new']:>13.3f} {r['category']:>7.3f}")
    for dataset in datasets:
        ours, base = (r for d, _, r in rows if d == dataset)
        print(f"{dataset}: Python per rerun, rebuild / ours: language change "
              f"{base['language_new'] / ours['language_new']:.1f}x new, "
              f"{base['language'] / ours['language']:.1f}x median; category change "
              f"{base['category_new'] / ours['category_new']:.1f}x new, "
              f"{base['category'] / ours['category']:.1f}x median")


if __name__ == "__main__":
    main()
