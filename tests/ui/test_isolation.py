"""The guard that keeps UI tests independent of their order catches what it should."""

from __future__ import annotations

import asyncio
import gc
import threading

import qasync
import shiboken6
from PySide6.QtCore import QAbstractEventDispatcher, QObject, QPoint, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from grokdesk.app import close_loop
from tests.ui.conftest import (
    PARKED_POINTER,
    _leftovers,
    _windows,
    cancel_running_tasks,
)
from tests.ui.helpers import make_message, open_transcript


def test_a_window_left_open_is_reported(qapp: QApplication) -> None:
    before = _windows()
    window = QWidget()
    window.setWindowTitle("forgotten")
    try:
        assert _leftovers(before) == ["window QWidget 'forgotten'"]
    finally:
        window.deleteLater()
    assert _leftovers(before) == [], "a deleted window is gone once deletes are processed"


def test_a_running_timer_is_reported(qapp: QApplication) -> None:
    timer = QTimer(qapp)
    timer.setObjectName("ticking")
    timer.start(60_000)
    try:
        assert _leftovers(_windows()) == ["active timer ticking (60000 ms) in QApplication"]
    finally:
        timer.stop()
        timer.deleteLater()


def test_a_running_task_is_found_and_cancelled(qloop: qasync.QEventLoop) -> None:
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = qloop.create_task(forever())
    qloop.run_until_complete(started.wait())
    assert cancel_running_tasks(qloop) == [task]
    assert task.cancelled()


def _loop_with_a_cancelled_timeout(app: QApplication) -> tuple[qasync.QEventLoop, QObject]:
    """A loop whose only callback, a long timeout, was cancelled (as ``wait_for`` leaves it)."""
    loop = qasync.QEventLoop(app)
    loop.call_later(600, lambda: None).cancel()
    timers: QObject = loop._timer
    return loop, timers


def test_a_closed_loop_leaves_no_qt_timer_for_another_thread_to_delete(
        qapp: QApplication) -> None:
    """test_another_connection_writes_while_a_large_import_runs crashed (SIGSEGV in
    pytest-qt's processEvents) after test_the_real_app_sends_streams_and_quits_in_order:
    the closed loop's timer object, still holding that test's Qt timers, was deleted by
    the garbage collector in the import's thread, where Qt cannot unregister them."""
    dispatcher = QAbstractEventDispatcher.instance()
    assert dispatcher is not None
    plain, left = _loop_with_a_cancelled_timeout(qapp)
    plain.close()
    assert dispatcher.registeredTimers(left), "what qasync's close() leaves behind"
    shiboken6.delete(left)
    loop, timers = _loop_with_a_cancelled_timeout(qapp)
    close_loop(loop)
    assert loop.is_closed()
    assert not shiboken6.isValid(timers), "deleted on the GUI thread, its timers with it"


def test_qt_objects_a_test_left_in_reference_cycles_die_on_the_gui_thread(
        qapp: QApplication) -> None:
    """A parentless QObject kept alive only by a reference cycle (a LiveStream and its
    Throttle, a window's controller and theme) is destroyed whenever the garbage collector
    next runs, on whichever thread allocates then: in a later test, the fake server's, an
    export's or the math worker's, while the GUI thread may still be delivering a signal
    to it. The guard collects, here, before the next test starts."""
    destroyed_on: list[str] = []
    automatic = gc.isenabled()
    gc.disable()  # only the guard's own collection may destroy it
    try:
        left = QObject()
        left.setObjectName("cyclic")
        left.itself = left  # type: ignore[attr-defined]
        left.destroyed.connect(lambda: destroyed_on.append(threading.current_thread().name))
        del left
        assert destroyed_on == [], "a cycle outlives its last name"
        assert _leftovers(_windows()) == []
        assert destroyed_on == [threading.main_thread().name]
    finally:
        if automatic:
            gc.enable()


def _first_copy_button_shows(qtbot: QtBot) -> bool:
    """Open a pane whose first message shows its buttons only when hovered."""
    pane = open_transcript(qtbot)
    first = make_message("assistant", "one")
    pane.set_messages([first, make_message("user", "q"), make_message("assistant", "two")])
    qtbot.wait(20)
    button = pane.view_for(first.id).button("copy")  # type: ignore[union-attr]
    shown = button is not None and button.isVisible()
    pane.close()
    return shown


def test_the_pointer_an_earlier_test_left_is_parked_before_the_next(qtbot: QtBot) -> None:
    """The pointer is process-wide. A test that hovered a message leaves it where the next
    test's window opens, and that window's first message then shows its hover buttons:
    test_actions_appear_on_hover_... failed after such a test in random order."""
    assert QCursor.pos() == PARKED_POINTER, "each test starts with the pointer parked"
    assert not _first_copy_button_shows(qtbot)
    QCursor.setPos(QPoint(200, 40))  # over the first message, as a hovering test leaves it
    assert _first_copy_button_shows(qtbot), "the failure an unparked pointer causes"
    QCursor.setPos(PARKED_POINTER)
    assert not _first_copy_button_shows(qtbot)
