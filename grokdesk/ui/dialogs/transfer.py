"""What the window shows while an export or import runs, and what an import did."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from grokdesk.ui.transfers import Transfers

SHOW_AFTER_MS = 400


class TransferProgress(QProgressDialog):
    """A non-modal progress dialog bound to :class:`Transfers`.

    It appears only when a transfer takes longer than a moment, follows the
    per-conversation progress, and its Cancel button stops the transfer (the export
    package then rolls the import back or removes the partial export).
    """

    def __init__(self, transfers: Transfers, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("grokdesk")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setMinimumDuration(SHOW_AFTER_MS)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.reset()
        self._transfers = transfers
        transfers.started.connect(self._start)
        transfers.progressed.connect(self._advance)
        transfers.finished.connect(lambda _ok, _message: self.reset())
        self.canceled.connect(transfers.cancel)

    def _start(self, title: str) -> None:
        self.setLabelText(title)
        self.setRange(0, 0)
        self.setValue(0)

    def _advance(self, done: int, total: int) -> None:
        self.setRange(0, max(total, 1))
        self.setValue(min(done, max(total, 1)))


def import_report_box(parent: QWidget, lines: list[str]) -> QMessageBox:
    """The file-by-file import report, for the caller to open (never ``exec()``)."""
    box = QMessageBox(QMessageBox.Icon.Information, "Import finished",
                      lines[-1] if lines else "Nothing was imported.",
                      QMessageBox.StandardButton.Ok, parent)
    if len(lines) > 1:
        box.setDetailedText("\n".join(lines[:-1]))
        box.setInformativeText("\n".join(lines[:-1][:8]))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box
