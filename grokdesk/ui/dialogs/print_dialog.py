"""The system's print dialog, opened like every other dialog (window-modal, with ``open()``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget


class PrintDialog(QPrintDialog):
    """QPrintDialog whose ``open()`` takes no arguments, as the dialog launcher calls it
    (PySide6 exposes only QPrintDialog's ``open(receiver, member)`` overload)."""

    def __init__(self, printer: QPrinter, parent: QWidget) -> None:
        super().__init__(printer, parent)
        self.setWindowTitle("Print conversation")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def open(self) -> None:  # type: ignore[override]
        QDialog.open(self)
