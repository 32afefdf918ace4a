"""The inline editor that replaces a user message while it is being edited.

Editing happens in place, where the message was, so the reader keeps their
context; the window decides what "resend" means (the answers after it go).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

MIN_LINES = 3
MAX_LINES = 14


class _GrowingEdit(QPlainTextEdit):
    """A plain-text box as tall as its text, between MIN_LINES and MAX_LINES."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self._fit)
        self._fit()

    def _fit(self) -> None:
        lines = max(MIN_LINES, min(MAX_LINES, self.document().lineCount()))
        line = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins()
        extra = margins.top() + margins.bottom() + 2 * int(self.document().documentMargin())
        self.setFixedHeight(lines * line + extra)


class MessageEditor(QWidget):
    """Text box plus "Save & resend" (Ctrl+Enter) and "Cancel" (Esc)."""

    saved = Signal(str)
    cancelled = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = _GrowingEdit(self)
        self.edit.setPlainText(text)
        self.save_button = QPushButton("Save && resend", self)
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.save_button.clicked.connect(self._save)
        self.cancel_button.clicked.connect(self.cancelled)
        self.edit.textChanged.connect(self._update_enabled)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.edit)
        layout.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.edit)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self._save)
        self._update_enabled()

    def text(self) -> str:
        return self.edit.toPlainText()

    def focus(self) -> None:
        self.edit.setFocus()
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.End)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def _update_enabled(self) -> None:
        self.save_button.setEnabled(bool(self.text().strip()))

    def _save(self) -> None:
        if self.text().strip():
            self.saved.emit(self.text())
