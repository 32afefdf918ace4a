"""Fixtures for the desktop app's tests: a real qasync loop and a real window over real parts.

pytest-qt has no qasync support, so end-to-end tests drive one pattern throughout:
a ``qasync.QEventLoop`` over the test's ``qapp``, and a scenario coroutine run with
``AppHarness.run``; inside it, widgets are poked with ``qtbot`` and the test awaits
``AppHarness.until(...)`` while the loop (Qt events and asyncio alike) keeps running.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QCursor, QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from grokdesk.api.types import ContentDelta, ReasoningDelta, StreamEvent
from grokdesk.app import asyncgen_hooks, close_loop, open_history
from grokdesk.chat.service import ChatService
from grokdesk.config import NetworkPreferences, Settings
from grokdesk.resources import icon_path
from grokdesk.secrets import KeyStore
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from grokdesk.ui.chat_controller import ChatController
from grokdesk.ui.main_window import ChatParts, FrameParts, MainWindow
from grokdesk.ui.sidebar.model import ConversationListModel
from grokdesk.ui.theme import ThemeManager
from grokdesk.ui.ui_state import UIState
from grokdesk.ui.window.opening import read_opening
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

T = TypeVar("T")
KEY = "sk-window-test-key-4242"
TEST_NETWORK = NetworkPreferences(connect_timeout=2.0, read_timeout=5.0, max_retries=0)


PARKED_POINTER = QPoint(-10_000, -10_000)
"""Far from any window: where the mouse pointer waits between tests."""


def _address(widget: QObject) -> int:
    """The C++ object's address: Python wrappers of Qt-made widgets come and go."""
    return int(shiboken6.getCppPointer(widget)[0])


