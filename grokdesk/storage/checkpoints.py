"""Checkpoints of the write-ahead log on a thread of their own, for the desktop app.

By default SQLite checkpoints inside the commit that takes the log past 1,000 pages:
it copies the log into the history file and syncs it, in whichever thread committed.
In the window that is the GUI thread, so every few megabytes of writes (answers and
their search index) one click on Send or one saved answer froze the window: 78 ms in
the stream benchmark. With :class:`BackgroundCheckpoints` the window's connection
never checkpoints; after its commits pause for :data:`QUIET_S` (or :data:`LONGEST_S`
into steady writing), this thread runs a passive checkpoint on its own connection,
which waits for no reader and no writer. Closing the last connection checkpoints
what is left, as before.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

QUIET_S = 2.0
"""Commits pause this long before a checkpoint runs."""
LONGEST_S = 30.0
"""Under steady writing (a long answer saved every second), a checkpoint runs this often."""


class BackgroundCheckpoints:
    """A thread that checkpoints ``path``'s log after :meth:`poke`, until :meth:`stop`;
    ``closed`` is called once its connection is closed, in the thread."""

    def __init__(self, path: Path, closed: Callable[[], None], *, quiet_s: float = QUIET_S,
                 longest_s: float = LONGEST_S) -> None:
        # Opened here, so that a file that cannot be opened twice leaves checkpoints
        # where SQLite puts them (raises sqlite3.Error); used only by the thread.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._closed = closed
        self._quiet_s = quiet_s
        self._longest_s = longest_s
        self._poked = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="grokdesk-checkpoints",
                                        daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def poke(self) -> bool:
        """Something was committed: checkpoint once the commits pause. False when the
        thread has ended (it failed): the caller checkpoints in its commits again."""
        self._poked.set()
        return self.alive

    def stop(self, timeout_s: float = 10.0) -> None:
        """End the thread (after a checkpoint it is running), which closes its connection;
        wait for it at most ``timeout_s``."""
        self._stopping = True
        self._poked.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            while self._poked.wait() and not self._stopping:
                self._wait_for_quiet()
                if self._stopping:
                    break
                self._checkpoint()
        except Exception:
            log.exception("The history's checkpoint thread failed")
        finally:
            self._conn.close()
            self._closed()

    def _wait_for_quiet(self) -> None:
        first = time.monotonic()
        self._poked.clear()
        while not self._stopping and time.monotonic() - first < self._longest_s:
            if not self._poked.wait(self._quiet_s):
                return
            self._poked.clear()

    def _checkpoint(self) -> None:
        try:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            # The next commit pokes again; the last close checkpoints in any case.
            log.warning("Could not checkpoint the history's log: %s", exc)

