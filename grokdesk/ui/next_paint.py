"""Run something once a widget's next paint is on screen: what can wait, waits for pixels.

Qt paints a window in one synchronous pass when it handles an update request, so a zero
timer started from a widget's paint event fires once that pass has been flushed.
Work started from a plain zero timer instead can run before the paint it was meant to
follow (posted update requests and timers have no fixed order).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _NextPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
            self.deleteLater()
        return False


def after_next_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` once ``widget`` has next been painted (an update is asked for,
    so it comes as soon as the widget is on screen)."""
    _NextPaint(widget, callback)
    widget.update()
