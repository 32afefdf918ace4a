"""Cold start to the main window shown, and resident memory once idle: app vs bare window.

Both programs are started the same way (``python -m …`` with the same interpreter) on
the same private Xvfb with Qt's xcb platform and the same private session bus (as a
desktop session has one: ``bench.session_bus``), alternately, after one unmeasured
warm-up launch each (so both find the OS file cache equally warm). Start-up time runs
from ``Popen`` to the X server mapping the process's window; memory is VmRSS once the
process has been idle for half a second. The app opens the 10,000-conversation history
and shows its most recent conversation, as it does for a returning user: "conversation
painted" runs from ``Popen`` to the first paint pass after the window's title became
that conversation's (seen through the X DAMAGE extension, nothing in the app), against
the bare window's first paint.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import grokdesk
from bench import REPO_DIR
from bench.appdriver import app_env
from bench.context import Context
from bench.procstat import rss_mib, wait_idle
from bench.report import Figure, skipped
from bench.session_bus import SessionBus
from bench.stats import median, rounded
from bench.xserver import StartWatcher, Xvfb, available, stop
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from grokdesk.ui.main_window import window_title

START_TITLE = "cold start to main window shown (10k conv / 200k msg) vs bare QMainWindow"
PAINT_TITLE = "newest conversation painted after a cold start vs bare window's first paint"
RSS_TITLE = "RSS idle after start with that history vs bare window"
LAUNCH_PAIRS = 15
"""Launches of each program in a full run. On a shared two-core machine one launch of
either program can differ from the next by 40 ms or more, and three runs of 9 pairs gave
the bare window medians of 163, 207 and 231 ms (docs/performance.md, section 23);
15 pairs narrow that spread by about a quarter (the square root of 9/15)."""
APP = ("-m", "grokdesk")
FLOOR = ("-m", "bench.floor_window")


@dataclass(frozen=True, slots=True)
class Launch:
    """One start: seconds until the window was mapped, until it painted what it opened
    (the first paint for the bare window), and MiB resident once idle."""

    start_s: float
    painted_s: float
    rss_mib: float


def launch(args: tuple[str, ...], display: str, watcher: StartWatcher,
           extra_env: dict[str, str], log: Path, title: str | None = None) -> Launch:
    """Start ``python args`` on ``display``, time its window, read its idle RSS, stop it."""
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", **extra_env)
    with log.open("ab") as output:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, *args], cwd=REPO_DIR, env=env,
                                   stdout=output, stderr=output)
        try:
            seen = watcher.wait_start(process.pid, title, timeout=60)
            if seen is None:
                raise RuntimeError(f"{' '.join(args)} did not show and paint its window "
                                   f"within 60 s (see {log})")
            wait_idle(process.pid)
            painted = seen.titled_paint if seen.titled_paint is not None else seen.first_paint
            return Launch(seen.mapped - started, painted - started, rss_mib(process.pid))
        finally:
            stop(process, timeout=15)


def newest_title(db_path: Path) -> str:
    """The window title the app takes when it opens the history's newest conversation."""
    history = History(open_database(db_path))
    try:
        return window_title(history.latest_conversation())
    finally:
        history.db.close()


def run(ctx: Context) -> list[Figure]:
    reason = available()
    if reason is not None:
        return [skipped("cold_start", START_TITLE, "×", reason),
                skipped("conversation_painted", PAINT_TITLE, "×", reason),
                skipped("rss_idle", RSS_TITLE, "×", reason)]
    history = ctx.history
    env = app_env(history.data_dir)
    title = newest_title(history.db_path)
    log = ctx.workdir("startup") / "launches.log"
    # An installed app starts from its bytecode; a checkout under PYTHONDONTWRITEBYTECODE
    # would compile every changed module again at each launch and time the compiler.
    compileall.compile_dir(Path(grokdesk.__file__).parent, quiet=1)
    apps: list[Launch] = []
    floors: list[Launch] = []
    with Xvfb() as xvfb, SessionBus(xvfb.display) as bus:
        watcher = StartWatcher(xvfb.display)
        env.update(bus.env)
        try:
            launch(APP, xvfb.display, watcher, env, log, title)
            launch(FLOOR, xvfb.display, watcher, bus.env, log)
            for _ in range(ctx.reps(LAUNCH_PAIRS, 1)):
                apps.append(launch(APP, xvfb.display, watcher, env, log, title))
                floors.append(launch(FLOOR, xvfb.display, watcher, bus.env, log))
        finally:
            watcher.close()
        session_bus = bool(bus.env)
    app_start, floor_start = median([a.start_s for a in apps]), median([f.start_s for f in floors])
    app_paint = median([a.painted_s for a in apps])
    floor_paint = median([f.painted_s for f in floors])
    app_rss, floor_rss = median([a.rss_mib for a in apps]), median([f.rss_mib for f in floors])
    desktop = "Xvfb + xcb" + (" + a private session bus" if session_bus
                              else " (no private session bus)")
    method = f"{desktop}, Popen → MapNotify of the process's window; VmRSS after 0.5 s idle"
    paint_method = (f"{desktop}, Popen → the first DAMAGE report after the window's title "
                    "became the newest conversation's (app) / its first paint (bare window)")
    return [
        Figure("cold_start", START_TITLE, app_start / floor_start, "×", 1.5, detail={
            "app_ms": round(app_start * 1000, 1), "floor_ms": round(floor_start * 1000, 1),
            "app_samples_ms": rounded([a.start_s * 1000 for a in apps], 1),
            "floor_samples_ms": rounded([f.start_s * 1000 for f in floors], 1),
            "method": method}),
        Figure("conversation_painted", PAINT_TITLE, app_paint / floor_paint, "×", 2.0, detail={
            "app_ms": round(app_paint * 1000, 1), "floor_ms": round(floor_paint * 1000, 1),
            "app_samples_ms": rounded([a.painted_s * 1000 for a in apps], 1),
            "floor_samples_ms": rounded([f.painted_s * 1000 for f in floors], 1),
            "method": paint_method}),
        Figure("rss_idle", RSS_TITLE, app_rss / floor_rss, "×", 1.8, detail={
            "app_mib": round(app_rss, 1), "floor_mib": round(floor_rss, 1),
            "app_samples_mib": rounded([a.rss_mib for a in apps], 1),
            "floor_samples_mib": rounded([f.rss_mib for f in floors], 1),
            "method": method}),
    ]
