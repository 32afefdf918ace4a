"""The bar that offers Undo for a few seconds after something was deleted.

The sidebar shows one after a conversation is deleted, the chat pane one after a
message (and what followed it) is deleted; each owner decides what Undo does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

UNDO_SECONDS = 10
"""How long a delete can be undone."""


class UndoBar(QFrame):
    """"Deleted “title”  [Undo]" — shown for a few seconds after a delete."""

    undoClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setWordWrap(False)
        self.button = QPushButton("Undo", self)
        self.button.setAutoDefault(False)
        self.button.setAccessibleDescription("Put back what was just deleted")
        self.button.clicked.connect(self.undoClicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.hide()

    def show_for(self, title: str) -> None:
        """"Deleted “title”", the title shortened to fit."""
        metrics = self.label.fontMetrics()
        shown = metrics.elidedText(title, Qt.TextElideMode.ElideRight, 150)
        self.show_text(f"Deleted “{shown}”")

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.button.setAccessibleName(f"Undo: {text}")
        self.show()
