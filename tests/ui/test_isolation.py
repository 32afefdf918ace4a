"""The guard that keeps UI tests independent of their order catches what it should."""

from __future__ import annotations

import asyncio

import qasync
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.conftest import PARKED_POINTER, _leftovers, _windows, cancel_running_tasks
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
