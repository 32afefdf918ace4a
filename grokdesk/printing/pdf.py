"""PDF files without a window: QPdfWriter over the print page, in memory.

The command line has no display and no Qt running. :func:`ensure_application` starts a
QGuiApplication on the offscreen platform (unless one is set), which is all QTextDocument
and the fonts need; nothing else of Qt is imported by the command line.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLocale, QMarginsF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter

from grokdesk.export.page import PrintPage
from grokdesk.printing.pages import print_page

MARGINS_MM = QMarginsF(18, 16, 18, 12)
_started: list[QGuiApplication] = []
"""The application :func:`ensure_application` made, kept alive until the process ends."""


def ensure_application() -> QGuiApplication:
    """The running Qt application, or a new offscreen one (for the command line)."""
    running = QGuiApplication.instance()
    if isinstance(running, QGuiApplication):
        return running
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _started.append(QGuiApplication(["grokdesk"]))
    return _started[-1]


def page_size() -> QPageSize:
    """Letter where the locale measures in inches (US), A4 elsewhere."""
    us = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return QPageSize(QPageSize.PageSizeId.Letter if us else QPageSize.PageSizeId.A4)


def pdf_bytes(page: PrintPage) -> bytes:
    """The page as a PDF document (needs a Qt application: :func:`ensure_application`)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(page_size())
    writer.setPageMargins(MARGINS_MM, QPageLayout.Unit.Millimeter)
    writer.setTitle(page.title)
    writer.setCreator("grokdesk")
    writer.setResolution(600)
    print_page(page, writer)
    del writer  # finishes the file
    buffer.close()
    return bytes(data.data())
