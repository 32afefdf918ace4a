"""The row under a message: its small print and its action buttons.

The buttons (Copy, Edit or Regenerate, Delete) are built only when first needed, on
hover or for the last message, so a long conversation is not a wall of buttons; the
row keeps its height whether they show or not, so nothing jumps. The row only
reports clicks; the message view decides what they do and when they show.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

COPIED_FEEDBACK_MS = 1500


@functools.lru_cache(maxsize=16)
def _button_height_for(font_key: str) -> int:
    font = QFont()
    font.fromString(font_key)
    probe = QToolButton()
    probe.setFont(font)
    probe.setText("Copy")
    return probe.sizeHint().height()


def _button_height(font: QFont) -> int:
    """The height of a small action button, so the footer keeps it while buttons hide."""
    return _button_height_for(font.toString())


class MessageFooter(QWidget):
    """Small print on the message's side, the action buttons beside it."""

    copyClicked = Signal()
    editClicked = Signal()
    regenerateClicked = Signal()
    deleteClicked = Signal()

    def __init__(self, *, user: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._user = user
        self._buttons: dict[str, QToolButton] = {}
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(2)
        self.meta = QLabel(self)
        self.meta.setObjectName("smallPrint")
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if user:
            self._row.addStretch(1)
            self._row.addWidget(self.meta)
        else:
            self._row.addWidget(self.meta)
            self._row.addStretch(1)

    def button(self, name: str) -> QToolButton | None:
        """An action button by name (copy, edit, regenerate, delete), if built."""
        return self._buttons.get(name)

    def build_buttons(self, font: QFont, color: QColor) -> bool:
        """Build the buttons, in ``font`` and ``color``, unless they are built already.

        Returns whether it built them; they then wait for :meth:`set_actions`.
        """
        if self._buttons:
            return False
        specs = [("copy", "Copy", "Copy the message as Markdown", self.copyClicked)]
        if self._user:
            specs.append(("edit", "Edit", "Edit and resend", self.editClicked))
        else:
            specs.append(("regenerate", "Regenerate", "Ask again for this answer",
                          self.regenerateClicked))
        specs.append(("delete", "Delete", "Delete this message", self.deleteClicked))
        position = 1 if self._user else self._row.count()
        for name, text, tip, signal in specs:
            button = QToolButton(self)
            button.setObjectName(f"{name}Button")
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFont(font)
            palette = button.palette()
            palette.setColor(QPalette.ColorRole.ButtonText, color)
            button.setPalette(palette)
            button.clicked.connect(signal)
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(name != "regenerate")
            button.setSizePolicy(policy)
            self._row.insertWidget(position, button)
            position += 1
            self._buttons[name] = button
        return True

    def set_actions(self, *, shown: bool, regenerate: bool, busy: bool) -> None:
        """Show the built buttons or not (Regenerate only with ``regenerate``); while
        ``busy`` only Copy can be pressed."""
        for name, button in self._buttons.items():
            button.setVisible(regenerate if name == "regenerate" else shown)
            button.setEnabled(name == "copy" or not busy)

    def flash_copied(self) -> None:
        """Say "Copied" on the Copy button for a moment."""
        button = self._buttons.get("copy")
        if button is not None:
            button.setText("Copied")
            QTimer.singleShot(COPIED_FEEDBACK_MS, button, lambda: button.setText("Copy"))

    def apply_font(self, small: QFont) -> None:
        self.meta.setFont(small)
        for button in self._buttons.values():
            button.setFont(small)
        self.setFixedHeight(_button_height(small))

    def apply_color(self, muted: QColor) -> None:
        palette = self.meta.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        palette.setColor(QPalette.ColorRole.Text, muted)
        self.meta.setPalette(palette)
        for button in self._buttons.values():
            palette = button.palette()
            palette.setColor(QPalette.ColorRole.ButtonText, muted)
            button.setPalette(palette)
