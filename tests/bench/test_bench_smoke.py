"""Every benchmark still runs: ``python -m bench --smoke`` on tiny data, no budgets asserted.

The figures themselves are judged by ``make bench`` on a quiet machine
(docs/performance.md); here a benchmark only has to run to the end and report a number.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIGURES = {
    "cold_start", "conversation_painted", "rss_idle", "rss_open", "open_long", "open_math",
    "switch_long", "math_lateness_p99", "math_lateness_max",
    "lateness_p99", "lateness_max", "lateness_long_line", "long_line_final", "stream_rate",
    "stream_rate_unpaced", "ttft", "list_all", "list_page",
    "list_last_page", "sidebar_first_page", "search_common", "search_two_common", "search_rare",
    "search_short", "search_none", "sidebar_search", "switch_branch", "export_md",
}


def test_every_benchmark_runs_in_smoke_mode(tmp_path: Path) -> None:
    out = tmp_path / "smoke-results.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=100, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(out.read_text())
    figures = {f["key"]: f for f in results["figures"]}
    assert set(figures) == FIGURES
    for key, figure in figures.items():
        if "skipped" in figure["detail"]:
            continue
        assert math.isfinite(figure["value"]) and figure["value"] > 0, key
    assert results["mode"] == "smoke" and not results["errors"]
