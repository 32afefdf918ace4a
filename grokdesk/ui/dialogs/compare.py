"""Compare: the versions of one message side by side, to pick the one to go on from.

Each column shows a version as the chat pane renders it (:class:`MessageBody`) under
the same small print (model · effort · tokens · cost · time · duration); "Use this
version" asks the window to make it the current branch.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from grokdesk.chat.records import Message
from grokdesk.ui.colors import muted_text
from grokdesk.ui.transcript.message_body import MessageBody
from grokdesk.ui.transcript.message_meta import footer_text, role_label, thought_text

COLUMN_WIDTH = 360


class VersionColumn(QFrame):
    """One version: what it is, its small print, its text, and "Use this version"."""

    def __init__(self, message: Message, number: int, count: int, *, current: bool,
                 dark: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = message
        self.setObjectName("versionColumn")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(COLUMN_WIDTH)
        title = f"{role_label(message)} · version {number} of {count}"
        self.title = QLabel(f"{title} (shown)" if current else title, self)
        bold = QFont(self.title.font())
        bold.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(bold)
        facts = [footer_text(message)]
        if message.reasoning:
            facts.append(thought_text(message.reasoning_seconds, message.reasoning_tokens))
        if message.status != "complete":
            facts.append(message.error or message.status)
        self.meta = QLabel("\n".join(fact for fact in facts if fact), self)
        self.meta.setObjectName("smallPrint")
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.meta.palette()
        palette.setColor(self.meta.foregroundRole(), muted_text(self))
        self.meta.setPalette(palette)
        self.body = MessageBody()
        self.body.show_markdown(message.content, dark=dark)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.body)
        scroll.viewport().setBackgroundRole(QPalette.ColorRole.Base)
        scroll.viewport().setAutoFillBackground(True)
        self.body.setContentsMargins(8, 8, 8, 8)
        self.use = QPushButton("Shown now" if current else "Use this version", self)
        self.use.setEnabled(not current)
        self.use.setAutoDefault(False)
        self.use.setAccessibleName(f"Use version {number} of {count}")
        self.use.setAccessibleDescription("Make this version the current branch")
        column = QVBoxLayout(self)
        column.addWidget(self.title)
        column.addWidget(self.meta)
        column.addWidget(scroll, 1)
        column.addWidget(self.use, 0, Qt.AlignmentFlag.AlignRight)
        self.setAccessibleName(title)


class CompareDialog(QDialog):
    """The versions of one message, oldest first; ``picked(message id)`` on a choice."""

    picked = Signal(int)

    def __init__(self, versions: Sequence[Message], shown: int, *, dark: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare {len(versions)} versions")
        self.setObjectName("compareDialog")
        self.resize(min(1240, 40 + len(versions) * (COLUMN_WIDTH + 40)), 560)
        self.columns = [VersionColumn(message, number, len(versions),
                                      current=message.id == shown, dark=dark, parent=self)
                        for number, message in enumerate(versions, start=1)]
        strip = QWidget(self)
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        for column in self.columns:
            row.addWidget(column, 1)
            column.use.clicked.connect(
                lambda _checked=False, message_id=column.message.id: self._pick(message_id))
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setWidget(strip)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(area, 1)
        layout.addWidget(buttons)

    def _pick(self, message_id: int) -> None:
        self.picked.emit(message_id)
        self.accept()
