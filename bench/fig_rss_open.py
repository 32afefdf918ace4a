"""Resident memory of the app after it opened a 1,000-message conversation (≤ 150 MiB).

Measured in a process of its own that runs the real app (``run_window``) over the
200,000-message history on the same private Xvfb and session bus as the start-up
figures (see ``bench.rss_open_child``); the median over a few processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import REPO_DIR
from bench.context import Context
from bench.report import Figure, skipped
from bench.session_bus import SessionBus
from bench.stats import median, rounded
from bench.xserver import Xvfb, available

TITLE = "RSS after opening a 1,000-message conversation"


def _child(display: str, bus: dict[str, str], data_dir: str,
           conversation_id: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", **bus)
    done = subprocess.run(
        [sys.executable, "-m", "bench.rss_open_child", data_dir, str(conversation_id)],
        cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"rss_open_child failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(ctx: Context) -> list[Figure]:
    reason = available()
    if reason is not None:
        return [skipped("rss_open", TITLE, "MiB", reason)]
    history = ctx.history
    with Xvfb() as xvfb, SessionBus(xvfb.display) as bus:
        results = [_child(xvfb.display, bus.env, str(history.data_dir), history.long_ids[0])
                   for _ in range(ctx.reps(3, 1))]
    after = [r["rss_after_mib"] for r in results]
    return [Figure("rss_open", TITLE, median(after), "MiB", 150.0, detail={
        "samples_mib": rounded(after, 1),
        "before_open_mib": median([r["rss_before_mib"] for r in results]),
        "messages": results[0]["messages"], "built_views": results[0]["built_views"],
        "method": "real app (run_window) on Xvfb/xcb; VmRSS after first paint + 0.5 s idle"})]
