"""Typesetting math off the GUI thread.

An equation takes ziamath 5 to 100 ms (and its first one loads a font for 0.4 s), too long
for a paint or a streaming tick. So views render with what is typeset already (math not
typeset yet shows as its source) and hand the rest here; one daemon thread typesets them,
one at a time, into the core's cache (:func:`grokdesk.render.math.typeset`), and
:attr:`MathWorker.finished` tells the GUI thread when the queue has run dry, so that views
waiting for math render again, once. Nothing is typeset twice: requests already queued or
cached are dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from functools import cache

from PySide6.QtCore import QObject, Signal

from grokdesk.render.math import MathRequest, typeset
from grokdesk.render.math.typeset import cached


class MathWorker(QObject):
    """The one typesetting thread and its queue; ``finished`` comes on the GUI thread."""

    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.SimpleQueue[MathRequest] = queue.SimpleQueue()
        self._queued: set[MathRequest] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def request(self, requests: Iterable[MathRequest]) -> None:
        """Typeset ``requests`` in the thread (those not queued or done already)."""
        with self._lock:
            for request in requests:
                if request in self._queued or cached(request)[0]:
                    continue
                self._queued.add(request)
                self._queue.put(request)
            if self._queued and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="grokdesk-math",
                                                daemon=True)
                self._thread.start()

    def busy(self) -> bool:
        with self._lock:
            return bool(self._queued)

    def _run(self) -> None:
        while True:
            request = self._queue.get()
            typeset(request)
            with self._lock:
                self._queued.discard(request)
                drained = not self._queued
            if drained:
                self.finished.emit()


@cache
def math_worker() -> MathWorker:
    """The application's worker (created on first use, in the GUI thread)."""
    return MathWorker()
