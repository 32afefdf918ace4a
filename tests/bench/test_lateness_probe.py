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


def _held_by_the_test(tick: dict[str, object]) -> bool:
    return str(tick["stack"][0]).startswith(  # type: ignore[index]
        "_hold_the_loop (bench/test_lateness_probe.py:")


def test_a_late_tick_keeps_the_stack_that_held_the_loop(qapp: QApplication) -> None:
    """A busy machine can make other ticks late too: the one this test held is found
    among them, and the summary keeps the latest ticks worst first."""
    probe = LatenessProbe(4, trace_ms=20)
    probe.start()
    QTimer.singleShot(30, lambda: _hold_the_loop(probe))
    deadline = time.monotonic() + 15
    while not any(map(_held_by_the_test, probe.late_stacks)) and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.001)
    probe.stop()
    assert any(map(_held_by_the_test, probe.late_stacks))
    summary = probe.summary()
    kept = summary["late_stacks"]
    assert kept[0]["late_ms"] == summary["max_ms"]  # type: ignore[index]
    assert [t["late_ms"] for t in kept] == sorted(  # type: ignore[attr-defined]
        (t["late_ms"] for t in kept), reverse=True)  # type: ignore[attr-defined]


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
