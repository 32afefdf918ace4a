"""File choosers for export and import, opened with ``open()`` (never a nested loop)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

if TYPE_CHECKING:
    from grokdesk.export.operations import ExportFormat

EXPORT_ONE_FILTERS = ["Markdown (*.md)", "JSON (*.json)", "HTML page (*.html)", "PDF (*.pdf)"]
EXPORT_PDF_FILTERS = ["PDF (*.pdf)"]
EXPORT_ALL_FORMATS: dict[str, ExportFormat] = {
    "Markdown files in a zip (*.zip)": "md",
    "HTML pages in a zip (*.zip)": "html",
    "PDF files in a zip (*.zip)": "pdf",
    "JSON (*.json)": "json",
}
"""Export all's choices: a zip's suffix does not say what it holds, the filter does."""
IMPORT_FILTERS = ["Conversations (*.json *.md *.zip)", "All files (*)"]


def _start_folder() -> str:
    return QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())


def save_dialog(parent: QWidget, title: str, name: str, filters: list[str],
                chosen: Callable[[Path], None]) -> QFileDialog:
    """Where to save, for the caller to open; the suffix follows the chosen filter
    (``.md``/``.zip``/``.json``/``.html``/``.pdf``), and ``selectedNameFilter()`` says
    which one it was."""
    dialog = QFileDialog(parent, title, str(Path(_start_folder()) / name), ";;".join(filters))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)

    def suffix_for(selected: str) -> None:
        dialog.setDefaultSuffix(selected.rsplit("*.", 1)[-1].rstrip(")"))

    suffix_for(filters[0])
    dialog.filterSelected.connect(suffix_for)
    dialog.fileSelected.connect(lambda path: chosen(Path(path)))
    return dialog


def import_dialog(parent: QWidget, chosen: Callable[[list[Path]], None]) -> QFileDialog:
    """Files to import (grokdesk JSON or Markdown, ChatGPT exports, zips), for the caller
    to open."""
    dialog = QFileDialog(parent, "Import conversations", _start_folder(),
                         ";;".join(IMPORT_FILTERS))
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    dialog.filesSelected.connect(lambda paths: chosen([Path(p) for p in paths]))
    return dialog
