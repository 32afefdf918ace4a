"""A private Xvfb, and the moment a process's first top-level window is mapped on it.

Cold start is measured from outside, the same way for the app and the bare window:
from ``Popen`` to the X server's MapNotify for a window whose ``_NET_WM_PID`` is the
child's. This is what ``xdotool search --sync --onlyvisible --pid`` waits for, but
xdotool polls every half second; listening for the event through Xlib (ctypes, no
extra package) gives the time to within the event's delivery.

The first paint of a window's content is seen the same way, through the X DAMAGE
extension: the server reports every rectangle a client draws into the window (Qt's
xcb backing store flushes each paint pass as one image), with no help from the app.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

SCREEN = "1280x800x24"
_SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
_PROPERTY_CHANGE_MASK = 1 << 22
_CREATE_NOTIFY = 16
_MAP_NOTIFY = 19
_PROPERTY_NOTIFY = 28
_ANY_PROPERTY_TYPE = 0
_DAMAGE_REPORT_RAW_RECTANGLES = 0
_DAMAGE_NOTIFY = 0
MIN_PAINT_SIDE = 32
"""A paint pass smaller than this on either side (a text cursor blinking) is not content."""


class XError(RuntimeError):
    """The X server could not be started or reached."""


class _MapEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("event", ctypes.c_ulong), ("window", ctypes.c_ulong),
                ("override_redirect", ctypes.c_int)]


class _CreateEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("parent", ctypes.c_ulong), ("window", ctypes.c_ulong)]


class _PropertyEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("atom", ctypes.c_ulong), ("time", ctypes.c_ulong),
                ("state", ctypes.c_int)]


class _Rectangle(ctypes.Structure):
    _fields_ = [("x", ctypes.c_short), ("y", ctypes.c_short),
                ("width", ctypes.c_ushort), ("height", ctypes.c_ushort)]


class _DamageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("drawable", ctypes.c_ulong), ("damage", ctypes.c_ulong), ("level", ctypes.c_int),
                ("more", ctypes.c_int), ("timestamp", ctypes.c_ulong), ("area", _Rectangle),
                ("geometry", _Rectangle)]


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("map", _MapEvent), ("create", _CreateEvent),
                ("property", _PropertyEvent), ("damage", _DamageEvent),
                ("pad", ctypes.c_long * 24)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_IGNORE_ERRORS = _ERROR_HANDLER(lambda _display, _error: 0)
"""A window can be gone by the time it is asked about; Xlib's default handler would exit."""


@dataclass(frozen=True, slots=True)
class Start:
    """When (``time.perf_counter()``) a process's window was mapped, first painted, and
    painted again once its title said what it opened (None: no title was awaited)."""

    mapped: float
    first_paint: float
    titled_paint: float | None


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
    lib.XSetErrorHandler.argtypes = [_ERROR_HANDLER]
    lib.XSetErrorHandler.restype = ctypes.c_void_p
    return lib


def _xdamage() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("Xdamage")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.XDamageQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                                          ctypes.POINTER(ctypes.c_int)]
    lib.XDamageCreate.restype = ctypes.c_ulong
    lib.XDamageCreate.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int]
    return lib


def available() -> str | None:
    """Why no private X server can be had here, or None when it can."""
    if shutil.which("Xvfb") is None:
        return "Xvfb is not installed (apt-get install xvfb)"
    if ctypes.util.find_library("X11") is None:
        return "libX11 is not installed"
    return None


