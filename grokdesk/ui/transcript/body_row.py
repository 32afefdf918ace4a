"""Where a message's text sits: a user's in a tinted bubble on the right, as wide as its
text; an answer's across the full column."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from grokdesk.ui.colors import bubble_fill
from grokdesk.ui.transcript.message_body import MessageBody
from grokdesk.ui.transcript.rich_text_view import TextHolder

BUBBLE_SHARE = 0.8
"""A user's bubble is at most this share of the column's width."""
BUBBLE_PADDING = (14, 9, 14, 9)
BUBBLE_RADIUS = 14


class _Bubble(TextHolder):
    """The tinted rounded background of a user's message."""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bubble_fill(self.palette()))
        painter.drawRoundedRect(self.rect(), BUBBLE_RADIUS, BUBBLE_RADIUS)


class BodyRow(TextHolder):
    """Holds ``body``; for a user's message :meth:`fit` sizes the bubble to the text."""

    def __init__(self, body: MessageBody, *, user: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = body
        self._natural_width: tuple[int, int] | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        if user:
            self._bubble: QWidget | None = _Bubble(self)
            self._bubble.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            inner = QVBoxLayout(self._bubble)
            inner.setContentsMargins(*BUBBLE_PADDING)
            inner.addWidget(body)
            row.addStretch(1)
            row.addWidget(self._bubble, 100)
        else:
            self._bubble = None
            body.setParent(self)
            row.addWidget(body)

    def text_changed(self) -> None:
        """The text or its font changed: measure its natural width again at the next fit."""
        self._natural_width = None

    def fit(self, column_width: int) -> None:
        """Make a user's bubble as wide as its text, up to BUBBLE_SHARE of the column."""
        if self._bubble is None:
            return
        left, _, right, _ = BUBBLE_PADDING
        limit = max(80, int(column_width * BUBBLE_SHARE))
        if self._natural_width is None or self._natural_width[0] != limit:
            natural = self.body.stable.natural_width(limit - left - right) + left + right
            self._natural_width = (limit, natural)
        self._bubble.setMaximumWidth(min(limit, self._natural_width[1]))
