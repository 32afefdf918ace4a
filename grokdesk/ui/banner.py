"""A strip above the composer that says something and offers a choice, without blocking.

Modal dialogs opened with ``exec()`` would nest an event loop inside the running
coroutines (see the qasync notes), so notices that need an answer or an
acknowledgement (plain-http warning, recovered history) are shown here instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

KIND_COLORS = {"warning": ("#fff4e5", "#8a4b00", "#f0b35b"),
               "info": ("#e8f0fe", "#1a3d7c", "#9bb8ea")}


class Banner(QFrame):
    """A message with up to two buttons; ``accepted`` / ``rejected`` say which was pressed."""

    accepted = Signal()
    rejected = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # paths, addresses, server text
        self.label.setWordWrap(True)
        self.accept_button = QPushButton(self)
        self.reject_button = QPushButton(self)
        self.accept_button.clicked.connect(self._accept)
        self.reject_button.clicked.connect(self._reject)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 16, 8)
        row.addWidget(self.label, 1)
        row.addWidget(self.reject_button)
        row.addWidget(self.accept_button)
        self.hide()

    def show_message(self, text: str, *, accept: str | None = None, reject: str | None = None,
                     kind: str = "warning") -> None:
        """Show ``text``; a button appears for each label given."""
        background, color, border = KIND_COLORS.get(kind, KIND_COLORS["info"])
        name = self.objectName()  # the window names each of its banners
        self.setStyleSheet(f"QFrame#{name} {{ background: {background}; "
                           f"border: 1px solid {border}; border-radius: 6px; }}"
                           f"QFrame#{name} QLabel {{ color: {color}; }}")
        self.label.setText(text)
        self.accept_button.setText(accept or "")
        self.accept_button.setVisible(accept is not None)
        self.reject_button.setText(reject or "")
        self.reject_button.setVisible(reject is not None)
        self.show()

    def _accept(self) -> None:
        self.hide()
        self.accepted.emit()

    def _reject(self) -> None:
        self.hide()
        self.rejected.emit()
