"""Where an answer failed: the server's words and a Retry button, in the conversation.

The text comes worded by the core (``Message.error``); this box only makes it
stand out: a red tint for an error, a neutral one for an answer that was stopped
or cut off part-way.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from grokdesk.ui.colors import error_edge, error_fill, panel_fill

RADIUS = 8


class ErrorBox(QWidget):
    """One line or paragraph of error text with an optional Retry button."""

    retryClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._severe = True
        self.label = QLabel(self)
        self.label.setObjectName("errorText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.retry_button.clicked.connect(self.retryClicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 10)
        layout.setSpacing(12)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignVCenter)

    def show_error(self, text: str, *, severe: bool, can_retry: bool) -> None:
        self._severe = severe
        self.label.setText(text)
        self.retry_button.setVisible(can_retry)
        self.update()

    def text(self) -> str:
        return self.label.text()

    def set_retry_enabled(self, enabled: bool) -> None:
        self.retry_button.setEnabled(enabled)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        if self._severe:
            fill, edge = error_fill(palette), error_edge(palette)
        else:
            fill, edge = panel_fill(palette, 0.06), QColor(panel_fill(palette, 0.2))
        painter.setPen(QPen(edge, 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), RADIUS, RADIUS)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
        super().changeEvent(event)