def _windows() -> set[int]:
    """The application's top-level widgets that exist now."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return set()
    return {_address(widget) for widget in app.topLevelWidgets()}


def _leftovers(before: set[int]) -> list[str]:
    """What a test left alive: top-level windows made during it, and running timers.

    First what it left for deletion goes, here on the GUI thread: its garbage (Qt objects
    that only a reference cycle kept alive would otherwise be destroyed by the collector
    on whichever thread allocates next, in a later test: the fake server's, an export's,
    the math worker's) and the widgets it deleted later.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return []
    collect_and_freeze()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    found = [f"window {type(w).__name__} {w.objectName() or w.windowTitle()!r}"
             for w in app.topLevelWidgets() if _address(w) not in before]
    owners: list[QObject] = [app, *app.topLevelWidgets()]
    found += [f"active timer {t.objectName() or '(unnamed)'} ({t.interval()} ms) in "
              f"{type(owner).__name__}"
              for owner in owners for t in owner.findChildren(QTimer) if t.isActive()]
    return found


def collect_and_freeze() -> None:
    """Collect garbage here, on the GUI thread, then freeze what survived.

    Called between tests, when each test has closed what it made: what survives is as
    long-lived as the session (modules and lexers imported on
    first use, caches): frozen, the next collection looks only at what came after it.
    Without this every collection walked everything every earlier test had left, 50 ms
    on average and a third of a single-process run of ``tests/ui``.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _imports_out_of_the_collectors_sight() -> None:
    """What is alive before the first UI test (modules, classes, their caches) stays alive:
    frozen (see :func:`collect_and_freeze`)."""
    collect_and_freeze()


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    """Every UI test starts from a clean application (the pointer off every window) and
    leaves one behind.

    A window, timer or task that outlives its test keeps working in the next one: its
    timers fire and its slots run on the next test's loop, so that test passes or fails
    by what ran before it. The fixtures below close what they make; this checks it.
    """
    before = _windows()
    if isinstance(QApplication.instance(), QApplication):
        # The pointer is process-wide: where an earlier test hovered, the next window
        # may open under it and show hover-only buttons.
        QCursor.setPos(PARKED_POINTER)
    yield
    leftovers = _leftovers(before)
    assert not leftovers, f"the test left these behind: {leftovers}"


def cancel_running_tasks(loop: qasync.QEventLoop) -> list[asyncio.Task[Any]]:
    """Cancel the tasks still running on ``loop``, wait for them, and return them."""
    running = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in running:
        task.cancel()
    if running:
        loop.run_until_complete(asyncio.gather(*running, return_exceptions=True))
    return running


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop over the test's QApplication, closed afterwards.

    A task still running when the test ends is cancelled and reported: it would
    otherwise be dropped with the loop, its ``finally`` never run.
    """
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        with asyncgen_hooks(loop):
            yield loop
            loop.run_until_complete(loop.shutdown_asyncgens())
            running = cancel_running_tasks(loop)
            assert not running, f"the test left these tasks running: {running}"
    finally:
        close_loop(loop)
        asyncio.set_event_loop(None)


def run(loop: qasync.QEventLoop, coroutine: Awaitable[T], timeout: float = 30.0) -> T:
    """Run ``coroutine`` on the qasync loop (Qt events are processed meanwhile).

    Afterwards, with the loop still running, garbage is collected and the finalizers
    of abandoned async generators (httpx's byte streams) get to run, as they would
    in the app, whose loop never pauses. The coroutine runs in this one task (not in
    one of ``wait_for``'s), so the app's tasks are all the others (:meth:`AppHarness.idle`).
    """

    async def and_settle() -> T:
        try:
            async with asyncio.timeout(timeout):
                return await coroutine
        finally:
            await settle()

    return loop.run_until_complete(and_settle())  # type: ignore[no-any-return]


SETTLE_TURNS = 3
"""Loop turns a finalizer needs to start its task: its ``call_soon_threadsafe`` reaches
qasync as a queued signal, the task's first step as a timer after it."""


async def settle(bound: float = 1.0) -> None:
    """Collect garbage and wait until the tasks that finalizers started have finished.

    The collector finalizes abandoned async generators (httpx's byte streams); their
    ``aclose`` runs as a task on the loop, closing a connection in a few turns. A fixed
    pause would be either too short on a busy machine or long for every test.
    """
    current = asyncio.current_task()
    before = asyncio.all_tasks()
    gc.collect()
    for _ in range(SETTLE_TURNS):
        await asyncio.sleep(0)
    started = {task for task in asyncio.all_tasks() - before if task is not current}
    if started:
        await asyncio.wait(started, timeout=bound)


POLL_S = 0.002
"""How often :func:`until` looks: a shorter wait after the condition came true, at the
cost of a cheap call."""


async def until(predicate: Callable[[], object], timeout: float = 10.0,
                what: str = "the condition") -> None:
    """Wait, with the loop running, until ``predicate()`` is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_S)


@dataclass(frozen=True)
class LiveFrame:
    """What the pane showed right after the window handled one stream event: the events
    of one network read reach it together, as one batch."""

    event: StreamEvent
    batch: int
    live_shown: bool
    thinking: bool | None
    """The reasoning block's "Thinking…" state; None while there is no block."""


class LiveWatch:
    """Records, as each stream event arrives, what the window shows for it.

    A live answer lasts only as long as its stream: from a local server it can start
    and end while a test's coroutine sleeps, so polling for it later may never see it.
    Connected after the window's own slots, this sees each event's effect at once.
    """

    def __init__(self, window: MainWindow) -> None:
        self.frames: list[LiveFrame] = []
        self._window = window
        window.controller.liveEvents.connect(self._record)

    def _record(self, events: tuple[StreamEvent, ...]) -> None:
        live = self._window.transcript.live
        reasoning = live.view.reasoning if live is not None else None
        batch = len({frame.batch for frame in self.frames})
        self.frames.extend(LiveFrame(event, batch, live is not None,
                                     reasoning.thinking if reasoning is not None else None)
                           for event in events)

    def first(self, kind: type[StreamEvent]) -> LiveFrame:
        return next(frame for frame in self.frames if isinstance(frame.event, kind))

    def reasoning_only(self) -> list[LiveFrame]:
        """The frames of batches that held reasoning and no answer text yet."""
        answered = {frame.batch for frame in self.frames if isinstance(frame.event, ContentDelta)}
        seen_answer = min(answered, default=len(self.frames))
        return [frame for frame in self.frames if isinstance(frame.event, ReasoningDelta)
                and frame.batch < seen_answer]

    def kinds(self) -> list[type[StreamEvent]]:
        return [type(frame.event) for frame in self.frames]


@dataclass
class AppHarness:
    """One window over its own history, keyring and the fake provider."""

    window: MainWindow
    history: History
    keys: KeyStore
    keyring: MemoryKeyring
    fake: FakeAPI
    loop: qasync.QEventLoop
    ui_state_path: Path
    config_path: Path
    theme: ThemeManager
    qtbot: QtBot
    closed: bool = field(default=False)

    @property
    def controller(self) -> ChatController:
        return self.window.controller

    def run(self, coroutine: Awaitable[T], timeout: float = 30.0) -> T:
        return run(self.loop, coroutine, timeout)

    async def until(self, predicate: Callable[[], object], timeout: float = 10.0,
                    what: str = "the condition") -> None:
        await until(predicate, timeout, what)

    async def idle(self) -> None:
        """Until no turn is running and the work it started (a title suggestion, the
        closing of its stream) has ended.

        A task still running when :meth:`run` returns would take its next step from Qt
        events the test processes outside the loop (``qtbot``), where asyncio finds no
        running loop.
        """
        await until(lambda: not self.controller.busy, 15.0, "the turn to end")
        await until(lambda: asyncio.all_tasks() == {asyncio.current_task()}, 15.0,
                    "the work the turn started to end")
        await settle()

    def watch_live(self) -> LiveWatch:
        """Start recording what the pane shows for each stream event."""
        return LiveWatch(self.window)

    def send(self, text: str) -> None:
        """Type ``text`` into the composer and press Enter, as a person would."""
        composer = self.window.composer
        composer.input.setFocus()
        composer.set_text(text)
        self.qtbot.keyClick(composer.input, Qt.Key.Key_Return)

    async def _shut_down(self) -> None:
        """The app's quit order (``grokdesk.app.run_window``): transfers, then the turn."""
        await self.window.transfer_flow.transfers.wait()
        await self.controller.shutdown()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.window.prepare_to_quit()
        self.run(self._shut_down())
        self.window.close_for_quit()
        self.history.db.close()


MakeWindow = Callable[..., AppHarness]


@pytest.fixture
def make_window(qapp: QApplication, qloop: qasync.QEventLoop, qtbot: QtBot, fake_api: FakeAPI,
                tmp_path: Path) -> Iterator[MakeWindow]:
    """Build (and afterwards shut down in order) windows over a history in ``tmp_path``."""
    harnesses: list[AppHarness] = []

    def make(*, key: str | None = KEY, settings: Settings | None = None,
             keyring: MemoryKeyring | None = None, show: bool = True,
             prepare: Callable[[History], Any] | None = None,
             base_url: str | None = None, recover: bool = False) -> AppHarness:
        """``base_url`` replaces the fake's URL (a closed port, say); ``recover`` opens
        the history the way the app does, recovering a damaged file."""
        notice = None
        if recover:
            db, notice = open_history(tmp_path / "history.sqlite3")
            history = History(db)
        else:
            history = History(open_database(tmp_path / "history.sqlite3"))
        if prepare is not None:
            prepare(history)
        backend = keyring or MemoryKeyring()
        keys = KeyStore(backend=backend)
        if key is not None:
            keys.store("aimlapi", key)
        settings = settings or Settings(network=TEST_NETWORK)
        service = ChatService(history, settings, keys,
                              base_url_override=base_url or fake_api.url)
        theme = ThemeManager(qapp)
        ui_state_path = tmp_path / "ui-state.ini"
        config_path = tmp_path / "config.toml"
        window = MainWindow(FrameParts(
            conversations=ConversationListModel(service),
            settings=settings,
            ui_state=UIState(ui_state_path),
            theme=theme,
            icon=QIcon(str(icon_path())),
            startup_notice=notice,
        ))
        window.show_opening(read_opening(history))  # as grokdesk.app starts the window
        window.attach(ChatParts(controller=ChatController(service), keys=keys,
                                config_path=config_path))
        harness = AppHarness(window, history, keys, backend, fake_api, qloop, ui_state_path,
                             config_path, theme, qtbot)
        harnesses.append(harness)
        if show:
            with qtbot.waitActive(window):
                window.show()
        return harness

    yield make
    for harness in harnesses:
        harness.close()
        harness.window.deleteLater()
        harness.theme.apply("system")
        harness.theme.setParent(None)
