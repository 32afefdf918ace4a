"""Typesetting math off the GUI thread, in a process of its own.

An equation takes ziamath 5 to 100 ms, and its first one 0.4 s to load the font: too long
for a paint or a streaming tick. A thread would not do either: while it runs pure Python,
the GUI thread waits for the GIL each time it comes back from Qt (PySide releases it
around every Qt call), and a redraw of a few hundred calls then waits for hundreds of
switch intervals. So views render with what is typeset already (math not typeset yet
shows as its source) and hand the rest here; one worker process (started on first use,
by "spawn": no fork of a Qt process) typesets them one at a time, the results go into the
core's cache in this process (:func:`grokdesk.render.math.typeset.store`), and
:attr:`MathWorker.finished` tells the GUI thread, after each, so that views waiting for
math render again. Nothing is typeset twice: requests already queued or cached are dropped.

Should no process start (a host program whose main script runs the app unguarded, or a
system refusing processes), the worker falls back to a thread: slower streaming, same math.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Iterable
from functools import cache, partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from grokdesk.render.math import MathRequest, TypesetMath
from grokdesk.render.math.typeset import cached, math_request, store, typeset_uncached

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

WARM_UP = math_request("x", display=False, colour="#000000", size_px=16.0)
"""What :meth:`MathWorker.prepare` typesets: the smallest equation that loads the fonts."""
BACKGROUND_NICENESS = 10
"""How much lower the worker process's CPU priority is: a streaming window comes first."""


class MathWorker(QObject):
    """The typesetting process and what it has been asked; ``finished`` comes on the GUI
    thread after each equation, always from its event loop.

    A result can be back before :meth:`request` has returned (the process was quicker than
    the GUI thread); a view that heard of it then would render again from inside its own
    render, which goes on to draw the math's source over it.
    """

    finished = Signal()
    _typeset_one = Signal()
    """Emitted on whichever thread kept a result; queued on to :attr:`finished`."""

    def __init__(self) -> None:
        super().__init__()
        self._typeset_one.connect(self.finished, Qt.ConnectionType.QueuedConnection)
        self._queued: set[MathRequest] = set()
        self._lock = threading.Lock()
        self._pool: Executor | None = None
        self._hooked = False

    def request(self, requests: Iterable[MathRequest]) -> None:
        """Typeset ``requests`` in the worker process (those not queued or done already).

        The callbacks are attached after the lock is released: a future already done by
        then (the worker was quicker than this thread) runs its callback here, at once,
        and that callback takes the lock.
        """
        submitted: list[tuple[MathRequest, Future[TypesetMath | None]]] = []
        with self._lock:
            for request in requests:
                if request in self._queued or cached(request)[0]:
                    continue
                self._queued.add(request)
                submitted.append((request, self._submit(request)))
        for request, future in submitted:
            future.add_done_callback(partial(self._done, request))

    def prepare(self) -> None:
        """Start the process and have it load its fonts before the first equation comes,
        so that neither the spawn nor the font wait falls on a streaming answer (the
        composer's warm-up calls this, once its thread has done the imports)."""
        self.request([WARM_UP])

    def busy(self) -> bool:
        with self._lock:
            return bool(self._queued)

    def shut_down(self) -> None:
        """Stop the process; what is still queued is dropped (the app is quitting)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self, request: MathRequest) -> Future[TypesetMath | None]:
        # Imported with the first equation: 50 ms that a conversation without math never pays.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_in_the_background)
            if not self._hooked:
                # The window stops it in its quit order (:func:`stop_typesetting`); this is
                # for any other exit: a pool still held when Python tears down its
                # modules fails in its clean-up.
                self._hooked = True
                atexit.register(self.shut_down)
        try:
            return self._pool.submit(typeset_uncached, request)
        except (RuntimeError, OSError):  # no process could start: a thread it is
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grokdesk-math")
            return self._pool.submit(typeset_uncached, request)

    def _done(self, request: MathRequest, future: Future[TypesetMath | None]) -> None:
        """In the executor's thread (or the caller's, for a result back already): keep the
        result (a failure is "cannot typeset")."""
        if future.cancelled():  # shut down: asked again, it is submitted again
            with self._lock:
                self._queued.discard(request)
            return
        try:
            result = future.result()
        except Exception:  # the worker process died or could not send it back
            result = None
        store(request, result)
        with self._lock:
            self._queued.discard(request)
        self._typeset_one.emit()


def _in_the_background() -> None:
    """In the worker process: yield the CPU to the window (and everything else) first."""
    with contextlib.suppress(AttributeError, OSError):
        os.nice(BACKGROUND_NICENESS)


@cache
def math_worker() -> MathWorker:
    """The application's worker (created on first use, in the GUI thread)."""
    return MathWorker()


def stop_typesetting() -> None:
    """The window's quit order: stop the typesetting process, if this session started one
    (not on Qt's ``aboutToQuit``, which every ``run_until_complete`` of a qasync loop
    emits)."""
    if math_worker.cache_info().currsize:
        math_worker().shut_down()
