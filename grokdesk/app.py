"""The desktop app: QApplication, the qasync loop, the parts wired together, and quitting.

No logic lives here. The order matters in two places:

* Start: check that a display exists before Qt is imported (Qt aborts the process
  when it cannot connect), then open the settings, the history (moving a damaged
  file aside and salvaging it, which the window then says once) and the window, in
  stages. :func:`show_first_frame` builds the window's frame over the sidebar's
  first page (read straight from the history) and lets plain Qt paint it; plain Qt
  then runs until the newest conversation, read the same way (:func:`show_opening`),
  has been painted too; then the chat core and its controller are attached
  (:func:`attach_chat`) and take over what is on screen. Only then are asyncio and
  qasync imported and their loop started. Dialogs, export, the network stack and the
  keyring wait for their first use.
* Quit: the window asks (Ctrl+Q, the close button, a signal); then a pending delete
  and the window state are written, the running turn is cancelled, the clients
  are closed (``await service.aclose()``), the history is closed, and only then
  does the loop stop. Qt never quits on its own (``quitOnLastWindowClosed`` is
  off), so nothing is torn down under a running coroutine.
"""

from __future__ import annotations

import _socket
import gc
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from grokdesk import __version__, paths
from grokdesk.errors import ExitCode, GrokdeskError
from grokdesk.logs import FILE_FORMAT, handler_for
from grokdesk.storage.db import DatabaseError
from grokdesk.ui.feature_scan import skip_feature_scans  # imported before PySide: not read
from grokdesk.ui.quick_enums import install_quick_enums

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtWidgets import QApplication, QMessageBox

    from grokdesk.config import Settings
    from grokdesk.storage.db import Database
    from grokdesk.storage.models import Conversation
    from grokdesk.storage.repository import History
    from grokdesk.storage.session import SessionMarker
    from grokdesk.ui.main_window import MainWindow
    from grokdesk.ui.transcript.stored_renders import StoredRenders

APP_ID = "grokdesk"
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "linuxfb", "eglfs",
                                "vkkhrdisplay"})
NO_DISPLAY_HINT = 'use the command line instead: grokdesk ask "your question" (see grokdesk --help)'
FIRST_FRAME_WAIT_MS = 2000
"""How long the first stage waits for a paint that never comes (a window not exposed)."""

log = logging.getLogger("grokdesk")


