"""Help ▸ About and Help ▸ Keyboard shortcuts: both opened with ``open()``, never ``exec()``.

``exec()`` would nest an event loop inside the qasync one (see the architecture notes).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from grokdesk import __version__


def about_box(parent: QWidget, icon: QIcon) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About grokdesk")
    box.setIconPixmap(icon.pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<h3>grokdesk {__version__}</h3>")
    box.setInformativeText(
        "A native desktop chat for Grok 3 Mini and other reasoning models.<br><br>"
        "Your conversations stay on this computer; your API key stays in the system "
        "keyring.<br>The same history is available from the command line: "
        "<code>grokdesk --help</code>.")
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


class ShortcutsDialog(QDialog):
    """A table of every action's shortcut, built from the window's actions."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 560)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
