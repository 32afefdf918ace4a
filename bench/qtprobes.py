"""Probes on the Qt loop: when a widget's next paint pass ended, and how late timers fire.

Both are cheap enough not to disturb what they measure: the paint probe filters the
events of two widgets only, and the lateness probe is one repeating precise timer.
With ``trace_ms`` the lateness probe also says what held the loop: Python's
``faulthandler`` watchdog (a C thread that needs no GIL) is armed at each tick and
writes the GUI thread's stack if the next tick has not come ``trace_ms`` later.
"""

from __future__ import annotations

import faulthandler
import os
import tempfile
import threading
import time
from typing import IO

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

from bench.stats import percentile


class PaintProbe(QObject):
    """When the first paint pass after :meth:`arm` was over, for the watched widgets.

    Qt paints every dirty widget of a window in one synchronous pass, parents before
    children, then flushes it to the screen. A zero timer started from the first paint
    event fires once that pass (and the flush) is done: that time is the "first paint".
    """

    def __init__(self, *widgets: QWidget | None) -> None:
        super().__init__()
        self._armed = False
        self._marker_pending = False
        self.started: float | None = None
        self.done: float | None = None
        self._widgets = [widget for widget in widgets if widget is not None]
        for widget in self._widgets:
            widget.installEventFilter(self)

    def arm(self) -> float:
        """Forget earlier paints; return the start time (``time.perf_counter()``)."""
        self._armed = True
        self._marker_pending = False
        self.done = None
        self.started = time.perf_counter()
        return self.started

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._armed and not self._marker_pending and event.type() == QEvent.Type.Paint:
            self._marker_pending = True
            QTimer.singleShot(0, self._pass_over)
        return False

    def _pass_over(self) -> None:
        self.done = time.perf_counter()
        self._armed = False

    def elapsed_ms(self) -> float | None:
        if self.done is None or self.started is None:
            return None
        return (self.done - self.started) * 1000

    def remove(self) -> None:
        for widget in self._widgets:
            widget.removeEventFilter(self)


class LatenessProbe(QObject):
    """A precise timer every ``interval_ms`` that records how late each tick came.

    Lateness is the time between two ticks minus the interval: anything that holds
    the GUI thread (a long redraw, a slow query, a burst of events) shows up as one
    late tick of that length.
    """

    def __init__(self, interval_ms: int = 4, trace_ms: float | None = None) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.lateness_ms: list[float] = []
        self._last: float | None = None
        self._started = 0.0
        self._stacks = _LateStacks(interval_ms + trace_ms) if trace_ms else None
        self.late_stacks: list[dict[str, object]] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.lateness_ms = []
        self.late_stacks = []
        self._started = self._last = time.perf_counter()
        if self._stacks is not None:
            self._stacks.arm()
        self._timer.start()

    def stop(self) -> list[float]:
        self._timer.stop()
        if self._stacks is not None:
            self._stacks.disarm()
        return self.lateness_ms

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            late = max(0.0, (now - self._last) * 1000 - self.interval_ms)
            self.lateness_ms.append(late)
            if self._stacks is not None:
                stack = self._stacks.take()
                if stack:
                    self.late_stacks.append({"late_ms": round(late, 2),
                                             "at_s": round(self._last - self._started, 3),
                                             "stack": stack})
                self._stacks.arm()
        self._last = now

    def summary(self) -> dict[str, object]:
        samples = self.lateness_ms or [0.0]
        found: dict[str, object] = {
            "ticks": len(self.lateness_ms), "p50_ms": round(percentile(samples, 0.5), 2),
            "p99_ms": round(percentile(samples, 0.99), 2), "max_ms": round(max(samples), 2)}
        if self._stacks is not None:
            worst = sorted(self.late_stacks, key=lambda t: -float(t["late_ms"]))  # type: ignore[arg-type]
            found["late_stacks"] = worst[:TRACED_TICKS]
        return found


TRACED_TICKS = 8
"""How many of the latest ticks keep their stack in a summary."""
STACK_FRAMES = 14


class _LateStacks:
    """The GUI thread's stack ``after_ms`` after the last tick, if no tick came by then."""

    def __init__(self, after_ms: float) -> None:
        self._after_s = after_ms / 1000
        self._file: IO[bytes] | None = None
        self._main = threading.main_thread().ident or 0

    def arm(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile("w+b")  # noqa: SIM115 - closed by disarm
        faulthandler.dump_traceback_later(self._after_s, repeat=False, file=self._file)

    def disarm(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        if self._file is not None:
            self._file.close()
            self._file = None

    def take(self) -> list[str]:
        """The main thread's frames, innermost first, if the watchdog wrote any."""
        faulthandler.cancel_dump_traceback_later()
        if self._file is None:
            return []
        fd = self._file.fileno()
        end = os.lseek(fd, 0, os.SEEK_END)
        if end == 0:
            return []
        text = os.pread(fd, end, 0).decode("utf-8", "replace")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        return _main_thread_frames(text, self._main)


def _main_thread_frames(dump: str, ident: int) -> list[str]:
    """``file:line in function`` for each frame of thread ``ident`` in a faulthandler dump."""
    frames: list[str] = []
    inside = False
    for line in dump.splitlines():
        if line.startswith(("Thread 0x", "Current thread 0x")):
            inside = int(next(w for w in line.split() if w.startswith("0x")), 16) == ident
            continue
        if inside and line.strip().startswith("File "):
            path, _, rest = line.strip()[6:].partition('", line ')
            number, _, function = rest.partition(" in ")
            frames.append(f"{function} ({'/'.join(path.split('/')[-2:])}:{number})")
    return frames[:STACK_FRAMES]
