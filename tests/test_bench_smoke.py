"""The benchmarks run end to end (smoke tests: their figures are read by people, not asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script,expected", [
    ("map_payload.py", ("ours", "naive folium", "gdf.explore()", "smaller", "faster")),
    # The gap benchmark exits 1 when its answers differ from the naive loop's.
    ("gap_analysis.py", ("ours (median", "naive Python loops", "same ranking: True")),
    ("asset_database.py", ("per rerun", "per revision", "database part")),
    ("map_browser.py", ("ours (live map)", "rebuild (before #11)", "fewer raw bytes",
                        "Streamlit's floor")),
    ("map_rerun.py", ("ours (live map)", "rebuild (before #11)", "Python per rerun")),
    # Exits 1 unless every scenario is 0 lost / 0 duplicated / 0 refused.
    ("concurrent_writes.py", ("different rows", "target 0 / 0 / 0: met")),
])
def test_benchmark_runs(shared, script, expected):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--smoke"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT,
                         env={"NAM_SHARED_DATA": str(shared), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    for line in expected:
        assert line in out.stdout
