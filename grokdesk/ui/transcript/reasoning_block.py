"""The collapsible reasoning shown above an answer.

A flat toggle with an arrow says what the model did ("Thinking… 3s" while it
reasons, then "Thought for N s · T reasoning tokens"); below it the reasoning
text in a muted colour. The transcript opens or closes every block at once; each
block can still be toggled on its own.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolButton, QVBoxLayout, QWidget

from grokdesk.ui.colors import muted_text, panel_fill
from grokdesk.ui.transcript.message_meta import thinking_text, thought_text
from grokdesk.ui.transcript.rich_text_view import RichTextView, TextHolder

THINKING_TICK_MS = 1000


class ReasoningBlock(TextHolder):
    """Toggle + muted reasoning text; owns the live "Thinking…" timer."""

    toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, expanded: bool = True) -> None:
        super().__init__(parent)
        self._thinking_since: float | None = None
        self._seconds: float | None = None
        self._tokens: int | None = None
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("reasoningToggle")
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.toggle.clicked.connect(self.flip)
        self.text_view = RichTextView(self, muted=True)
        self.text_view.setObjectName("reasoningText")
        self.text_view.setViewportMargins(12, 6, 10, 8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.text_view)
        self._timer = QTimer(self)
        self._timer.setInterval(THINKING_TICK_MS)
        self._timer.timeout.connect(self._refresh_title)
        self._expanded = expanded
        self._apply_colors()
        self._show_expanded()
        self._refresh_title()

    @property
    def expanded(self) -> bool:
        return self._expanded

    @property
    def thinking(self) -> bool:
        return self._timer.isActive()

    def set_expanded(self, expanded: bool) -> None:
        if expanded == self._expanded:
            return
        self._expanded = expanded
        self._show_expanded()
        self.toggled.emit(expanded)

    def flip(self) -> None:
        """What a click on the toggle does: open a closed block, close an open one."""
        self.set_expanded(not self._expanded)

    def title(self) -> str:
        return self.toggle.text()

    def set_text(self, text: str) -> None:
        self.text_view.set_plain(text)

    def append_text(self, text: str) -> None:
        self.text_view.append_plain(text)

    def start_thinking(self, since: float | None = None) -> None:
        """Show "Thinking… Ns", counting from ``since`` (time.monotonic())."""
        self._thinking_since = time.monotonic() if since is None else since
        self._timer.start()
        self._refresh_title()

    def stop_thinking(self) -> None:
        """The answer started: freeze the elapsed time as "Thought for N s"."""
        if self._thinking_since is not None and self._seconds is None:
            self._seconds = time.monotonic() - self._thinking_since
        self._timer.stop()
        self._refresh_title()

    def set_summary(self, seconds: float | None, tokens: int | None) -> None:
        """The final title of a finished answer."""
        self._timer.stop()
        self._thinking_since = None
        self._seconds = seconds
        self._tokens = tokens
        self._refresh_title()

    def set_tokens(self, tokens: int | None) -> None:
        self._tokens = tokens
        self._refresh_title()

    def paintEvent(self, event: QPaintEvent) -> None:
        """A faint rounded panel behind the reasoning text, with an accent edge."""
        if not self.text_view.isVisible():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.text_view.geometry()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(panel_fill(self.palette(), 0.045))
        painter.drawRoundedRect(rect, 8, 8)
        painter.setBrush(self._edge)
        painter.drawRoundedRect(rect.x(), rect.y() + 6, 3, rect.height() - 12, 1.5, 1.5)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_colors()
        super().changeEvent(event)

    def _apply_colors(self) -> None:
        self._edge = QColor(muted_text(self.text_view))
        self._edge.setAlphaF(0.5)
        palette = self.toggle.palette()
        palette.setColor(QPalette.ColorRole.ButtonText, muted_text(self.toggle))
        self.toggle.setPalette(palette)

    def _show_expanded(self) -> None:
        expanded = self._expanded
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.toggle.setToolTip("Hide the reasoning" if expanded else "Show the reasoning")
        self.text_view.setVisible(expanded)
        self.update()

    def _refresh_title(self) -> None:
        if self._timer.isActive() and self._thinking_since is not None:
            title = thinking_text(time.monotonic() - self._thinking_since)
        else:
            title = thought_text(self._seconds, self._tokens)
        self.toggle.setText(title)
