"""grokdesk's benchmarks: each figure of docs/performance.md, measured against its floor
in the same run.

``python -m bench`` runs them all and writes ``bench/results.json``; ``--smoke`` runs a
tiny version of each in seconds (CI keeps them working). docs/performance.md has the
method and the latest figures.
"""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
"""Generated histories, cached between runs (gitignored)."""
RESULTS_PATH = BENCH_DIR / "results.json"