def _x_server_answers(display: str) -> bool:
    """Whether a local X display (``:N``) has a server listening; remote ones are trusted."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if host not in ("", "unix") or not number.isdigit():
        return True
    for address in (f"\0/tmp/.X11-unix/X{number}", f"/tmp/.X11-unix/X{number}"):
        # socket's own module would import selectors and build its enum classes, 4 ms
        # before the first frame; its C module connects all the same.
        probe = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            probe.settimeout(1.0)
            probe.connect(address)
        except OSError:
            continue
        finally:
            probe.close()
        return True
    return False


def display_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no window can be shown here, or None when one can (Linux only; others always can)."""
    if not platform.startswith("linux"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip().lower()
    if requested in HEADLESS_PLATFORMS:
        return None
    wayland = environ.get("WAYLAND_DISPLAY", "").strip()
    x_display = environ.get("DISPLAY", "").strip()
    if wayland and requested in ("", "wayland", "wayland-egl"):
        return None
    if x_display and requested in ("", "xcb"):
        if _x_server_answers(x_display):
            return None
        return (f"no X server answers on DISPLAY={x_display}, so the window cannot open; "
                f"{NO_DISPLAY_HINT}")
    return f"no display is available (DISPLAY and WAYLAND_DISPLAY are not set); {NO_DISPLAY_HINT}"


def _log_uncaught(kind: type[BaseException], value: BaseException,
                  traceback: TracebackType | None) -> None:
    """A bug in a slot: log it (the window goes on) instead of Qt's bare traceback print."""
    log.error("Unexpected error in the window", exc_info=(kind, value, traceback))


def _log_to_file() -> None:
    """Warnings and errors go to the log folder, formatted safely (see grokdesk.logs)."""
    try:
        handler = logging.FileHandler(paths.log_dir() / "grokdesk.log", encoding="utf-8")
    except OSError:
        return
    handler.setLevel(logging.WARNING)
    logging.getLogger("grokdesk").addHandler(handler_for(handler, FILE_FORMAT))


@contextmanager
def asyncgen_hooks(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Install the loop's async-generator hooks while the app runs.

    ``asyncio``'s own ``run_forever`` installs them, qasync's does not; without
    them an async generator left unfinished (httpx's byte stream after ``[DONE]``)
    is finalized by the garbage collector outside the loop, which fails noisily
    and leaves its connection half-closed. With them, it is closed by a task on
    the loop, and ``shutdown_asyncgens`` closes the rest at quit.
    """
    previous = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook,  # type: ignore[attr-defined]
                           finalizer=loop._asyncgen_finalizer_hook)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        sys.set_asyncgen_hooks(*previous)


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close a qasync loop and delete, here on the GUI thread, the QObject behind its timers.

    qasync's ``close()`` leaves a Qt timer registered for every callback still scheduled
    (a cancelled ``wait_for`` timeout, httpx's pool timers) in the loop's own QObject,
    which lives in a reference cycle with the loop. The garbage collector then destroys
    it in whatever thread happens to allocate: from a worker thread (an import or an
    export) Qt cannot unregister the timers, and the first one due crashes the process
    in the next ``processEvents``.
    """
    import shiboken6
    from PySide6.QtCore import QObject

    loop.close()
    timers = getattr(loop, "_timer", None)  # qasync's _SimpleTimer
    if isinstance(timers, QObject) and shiboken6.isValid(timers):
        shiboken6.delete(timers)


def make_application(argv: list[str]) -> QApplication:
    """The QApplication with the names that make WM_CLASS, the Wayland app id and the icon."""
    install_quick_enums()  # before PySide makes its first enum class
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    skip_feature_scans()  # before the window's modules, markdown-it and the rest
    from grokdesk.resources import icon_path

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([APP_ID, *argv])
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName("grokdesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(icon_path())))
    app.setQuitOnLastWindowClosed(False)
    return app


def open_history(path: Path, marker: SessionMarker | None = None
                 ) -> tuple[Database, str | None]:
    """The history file at ``path``, recovered first if damaged, and what to tell the user.

    With a session ``marker`` the whole file is checked only when the last session
    crashed (a full check reads every page); without one, always.
    Raises DatabaseError when it cannot be opened at all (permissions, a newer file).
    """
    from grokdesk.storage.recovery import open_after_last_session, open_history_with_recovery

    if marker is not None:
        db, report = open_after_last_session(path, marker)
    else:
        db, report = open_history_with_recovery(path)
    if report is not None:
        log.warning("History recovered: %s", report.describe())
    return db, report.describe() if report is not None else None


class FirstPages:
    """The sidebar's pages for the first frame, read straight from the database: the
    history's own code, the chat core, and the API and chat modules it imports come with
    the rest of the window."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def conversations(self, limit: int | None = None, offset: int = 0) -> list[Conversation]:
        from grokdesk.storage.listing import list_conversations

        return list_conversations(self._db, limit, offset)

    def count_conversations(self) -> int:
        from grokdesk.storage.listing import count_conversations

        return count_conversations(self._db)


def show_opening(started: Started) -> None:
    """The newest conversation, read straight from the history like the sidebar's first
    page, shown in the window before the chat core is imported (the core adopts it).

    If it cannot be read, the window opens on a new chat and says why: every other
    conversation may still open from the sidebar.
    """
    from grokdesk.ui.window.opening import read_opening

    if (renders := stored_renders()) is not None:
        renders.load()
    try:
        opening = read_opening(started.history)
    except DatabaseError as exc:
        log.error("The newest conversation could not be read: %s", exc.describe())
        started.window.show_notice(f"The newest conversation could not be opened: "
                                   f"{exc.describe()}")
        opening = None
    started.window.show_opening(opening)


def stored_renders() -> StoredRenders | None:
    """The file of the last renders on screen, or None (logged) when its folder cannot be
    made: a cache, which must not stop the window from starting."""
    from grokdesk.ui.transcript.stored_renders import StoredRenders

    try:
        return StoredRenders(paths.renders_path())
    except OSError as exc:
        log.warning("No stored renders: %s", exc)
        return None


class Started:
    """What the first stage opened: the window on screen, and what quit closes;
    ``read_as_of`` is the history's ``data_version`` before the window first read it."""

    __slots__ = ("_history", "db", "marker", "read_as_of", "settings", "window")

    def __init__(self, window: MainWindow, settings: Settings, db: Database,
                 marker: SessionMarker, read_as_of: int) -> None:
        self.window = window
        self.settings = settings
        self.db = db
        self.marker = marker
        self.read_as_of = read_as_of
        self._history: History | None = None

    @property
    def history(self) -> History:
        """The history over :attr:`db`, made when the newest conversation is read: its
        code and the message records are not needed for the first frame."""
        if self._history is None:
            from grokdesk.storage.repository import History

            self._history = History(self.db)
        return self._history

    def close(self) -> None:
        """The last step of quitting: the history, then the marker of a clean end."""
        self.db.close()
        self.marker.end()


def open_frame(app: QApplication) -> Started:
    """Settings and history, and the window's frame over the sidebar's first page, shown.

    Imports neither asyncio nor the chat core, the network stack or the keyring.
    Raises DatabaseError when the history cannot be opened.
    """
    from grokdesk.config import load_settings
    from grokdesk.storage.session import SessionMarker
    from grokdesk.ui.main_window import FrameParts, MainWindow
    from grokdesk.ui.sidebar.model import ConversationListModel
    from grokdesk.ui.theme import ThemeManager
    from grokdesk.ui.ui_state import UIState

    loaded = load_settings(paths.config_path())
    marker = SessionMarker(paths.database_path())
    db, notice = open_history(paths.database_path(), marker)
    try:
        read_as_of = db.data_version()
        window = MainWindow(FrameParts(
            conversations=ConversationListModel(FirstPages(db)),
            settings=loaded.settings,
            ui_state=UIState(),
            theme=ThemeManager(app),
            icon=app.windowIcon(),
            settings_warnings=loaded.warnings,
            startup_notice=notice,
        ))
        window.show()
    except BaseException:
        db.close()
        marker.end()
        raise
    return Started(window, loaded.settings, db, marker, read_as_of)


def run_qt_until(arm: Callable[[Callable[[], None]], object]) -> None:
    """Run Qt's own loop, user input held back, until what ``arm`` is given is called
    (or, if the window is never exposed and nothing paints, for ``FIRST_FRAME_WAIT_MS``)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    arm(loop.quit)
    QTimer.singleShot(FIRST_FRAME_WAIT_MS, loop.quit)
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)


def wait_for_first_paint(window: MainWindow) -> None:
    """Until the shown window has painted once.

    The loop stops with that paint pass, not after whatever comes next: activating the
    window asks every widget whose colours differ when active to paint again (10–20
    ms), and that paint then comes with the newest conversation's instead of before it.
    """
    from grokdesk.ui.next_paint import stop_at_next_paint

    run_qt_until(lambda done: stop_at_next_paint(window, done))


def show_first_frame(app: QApplication) -> Started:
    """The first stage: :func:`open_frame`, then Qt paints it before anything else runs.

    Call it before any asyncio loop runs (a nested Qt loop under qasync would re-enter
    running coroutines). Raises DatabaseError when the history cannot be opened.
    """
    started = open_frame(app)
    wait_for_first_paint(started.window)
    return started


def attach_chat(started: Started) -> None:
    """The last stage: the chat core, its controller and every presenter, which take over
    the conversation on screen. Nothing here imports asyncio."""
    from PySide6.QtCore import QTimer

    from grokdesk.chat.service import ChatService
    from grokdesk.secrets import KeyStore
    from grokdesk.ui.chat_controller import ChatController
    from grokdesk.ui.drafts import DraftStore
    from grokdesk.ui.main_window import ChatParts

    started.db.checkpoint_in_background()
    keys = KeyStore()
    core = ChatService(started.history, started.settings, keys, read_as_of=started.read_as_of)
    core.recover_interrupted()
    started.window.attach(ChatParts(
        controller=ChatController(core),
        keys=keys,
        config_path=paths.config_path(),
        drafts=DraftStore(paths.data_dir() / "drafts.json"),
        renders=stored_renders(),
    ))
    QTimer.singleShot(FREEZE_AFTER_MS, started.window, freeze_start_up_objects)


FREEZE_AFTER_MS = 1000
"""When start-up is over: the window, the sidebar and the newest conversation are up."""


def freeze_start_up_objects() -> None:
    """Take what start-up made (modules, classes, the window's widgets: as long-lived as
    the process) out of the garbage collector's sight.

    Otherwise each full collection walks all of it again: 40–90 ms on the GUI thread, at
    any moment of a streamed answer. Garbage is collected first, so none is kept, and
    the collector, off while the window started (``grokdesk.entry``), runs again.
    """
    gc.collect()
    gc.freeze()
    gc.enable()


async def wait_for_quit(window: MainWindow) -> None:
    """Until Ctrl+Q, the close button, SIGINT or SIGTERM asks to quit."""
    import asyncio
    import signal

    from PySide6.QtCore import QTimer

    quit_requested = asyncio.Event()
    window.quitRequested.connect(quit_requested.set)
    loop = asyncio.get_running_loop()
    previous = {number: signal.signal(
        number, lambda *_: loop.call_soon_threadsafe(quit_requested.set))
        for number in (signal.SIGINT, signal.SIGTERM)}
    wake = QTimer()  # lets Python run its signal handlers while Qt waits
    wake.timeout.connect(lambda: None)
    wake.start(250)
    try:
        await quit_requested.wait()
    finally:
        wake.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)


async def run_window(app: QApplication, started: Started | None = None) -> int:
    """Open everything (unless the first stage did), wait for a quit request, close in order."""
    attach = started is None
    if started is None:
        try:
            started = open_frame(app)
        except DatabaseError as exc:
            await show_fatal(_cannot_open(exc))
            return ExitCode.FAILURE
    window = started.window
    try:
        if attach:
            show_opening(started)
            attach_chat(started)
        await wait_for_quit(window)
        window.prepare_to_quit()
        await window.transfer_flow.transfers.wait()
        await window.controller.shutdown()
        _stop_typesetting()
        window.close_for_quit()
        window.deleteLater()
    finally:
        started.close()
    return ExitCode.OK


def _stop_typesetting() -> None:
    """Stop the math typesetting process, if this session loaded the worker at all."""
    module = sys.modules.get("grokdesk.ui.transcript.math_worker")
    if module is not None:
        module.stop_typesetting()


def _cannot_open(exc: DatabaseError) -> str:
    log.error("The history could not be opened: %s", exc.describe())
    return exc.describe()


def fatal_box(text: str) -> QMessageBox:
    """Why the window cannot open, in a message box (stderr is invisible from a menu)."""
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox(QMessageBox.Icon.Critical, "grokdesk cannot start", text,
                       QMessageBox.StandardButton.Close)


async def show_fatal(text: str) -> None:
    """:func:`fatal_box` on a running loop: opened, not ``exec()``-ed, and awaited."""
    import asyncio

    box = fatal_box(text)
    closed = asyncio.Event()
    box.finished.connect(lambda _result: closed.set())
    box.open()
    await closed.wait()


def run_app(argv: list[str], err: TextIO) -> int:
    """Entry point for ``grokdesk`` with no command: the desktop window.

    The frame is painted by plain Qt (:func:`show_first_frame`) before asyncio and
    qasync are imported and their loop runs the rest.
    """
    problem = display_problem(os.environ)
    if problem is not None:
        print(f"grokdesk: {problem}", file=err)
        return ExitCode.FAILURE
    _log_to_file()
    app = make_application(argv)
    previous_hook = sys.excepthook
    sys.excepthook = _log_uncaught
    try:
        started = show_first_frame(app)
        try:
            show_opening(started)
            run_qt_until(started.window.newestPainted.connect)
            attach_chat(started)  # before the loop takes any input
        except BaseException:
            started.close()
            raise
        return _run_loop(app, started)
    except GrokdeskError as exc:
        return _cannot_start(exc.describe(), err)
    except (OSError, sqlite3.Error) as exc:
        return _cannot_start(str(exc), err)
    finally:
        sys.excepthook = previous_hook


def _run_loop(app: QApplication, started: Started) -> int:
    """The qasync loop, until the window has closed in order."""
    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with asyncgen_hooks(loop):
            code = int(loop.run_until_complete(run_window(app, started)))
            loop.run_until_complete(loop.shutdown_asyncgens())
        return code
    finally:
        close_loop(loop)
        asyncio.set_event_loop(None)


def _cannot_start(text: str, err: TextIO) -> int:
    """Say why the window could not start: on stderr, in the log, and in a message box
    (stderr is invisible from a menu; the QApplication exists by then)."""
    print(f"grokdesk: {text}", file=err)
    log.error("The window could not start: %s", text)
    fatal_box(text).exec()  # the asyncio loop, if it ran, is closed by now
    return ExitCode.FAILURE
