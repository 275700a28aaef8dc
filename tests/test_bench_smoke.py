"""The benchmark runs end to end (a smoke test: its figures are read by people, not asserted)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_map_payload_benchmark_runs(shared):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "map_payload.py"), "--smoke"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT,
                         env={"NAM_SHARED_DATA": str(shared), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    for line in ("ours", "naive folium", "gdf.explore()", "smaller", "faster"):
        assert line in out.stdout
