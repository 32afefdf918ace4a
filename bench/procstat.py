"""Reading a process from /proc: resident memory, CPU time, and waiting until it is idle."""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """VmRSS of ``pid`` in MiB (what ``ps`` and system monitors show as memory)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def wait_idle(pid: int, *, quiet: float = 0.5, busy_share: float = 0.04,
              timeout: float = 15.0) -> float:
    """Wait until ``pid`` used under ``busy_share`` of a core for ``quiet`` seconds.

    Returns how long that took. "Idle after start" means the window is up and the
    start-up work (and whatever the app deferred to just after it) is over.
    """
    started = time.perf_counter()
    before = cpu_seconds(pid)
    while time.perf_counter() - started < timeout:
        time.sleep(quiet)
        after = cpu_seconds(pid)
        if after - before <= busy_share * quiet:
            break
        before = after
    return time.perf_counter() - started