def read_line(fd: int, timeout: float) -> str:
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


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Ask a process to end, and make it if it has not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class ReportingServer:
    """A server process that writes where it listens to a pipe it is given (Xvfb's
    ``-displayfd``, dbus-daemon's ``--print-address``), stopped when the ``with`` block
    ends."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self, command: Callable[[int], list[str]], timeout: float,
               env: dict[str, str] | None = None) -> str:
        """Run ``command(fd)`` and return the line it writes to ``fd`` ("" if none
        came within ``timeout`` seconds). Interrupted, it stops the process again."""
        read_end, write_end = os.pipe()
        try:
            try:
                self._process = subprocess.Popen(command(write_end), pass_fds=(write_end,),
                                                 env=env, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL)
            finally:
                os.close(write_end)
            return read_line(read_end, timeout)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        finally:
            os.close(read_end)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._process is not None:
            stop(self._process)
            self._process = None


class Xvfb(ReportingServer):
    """``Xvfb -displayfd`` on a free display number, local connections only."""

    def __init__(self, screen: str = SCREEN) -> None:
        super().__init__()
        self.screen = screen
        self.display = ""

    def __enter__(self) -> Self:
        number = self._start(lambda fd: [
            "Xvfb", "-displayfd", str(fd), "-screen", "0", self.screen,
            "-nolisten", "tcp", "-noreset"],  # no reset, refusing clients, when one leaves
            timeout=15)
        if not number.isdigit():
            self.__exit__(None, None, None)
            raise XError("Xvfb did not report a display within 15 s")
        self.display = f":{number}"
        return self


class StartWatcher:
    """Follows, in the X server's own order of events, a process's window from its
    creation to its first paints.

    It listens on the root window for windows being created and mapped, asks each new
    top-level window for its property changes (its title), and, through DAMAGE on the
    root window, sees every rectangle any client draws on the screen. Only one
    process is started at a time, so the drawing after its window is mapped is its own.
    """

    def __init__(self, display: str) -> None:
        self._x = _xlib()
        self._x.XSetErrorHandler(_IGNORE_ERRORS)
        self._dpy = self._x.XOpenDisplay(display.encode())
        if not self._dpy:
            raise XError(f"cannot open X display {display}")
        damage = _xdamage()
        event_base, error_base = ctypes.c_int(), ctypes.c_int()
        if damage is None or not damage.XDamageQueryExtension(
                self._dpy, ctypes.byref(event_base), ctypes.byref(error_base)):
            self.close()
            raise XError("the X server or libXdamage cannot report drawing (DAMAGE)")
        self._damage_notify = event_base.value + _DAMAGE_NOTIFY
        root = self._x.XDefaultRootWindow(self._dpy)
        self._x.XSelectInput(self._dpy, root, _SUBSTRUCTURE_NOTIFY_MASK)
        damage.XDamageCreate(self._dpy, root, _DAMAGE_REPORT_RAW_RECTANGLES)
        self._x.XFlush(self._dpy)
        self._pid_atom = self._x.XInternAtom(self._dpy, b"_NET_WM_PID", 0)
        self._name_atom = self._x.XInternAtom(self._dpy, b"_NET_WM_NAME", 0)

    def close(self) -> None:
        if self._dpy:
            self._x.XCloseDisplay(self._dpy)
            self._dpy = None

    def _property(self, window: int, atom: int, length: int) -> tuple[int, int, bytes] | None:
        """(format, item count, raw bytes) of a window property, or None when unset."""
        actual_type, actual_format = ctypes.c_ulong(), ctypes.c_int()
        count, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = self._x.XGetWindowProperty(
            self._dpy, window, atom, 0, length, 0, _ANY_PROPERTY_TYPE,
            ctypes.byref(actual_type), ctypes.byref(actual_format), ctypes.byref(count),
            ctypes.byref(after), ctypes.byref(data))
        if status != 0 or not data.value:
            return None
        try:
            item = {8: 1, 16: ctypes.sizeof(ctypes.c_short), 32: ctypes.sizeof(ctypes.c_long)}
            size = count.value * item.get(actual_format.value, 0)
            return actual_format.value, count.value, ctypes.string_at(data, size)
        finally:
            self._x.XFree(data)

    def _window_pid(self, window: int) -> int | None:
        found = self._property(window, self._pid_atom, 1)
        if found is None or found[0] != 32 or found[1] < 1:
            return None
        return int(ctypes.c_ulong.from_buffer_copy(found[2][:ctypes.sizeof(ctypes.c_ulong)]).value)

    def _title(self, window: int) -> str:
        found = self._property(window, self._name_atom, 1024)
        return found[2].decode("utf-8", "replace") if found is not None else ""

    def wait_start(self, pid: int, title: str | None, timeout: float) -> Start | None:
        """The start of ``pid``'s window; with ``title``, also the first paint after the
        window took that title (the app's sign that it opened what it shows). None on
        timeout."""
        deadline = time.perf_counter() + timeout
        event = _XEvent()
        fd = self._x.XConnectionNumber(self._dpy)
        window = 0
        mapped = first_paint = 0.0
        titled = False
        while True:
            while self._x.XPending(self._dpy):
                self._x.XNextEvent(self._dpy, ctypes.byref(event))
                seen = time.perf_counter()
                if event.type == _CREATE_NOTIFY:
                    self._x.XSelectInput(self._dpy, event.create.window, _PROPERTY_CHANGE_MASK)
                elif (event.type == _MAP_NOTIFY and not window
                      and not event.map.override_redirect
                      and self._window_pid(event.map.window) in (pid, None)):
                    window, mapped = event.map.window, seen
                elif (event.type == _PROPERTY_NOTIFY and window
                      and event.property.window == window
                      and event.property.atom == self._name_atom):
                    titled = titled or self._title(window) == title
                elif (event.type == self._damage_notify and window
                      and min(event.damage.area.width, event.damage.area.height)
                      >= MIN_PAINT_SIDE):
                    first_paint = first_paint or seen
                    if title is None or titled:
                        return Start(mapped, first_paint, seen if titled else None)
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            select.select([fd], [], [], min(left, 0.05))
