"""Did the last session end cleanly? One marker file per running process says.

Checking a whole history file for damage reads all of it (hundreds of milliseconds
for a large one), too slow for every start. Damage comes from crashes, so each
process that opens the history leaves a marker naming its pid and removes it when it
closes cleanly; a marker whose process is gone means a crash, and only then does
the next start run the full check. Several processes (the window and the command
line) can hold markers at once.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PREFIX = ".running-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SessionMarker:
    """The marker of this process for the history at ``database``."""

    def __init__(self, database: Path) -> None:
        self._folder = database.parent
        self._stem = f".{database.name}{PREFIX}"
        self.path = self._folder / f"{self._stem}{os.getpid()}"

    def _markers(self) -> list[Path]:
        try:
            return [p for p in self._folder.iterdir() if p.name.startswith(self._stem)]
        except OSError:
            return []

    def _dead_markers(self) -> list[Path]:
        dead = []
        for marker in self._markers():
            pid = marker.name.removeprefix(self._stem)
            if marker != self.path and (not pid.isdigit() or not _alive(int(pid))):
                dead.append(marker)
        return dead

    def previous_session_crashed(self) -> bool:
        """Whether a process that had this history open ended without closing it."""
        return bool(self._dead_markers())

    def start(self) -> None:
        """Mark this process as using the history; old markers of dead ones are cleared."""
        for marker in self._dead_markers():
            with contextlib.suppress(OSError):
                marker.unlink()
        with contextlib.suppress(OSError):
            self.path.touch()

    def end(self) -> None:
        """This process closed the history cleanly."""
        with contextlib.suppress(OSError):
            self.path.unlink()
