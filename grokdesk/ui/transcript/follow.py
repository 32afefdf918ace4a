"""Where the chat pane's scroll bar goes when what it shows grows or shrinks.

The pane follows new text only while the reader is at the bottom; scrolling up to
read stops the following, scrolling back resumes it. While older messages appear
above, the message the reader looks at is held still. And when the reader comes near
the top, or the content does not fill the pane yet, it asks for older messages once
the pane has painted what it shows: building messages above the view never delays
the frame that shows the view (an opened conversation, a scrolled one).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QScrollArea, QWidget

from grokdesk.ui.next_paint import after_next_paint

LOAD_MORE_PX = 600
"""Ask for older messages when the view is this close to the top."""
BOTTOM_SLACK_PX = 24
"""This close to the end still counts as "at the bottom"."""


class ScrollFollow(QObject):
    """Keeps the bottom in sight while following, and a held widget still otherwise."""

    nearTop = Signal()
    """The reader is near the top, or there is too little content to scroll."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self._scroll = scroll
        self._bar = scroll.verticalScrollBar()
        self.following = True
        self._anchor: tuple[QWidget, int] | None = None
        self._adjusting = False
        self._check_pending = False
        self._asked = 0
        self._bar.valueChanged.connect(self._on_scrolled)
        self._bar.rangeChanged.connect(self._on_range_changed)

    def at_bottom(self) -> bool:
        return self._bar.value() >= self._bar.maximum() - BOTTOM_SLACK_PX

    def to_bottom(self) -> None:
        """Jump to the end and follow new text again."""
        self.following = True
        self._anchor = None
        self._set(self._bar.maximum())

    def stop_following(self) -> None:
        self.following = False

    def hold(self, widget: QWidget) -> None:
        """Keep ``widget`` where it is on screen while content is added above it
        (nothing to do while following the bottom)."""
        if not self.following:
            self._anchor = (widget, widget.y() - self._bar.value())

    def forget(self, widget: QWidget) -> None:
        """``widget`` goes away; stop holding it."""
        if self._anchor is not None and self._anchor[0] is widget:
            self._anchor = None

    def check_soon(self) -> None:
        """Ask for older messages after the pane's next paint if the view is near the
        top then."""
        if not self._check_pending:
            self._check_after_paint()

    def check_anew(self) -> None:
        """The pane shows something new: a check asked for before does not count, this
        one comes after the new content's paint."""
        self._check_after_paint()

    def _check_after_paint(self) -> None:
        self._check_pending = True
        self._asked += 1
        asked = self._asked
        after_next_paint(self._scroll.widget() or self._scroll, lambda: self._check_now(asked))

    def _check_now(self, asked: int) -> None:
        if asked != self._asked:
            return  # asked again since: that check answers
        self._check_pending = False
        if self._bar.value() <= LOAD_MORE_PX:
            self.nearTop.emit()

    def _set(self, value: int) -> None:
        self._adjusting = True
        try:
            self._bar.setValue(value)
        finally:
            self._adjusting = False

    def _on_scrolled(self, value: int) -> None:
        if self._adjusting:
            return
        self.following = self.at_bottom()
        self._anchor = None
        if value <= LOAD_MORE_PX:
            self.check_soon()

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self.following:
            self._set(maximum)
        elif self._anchor is not None:
            widget, offset = self._anchor
            self._set(widget.y() - offset)
        if maximum <= LOAD_MORE_PX:
            self.check_soon()
