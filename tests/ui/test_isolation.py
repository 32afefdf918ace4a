"""The guard that keeps UI tests independent of their order catches what it should."""

from __future__ import annotations

import asyncio

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.conftest import _leftovers, _windows, cancel_running_tasks


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
