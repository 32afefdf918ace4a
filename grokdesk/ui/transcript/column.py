"""The chat pane's column: the messages of one conversation, top to bottom."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

MAX_COLUMN_WIDTH = 860
"""Lines longer than this are hard to read; wider windows get side margins."""
SIDE_MARGIN = 20
MESSAGE_SPACING = 18


class MessageColumn(QWidget):
    """The scroll area's content: messages top to bottom, centred up to MAX_COLUMN_WIDTH."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages = QVBoxLayout(self)
        self.messages.setSpacing(MESSAGE_SPACING)
        self.messages.setContentsMargins(SIDE_MARGIN, 16, SIDE_MARGIN, 20)
        self.messages.addStretch(1)
        # As wide as the viewport, whatever a message's minimum width (a long small print
        # with its buttons): the scroll area would otherwise widen the column past the
        # viewport, cutting text off on the right, and lay every message out again at
        # the new width whenever the widest minimum changed (a second for a megabyte).
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.setSizePolicy(policy)

    def message_width(self) -> int:
        """The width each message is laid out at (the column's, less its side margins)."""
        margins = self.messages.contentsMargins()
        return self.width() - margins.left() - margins.right()

    def resizeEvent(self, event: QResizeEvent) -> None:
        side = max(SIDE_MARGIN, (event.size().width() - MAX_COLUMN_WIDTH) // 2)
        margins = self.messages.contentsMargins()
        if margins.left() != side:
            self.messages.setContentsMargins(side, margins.top(), side, margins.bottom())
        super().resizeEvent(event)
