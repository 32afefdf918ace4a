"""The real app, in this process: ``grokdesk.app.run_window`` on a qasync loop, plus a driver.

The driver is a coroutine that gets the app's own window once it is shown, does what
a person would (pick a conversation, send a message) and measures; then the window
is asked to quit and the app shuts down in its own order. Nothing of the app is
replaced: settings, history, keyring lookup and client all come from ``run_window``,
pointed by environment variables at a benchmark history and a loopback server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

if TYPE_CHECKING:
    import qasync
    from PySide6.QtWidgets import QApplication

    from grokdesk.ui.main_window import MainWindow

T = TypeVar("T")
BENCH_KEY = "sk-bench-not-a-real-key"
NOWHERE = "http://127.0.0.1:9/v1"
"""A base URL for runs that send nothing: loopback, the discard port."""


def app_env(data_dir: Path, base_url: str = NOWHERE) -> dict[str, str]:
    """The variables that point the app at a history and a server, with a key set."""
    return {"GROKDESK_DATA_DIR": str(data_dir), "GROKDESK_API_KEY": BENCH_KEY,
            "GROKDESK_BASE_URL": base_url}


@contextlib.contextmanager
def patched_env(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def until(predicate: Callable[[], object], timeout: float = 30.0,
                what: str = "the condition", poll: float = 0.005) -> None:
    """Wait with the loop running until ``predicate()`` holds."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(poll)


class QtSession:
    """One QApplication and one qasync loop for every in-process figure of a run."""

    def __init__(self) -> None:
        self._app: QApplication | None = None
        self._loop: qasync.QEventLoop | None = None
        self._hooks: contextlib.ExitStack | None = None

    @property
    def app(self) -> QApplication:
        self._start()
        assert self._app is not None
        return self._app

    def _start(self) -> None:
        if self._app is not None:
            return
        import qasync

        from grokdesk.app import asyncgen_hooks, make_application

        self._app = make_application([])
        self._loop = qasync.QEventLoop(self._app)
        asyncio.set_event_loop(self._loop)
        self._hooks = contextlib.ExitStack()
        self._hooks.enter_context(asyncgen_hooks(self._loop))

    def run(self, coroutine: Awaitable[T], timeout: float = 300.0) -> T:
        """Run ``coroutine`` on the qasync loop (Qt events are processed meanwhile)."""
        self._start()
        assert self._loop is not None
        return cast(T, self._loop.run_until_complete(asyncio.wait_for(coroutine, timeout)))

    def run_window(self, env: dict[str, str], driver: Callable[[MainWindow], Awaitable[T]],
                   timeout: float = 300.0) -> T:
        """Run the app as ``grokdesk`` does, hand its window to ``driver``, then quit it."""
        self._start()
        with patched_env(env):
            return self.run(self._drive(driver), timeout)

    async def _drive(self, driver: Callable[[MainWindow], Awaitable[T]]) -> T:
        from grokdesk.app import run_window

        app = self.app
        running = asyncio.ensure_future(run_window(app))
        window = await _shown_window(app, running)
        try:
            return await driver(window)
        finally:
            window.quitRequested.emit()
            code = await running  # run_window deletes the window it built
            await asyncio.sleep(0.05)
            if code != 0:
                raise RuntimeError(f"the app's window ended with code {code}")

    def close(self) -> None:
        if self._loop is None:
            return
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        if self._hooks is not None:
            self._hooks.close()
        from grokdesk.app import close_loop

        close_loop(self._loop)
        asyncio.set_event_loop(None)
        self._loop = None


async def _shown_window(app: QApplication, running: asyncio.Future[int]) -> MainWindow:
    from grokdesk.ui.main_window import MainWindow

    def shown() -> MainWindow | None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                return widget
        return None

    await until(lambda: shown() is not None or running.done(), 60, "the main window")
    if running.done():
        raise RuntimeError(f"the app ended before showing its window ({running.result()})")
    window = shown()
    assert window is not None
    return window


async def settle(quiet: float = 0.5, busy_share: float = 0.04, timeout: float = 15.0) -> None:
    """Keep the loop running until this process has been idle for ``quiet`` seconds."""
    from bench.procstat import cpu_seconds

    pid = os.getpid()
    deadline = time.perf_counter() + timeout
    before = cpu_seconds(pid)
    while time.perf_counter() < deadline:
        await asyncio.sleep(quiet)
        after = cpu_seconds(pid)
        if after - before <= busy_share * quiet:
            return
        before = after


def select_conversation(window: MainWindow, conversation_id: int) -> None:
    """Pick a conversation in the sidebar as a click or the arrow keys would."""
    sidebar = window.sidebar
    row = sidebar.model.row_of(conversation_id)
    if row is None:
        window.open_conversation(conversation_id)
    else:
        sidebar.view.setCurrentIndex(sidebar.model.index(row))
    if window.current_id != conversation_id:
        raise RuntimeError(f"conversation {conversation_id} did not open")
