"""A message's small print on one line, cut with "…" where its row is too narrow.

The row under a message keeps one height and its buttons on the right; at a large zoom
or in a narrow window the small print would otherwise run under them. What is cut is in
the tooltip, and screen readers get the whole of it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class SmallPrint(QLabel):
    """A one-line label that elides its text to the width it gets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._whole = ""
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)
        self.setSizePolicy(policy)

    def setText(self, text: str) -> None:
        self._whole = text
        self.setAccessibleName(text)
        self.updateGeometry()
        self._fit()

    def text(self) -> str:
        """The whole small print, cut or not."""
        return self._whole

    def shown_text(self) -> str:
        """What is drawn: the small print, cut to the label's width."""
        return super().text()

    def sizeHint(self) -> QSize:
        """As wide as the whole text: rounded up, or a fractional font size would cut it."""
        margins = self.contentsMargins()
        text = math.ceil(QFontMetricsF(self.font()).horizontalAdvance(self._whole)) + 1
        width = text + margins.left() + margins.right() + 2 * self.margin()
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("…"), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
            self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        shown = self.fontMetrics().elidedText(self._whole, Qt.TextElideMode.ElideRight, room)
        if shown != super().text():
            super().setText(shown)
        self.setToolTip(self._whole if shown != self._whole else "")
