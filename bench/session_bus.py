"""A private D-Bus session bus for the launches on the private Xvfb, as every desktop
session has one.

Without a session bus, Qt's accessibility bridge, which a window's first child widget
starts, has libdbus start one through ``dbus-launch --autolaunch``: a process spawned
and waited for at every launch, about 10 ms before the window is mapped, which no
user's desktop pays (measured in docs/performance.md, section 23). The bare window has
no child widget and never asks. Both are started with the same bus.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from types import TracebackType
from typing import Self

from bench.xserver import read_line

ADDRESS_WAIT_S = 15


class SessionBus:
    """``dbus-daemon --session`` for the duration of a ``with`` block; :attr:`env` is
    what points a process at it (nothing where dbus-daemon is not installed)."""

    def __init__(self) -> None:
        self.address = ""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"DBUS_SESSION_BUS_ADDRESS": self.address} if self.address else {}

    def __enter__(self) -> Self:
        if shutil.which("dbus-daemon") is None:
            return self
        read_end, write_end = os.pipe()
        self._process = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", f"--print-address={write_end}"],
            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_end)
        try:
            self.address = read_line(read_end, timeout=ADDRESS_WAIT_S)
        finally:
            os.close(read_end)
        if not self.address:
            self.__exit__(None, None, None)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        self.address = ""
