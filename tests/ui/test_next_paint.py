"""Work that waits for a paint (grokdesk.ui.next_paint): after it is on screen, or, for
an event loop's quit, as it begins, so that the loop ends with that very paint pass."""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from grokdesk.ui.next_paint import after_next_paint, stop_at_next_paint
from tests.ui.helpers import shown


class Counted(QWidget):
    """A widget that counts its own paints."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1


def _shown(qtbot: QtBot) -> Counted:
    widget = shown(qtbot, Counted(), 120, 80)
    qtbot.waitUntil(lambda: widget.paints > 0)
    return widget


def test_after_the_next_paint_the_widget_has_painted(qtbot: QtBot) -> None:
    widget = _shown(qtbot)
    before = widget.paints
    seen: list[int] = []
    after_next_paint(widget, lambda: seen.append(widget.paints))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [before + 1]


def test_a_loop_stopped_at_the_next_paint_ends_with_that_paint_pass(qtbot: QtBot) -> None:
    """Stopped as the paint begins, the loop still finishes the pass, and returns before
    an update asked for right after it is painted."""
    widget = _shown(qtbot)
    before = widget.paints
    seen: list[int] = []
    loop = QEventLoop()

    def stop() -> None:
        seen.append(widget.paints)
        loop.quit()
        widget.update()  # what activating a window asks for after its first paint

    stop_at_next_paint(widget, stop)
    QTimer.singleShot(5000, loop.quit)
    loop.exec()
    assert seen == [before]
    assert widget.paints == before + 1
    qtbot.waitUntil(lambda: widget.paints == before + 2)

