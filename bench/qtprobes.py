"""Probes on the Qt loop: when a widget's next paint pass ended, and how late timers fire.

Both are cheap enough not to disturb what they measure: the paint probe filters the
events of two widgets only, and the lateness probe is one repeating precise timer.
"""

from __future__ import annotations

import time

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

    def __init__(self, interval_ms: int = 4) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.lateness_ms: list[float] = []
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.lateness_ms = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> list[float]:
        self._timer.stop()
        return self.lateness_ms

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.lateness_ms.append(max(0.0, (now - self._last) * 1000 - self.interval_ms))
        self._last = now

    def summary(self) -> dict[str, float]:
        samples = self.lateness_ms or [0.0]
        return {"ticks": len(self.lateness_ms), "p50_ms": round(percentile(samples, 0.5), 2),
                "p99_ms": round(percentile(samples, 0.99), 2),
                "max_ms": round(max(samples), 2)}
