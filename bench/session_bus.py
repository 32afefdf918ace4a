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
from types import TracebackType
from typing import Self

from bench.xserver import ReportingServer

ADDRESS_WAIT_S = 15


class SessionBus(ReportingServer):
    """``dbus-daemon --session`` beside the X server on ``display``, for the duration of
    a ``with`` block; :attr:`env` is what points a process at it (nothing where
    dbus-daemon is not installed)."""

    def __init__(self, display: str) -> None:
        super().__init__()
        self.display = display
        self.address = ""

    @property
    def env(self) -> dict[str, str]:
        return {"DBUS_SESSION_BUS_ADDRESS": self.address} if self.address else {}

    def __enter__(self) -> Self:
        if shutil.which("dbus-daemon") is None:
            return self
        # What the bus starts on demand (the accessibility bus's launcher) belongs to
        # the private display, not to whichever one the benchmark was started from.
        env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
        env["DISPLAY"] = self.display
        self.address = self._start(
            lambda fd: ["dbus-daemon", "--session", "--nofork", f"--print-address={fd}"],
            timeout=ADDRESS_WAIT_S, env=env)
        if not self.address:
            self.__exit__(None, None, None)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        super().__exit__(exc_type, exc, tb)
        self.address = ""
