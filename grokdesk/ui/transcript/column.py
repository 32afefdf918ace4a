"""The chat pane's column: the messages of one conversation, top to bottom."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from grokdesk.ui.own_viewport import own_viewport

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


def scroll_area_for(column: MessageColumn, parent: QWidget) -> QScrollArea:
    """The pane's scroll area over ``column``: no frame, no horizontal bar, and a vertical
    one always shown (a bar that came and went would change the width, and every message
    would be laid out again at the other width)."""
    scroll = QScrollArea(parent)
    scroll.setObjectName("transcriptScroll")
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    own_viewport(scroll, QPalette.ColorRole.Base)
    scroll.setWidget(column)
    return scroll


def height_at(view: QWidget, width: int) -> int:
    """How tall ``view`` is at ``width``, as the column's layout will make it."""
    height = view.heightForWidth(width) if view.hasHeightForWidth() else -1
    return height if height >= 0 else view.sizeHint().height()
