"""A private Xvfb, and the moment a process's first top-level window is mapped on it.

Cold start is measured from outside, the same way for the app and the bare window:
from ``Popen`` to the X server's MapNotify for a window whose ``_NET_WM_PID`` is the
child's. This is what ``xdotool search --sync --onlyvisible --pid`` waits for, but
xdotool polls every half second; listening for the event through Xlib (ctypes, no
extra package) gives the time to within the event's delivery.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import shutil
import subprocess
import time
from types import TracebackType
from typing import Self

SCREEN = "1280x800x24"
_SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
_MAP_NOTIFY = 19
_ANY_PROPERTY_TYPE = 0


class XError(RuntimeError):
    """The X server could not be started or reached."""


class _MapEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("event", ctypes.c_ulong), ("window", ctypes.c_ulong),
                ("override_redirect", ctypes.c_int)]


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("map", _MapEvent), ("pad", ctypes.c_long * 24)]


def _xlib() -> ctypes.CDLL:
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    lib = ctypes.CDLL(name)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XDefaultRootWindow.restype = ctypes.c_ulong
    lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    lib.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
    lib.XPending.argtypes = [ctypes.c_void_p]
    lib.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XEvent)]
    lib.XConnectionNumber.argtypes = [ctypes.c_void_p]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XGetWindowProperty.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
        ctypes.c_int, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p)]
    lib.XFree.argtypes = [ctypes.c_void_p]
    return lib


def available() -> str | None:
    """Why no private X server can be had here, or None when it can."""
    if shutil.which("Xvfb") is None:
        return "Xvfb is not installed (apt-get install xvfb)"
    if ctypes.util.find_library("X11") is None:
        return "libX11 is not installed"
    return None


def _read_line(fd: int, timeout: float) -> str:
    """Read up to a newline: Xvfb exits if the pipe closes before it wrote all of it."""
    deadline = time.perf_counter() + timeout
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.perf_counter()
        ready, _, _ = select.select([fd], [], [], max(0.0, left))
        piece = os.read(fd, 32) if ready else b""
        if not piece:
            break
        data += piece
    return data.decode().strip()


class Xvfb:
    """``Xvfb -displayfd`` on a free display number, local connections only."""

    def __init__(self, screen: str = SCREEN) -> None:
        self.screen = screen
        self.display = ""
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        read_end, write_end = os.pipe()
        self._process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", self.screen,
             "-nolisten", "tcp"],
            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_end)
        try:
            number = _read_line(read_end, timeout=15)
        finally:
            os.close(read_end)
        if not number.isdigit():
            self.__exit__(None, None, None)
            raise XError("Xvfb did not report a display within 15 s")
        self.display = f":{number}"
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


class MapWatcher:
    """Listens on the root window for top-level windows being mapped."""

    def __init__(self, display: str) -> None:
        self._x = _xlib()
        self._dpy = self._x.XOpenDisplay(display.encode())
        if not self._dpy:
            raise XError(f"cannot open X display {display}")
        root = self._x.XDefaultRootWindow(self._dpy)
        self._x.XSelectInput(self._dpy, root, _SUBSTRUCTURE_NOTIFY_MASK)
        self._x.XFlush(self._dpy)
        self._pid_atom = self._x.XInternAtom(self._dpy, b"_NET_WM_PID", 0)

    def close(self) -> None:
        if self._dpy:
            self._x.XCloseDisplay(self._dpy)
            self._dpy = None

    def _window_pid(self, window: int) -> int | None:
        actual_type, actual_format = ctypes.c_ulong(), ctypes.c_int()
        count, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = self._x.XGetWindowProperty(
            self._dpy, window, self._pid_atom, 0, 1, 0, _ANY_PROPERTY_TYPE,
            ctypes.byref(actual_type), ctypes.byref(actual_format), ctypes.byref(count),
            ctypes.byref(after), ctypes.byref(data))
        if status != 0 or not data.value:
            return None
        try:
            if count.value < 1 or actual_format.value != 32:
                return None
            return int(ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0])
        finally:
            self._x.XFree(data)

    def wait_mapped(self, pid: int, timeout: float) -> float | None:
        """``time.perf_counter()`` when ``pid`` maps a managed top-level window, or None."""
        deadline = time.perf_counter() + timeout
        event = _XEvent()
        fd = self._x.XConnectionNumber(self._dpy)
        while True:
            while self._x.XPending(self._dpy):
                self._x.XNextEvent(self._dpy, ctypes.byref(event))
                if event.type != _MAP_NOTIFY or event.map.override_redirect:
                    continue
                seen = time.perf_counter()
                if self._window_pid(event.map.window) in (pid, None):
                    return seen
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            select.select([fd], [], [], min(left, 0.05))
