"""``‹ 2/3 ›`` under a message that has other versions (regenerated or edited).

The arrows are real buttons (Tab reaches them, Space presses them, screen readers
name them), and Alt+Left / Alt+Right do the same anywhere in the focused message.
The switch only asks for a version; the window switches the branch through the core.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

PREVIOUS_KEY = "Alt+Left"
NEXT_KEY = "Alt+Right"
ARROW_SCALE = 1.35
"""The arrows are drawn larger than the small print: a "‹" of that size is a speck."""
SHORTCUT_ROWS = [("Message", "Previous version of the focused message", PREVIOUS_KEY),
                 ("Message", "Next version of the focused message", NEXT_KEY)]
"""For Help ▸ Keyboard shortcuts: these keys belong to a message, not to a menu."""


class VersionSwitch(QWidget):
    """Says which version of a message is shown; ``picked(message id)`` asks for another."""

    picked = Signal(int)

    def __init__(self, message_widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionSwitch")
        self._versions: tuple[int, ...] = ()
        self._index = 0
        self.previous = self._arrow("‹", "Previous version", "previousVersion")
        self.label = QLabel(self)
        self.label.setObjectName("versionLabel")
        self.next = self._arrow("›", "Next version", "nextVersion")
        self.previous.clicked.connect(lambda: self.step(-1))
        self.next.clicked.connect(lambda: self.step(1))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        for widget in (self.previous, self.label, self.next):
            row.addWidget(widget)
        for key, step in ((PREVIOUS_KEY, -1), (NEXT_KEY, 1)):
            action = QAction(message_widget)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, step=step: self.step(step))
            message_widget.addAction(action)
        self.hide()

    def _arrow(self, text: str, name: str, object_name: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(object_name)
        button.setText(text)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setAccessibleName(name)
        key = PREVIOUS_KEY if object_name == "previousVersion" else NEXT_KEY
        button.setToolTip(f"{name} of this message ({key})")
        return button

    def apply_font(self, small: QFont) -> None:
        """The small print's font for the count, a larger bold one for the arrows."""
        self.label.setFont(small)
        arrow = QFont(small)
        arrow.setPointSizeF(small.pointSizeF() * ARROW_SCALE)
        arrow.setWeight(QFont.Weight.Bold)
        for button in (self.previous, self.next):
            button.setFont(arrow)

    @property
    def versions(self) -> tuple[int, ...]:
        return self._versions

    def set_versions(self, versions: tuple[int, ...], shown: int) -> None:
        """``versions`` oldest first; ``shown`` the one on screen. One version: hidden."""
        self._versions = versions
        self._index = versions.index(shown) if shown in versions else 0
        count = len(versions)
        self.setVisible(count > 1)
        self.label.setText(f"{self._index + 1}/{count}")
        self.label.setAccessibleName(f"Version {self._index + 1} of {count}")
        self.setAccessibleName(f"Version {self._index + 1} of {count}")
        self.setAccessibleDescription(f"Switch versions with {PREVIOUS_KEY} and {NEXT_KEY}")
        self.previous.setEnabled(self._index > 0)
        self.next.setEnabled(self._index < count - 1)

    def step(self, step: int) -> None:
        """Ask for the version ``step`` places away, if there is one."""
        target = self._index + step
        if self.isEnabled() and len(self._versions) > 1 and 0 <= target < len(self._versions):
            self.picked.emit(self._versions[target])
