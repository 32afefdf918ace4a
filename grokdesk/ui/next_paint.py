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
    def __init__(self, widget: QWidget, callback: Callable[[], None], *, after: bool) -> None:
        super().__init__(widget)
        self._callback = callback
        self._after = after
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            if self._after:
                QTimer.singleShot(0, self._callback)
            else:
                self._callback()
            self.deleteLater()
        return False


def after_next_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` once ``widget`` has next been painted (an update is asked for,
    so it comes as soon as the widget is on screen)."""
    _NextPaint(widget, callback, after=True)
    widget.update()


def stop_at_next_paint(widget: QWidget, stop: Callable[[], None]) -> None:
    """Call ``stop`` (an event loop's ``quit``) as ``widget``'s next paint begins: the
    loop ends with that paint pass, before any event that comes after it.

    Only for what takes effect once the pass is over, as a loop's ``quit`` does: the
    widget and its window are still to be drawn when ``stop`` is called.
    """
    _NextPaint(widget, stop, after=False)
    widget.update()
