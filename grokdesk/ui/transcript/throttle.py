"""Rate-limit a callable: call at once, then coalesce further calls until a timer fires.

Streaming delivers many small events per second; redrawing on each one would make
the GUI thread spend its life in layout. After a call goes through, calls that
arrive within ``delay_ms`` collapse into one made when the delay is over (with the
latest arguments), so the view redraws at most every ``delay_ms`` and never misses
the final state. Modelled on qutebrowser's ``misc/throttle.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, ParamSpec

from PySide6.QtCore import QObject, QTimer

P = ParamSpec("P")


class Throttle(QObject, Generic[P]):
    """Wraps ``func`` so that it runs at most once every ``delay_ms`` milliseconds."""

    def __init__(
        self, func: Callable[P, object], delay_ms: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._func = func
        self._delay_ms = delay_ms
        self._pending: tuple[tuple[object, ...], dict[str, object]] | None = None
        self._last_call_ms: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._call_pending)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        now = time.monotonic() * 1000
        if self._pending is None and not self._timer.isActive():
            if self._last_call_ms is None or now - self._last_call_ms >= self._delay_ms:
                self._last_call_ms = now
                self._func(*args, **kwargs)
                return
            self._timer.start(max(0, int(self._delay_ms - (now - self._last_call_ms))))
        self._pending = (args, dict(kwargs))

    @property
    def pending(self) -> bool:
        """Whether a coalesced call is waiting for the timer."""
        return self._pending is not None

    def flush(self) -> None:
        """Make the waiting call now (if any), e.g. before showing the final state."""
        self._timer.stop()
        self._call_pending()

    def cancel(self) -> None:
        """Drop the waiting call: its result would be stale."""
        self._timer.stop()
        self._pending = None

    def _call_pending(self) -> None:
        if self._pending is None:
            return
        args, kwargs = self._pending
        self._pending = None
        self._last_call_ms = time.monotonic() * 1000
        self._func(*args, **kwargs)  # type: ignore[arg-type]
