"""The lateness probe's trace: a tick late past the threshold keeps what held the loop."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from bench.qtprobes import LatenessProbe


def _hold_the_loop(probe: LatenessProbe) -> None:
    """Block the GUI thread until the watchdog has written a stack (at most 10 s)."""
    stacks = probe._stacks
    assert stacks is not None
    deadline = time.monotonic() + 10
    written = stacks._file
    assert written is not None
    while os.fstat(written.fileno()).st_size == 0 and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_late_tick_keeps_the_stack_that_held_the_loop(qapp: QApplication) -> None:
    probe = LatenessProbe(4, trace_ms=20)
    probe.start()
    QTimer.singleShot(30, lambda: _hold_the_loop(probe))
    deadline = time.monotonic() + 15
    while not probe.late_stacks and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.001)
    probe.stop()
    summary = probe.summary()
    [late, *_] = summary["late_stacks"]  # type: ignore[misc]
    assert late["stack"][0].startswith("_hold_the_loop (bench/test_lateness_probe.py:")
    assert late["late_ms"] == summary["max_ms"]


def test_without_a_trace_nothing_is_kept(qapp: QApplication) -> None:
    probe = LatenessProbe(4)
    probe.start()
    QTimer.singleShot(10, lambda: time.sleep(0.05))
    deadline = time.monotonic() + 5
    while len(probe.lateness_ms) < 20 and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.001)
    probe.stop()
    assert "late_stacks" not in probe.summary()
