"""A scroll area's viewport made in Python rather than asked of Qt.

The first widget that Qt made and Python is handed (a scroll area's ``viewport()``)
makes PySide load every widget class it has, about 30 ms, to find that widget's
Python type. A viewport made here is known to Python already, so the window's first
frame does not wait for classes it never uses.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QWidget


def own_viewport(area: QAbstractScrollArea, background: QPalette.ColorRole) -> None:
    """Give ``area`` a new viewport filled with ``background``, as Qt fills its own (set
    it before a scroll area's widget, which lives in the viewport)."""
    viewport = QWidget(area)
    viewport.setBackgroundRole(background)
    viewport.setAutoFillBackground(True)
    area.setViewport(viewport)
