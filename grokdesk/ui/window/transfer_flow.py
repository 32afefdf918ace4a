"""Export, print and import from the window: where to, progress, and what came of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QWidget

from grokdesk.ui.transfers import Transfers

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from grokdesk.chat.records import Conversation
    from grokdesk.chat.service import ChatService
    from grokdesk.export.operations import ExportFormat
    from grokdesk.ui.dialogs.transfer import TransferProgress


class TransferFlow(QObject):
    """Asks where (a file dialog), runs the transfer in the background, and reports.

    The dialogs and the export package are imported when first used, not at start.
    """

    def __init__(self, core: ChatService, window: QWidget, *,
                 open_dialog: Callable[[QDialog], None], notify: Callable[[str], None],
                 reasoning_shown: Callable[[], bool]) -> None:
        super().__init__(window)
        self.window = window
        self.transfers = Transfers(core, self)
        self._open_dialog = open_dialog
        self._notify = notify
        self._reasoning_shown = reasoning_shown
        self.progress: TransferProgress | None = None
        self.transfers.finished.connect(lambda _ok, message: notify(message))
        self.transfers.importReported.connect(self._show_import_report)

    def ask_export(self, conversation: Conversation | None) -> None:
        """Ask where to save one conversation (from the menu or the sidebar)."""
        if conversation is None:
            self._notify("Nothing to export yet: this chat has no messages")
            return
        from grokdesk.export import ExportOptions, suggested_name
        from grokdesk.ui.dialogs.file_choosers import EXPORT_ONE_FILTERS, save_dialog

        name = suggested_name([conversation], ExportOptions())
        self._open_dialog(save_dialog(self.window, "Export conversation", name,
                                      EXPORT_ONE_FILTERS,
                                      lambda path: self.export_to(path, [conversation.id])))

    def ask_export_pdf(self, conversation: Conversation | None) -> None:
        """Ask where to save one conversation as a PDF."""
        if conversation is None:
            self._notify("Nothing to export yet: this chat has no messages")
            return
        from grokdesk.export import ExportOptions, suggested_name
        from grokdesk.ui.dialogs.file_choosers import EXPORT_PDF_FILTERS, save_dialog

        name = suggested_name([conversation], ExportOptions(format="pdf"))
        self._open_dialog(save_dialog(self.window, "Export as PDF", name, EXPORT_PDF_FILTERS,
                                      lambda path: self.export_to(path, [conversation.id])))

    def ask_print(self, conversation: Conversation | None) -> None:
        """The system's print dialog for one conversation; printing starts once accepted."""
        if conversation is None:
            self._notify("Nothing to print yet: this chat has no messages")
            return
        from PySide6.QtPrintSupport import QPrinter

        from grokdesk.ui.dialogs.print_dialog import PrintDialog

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(conversation.title)
        dialog = PrintDialog(printer, self.window)
        dialog.accepted.connect(lambda: self.print_to(printer, conversation.id))
        self._open_dialog(dialog)

    def print_to(self, printer: QPrinter, conversation_id: int) -> None:
        """Print a conversation (in the background) as its PDF export looks, reasoning
        included when it is shown."""
        self._notify("Printing…")
        self._ensure_progress()
        self.transfers.print_(printer, conversation_id, self._reasoning_shown())

    def ask_export_all(self) -> None:
        """Ask where to save every conversation, and as what: Markdown, HTML pages or PDF
        files in a zip, or one JSON file."""
        from grokdesk.export import ExportOptions, suggested_name
        from grokdesk.ui.dialogs.file_choosers import EXPORT_ALL_FORMATS, save_dialog

        dialog = save_dialog(
            self.window, "Export all conversations", suggested_name([], ExportOptions()),
            list(EXPORT_ALL_FORMATS),
            lambda path: self.export_to(path, None,
                                        EXPORT_ALL_FORMATS.get(dialog.selectedNameFilter())))
        self._open_dialog(dialog)

    def export_to(self, path: Path, conversation_ids: list[int] | None,
                  export_format: ExportFormat | None = None) -> None:
        """Export (in the background) with reasoning included when it is shown; the
        format is the file's suffix's unless given."""
        self._notify(f"Exporting to {path}…")
        self._ensure_progress()
        self.transfers.export(conversation_ids, path, include_reasoning=self._reasoning_shown(),
                              export_format=export_format)

    def ask_import(self) -> None:
        from grokdesk.ui.dialogs.file_choosers import import_dialog

        self._open_dialog(import_dialog(self.window, self.import_from))

    def import_from(self, paths: list[Path]) -> None:
        self._notify("Importing…")
        self._ensure_progress()
        self.transfers.import_files(paths)

    def _ensure_progress(self) -> None:
        """The progress dialog, made before the first transfer starts (not at start-up)."""
        if self.progress is None:
            from grokdesk.ui.dialogs.transfer import TransferProgress

            self.progress = TransferProgress(self.transfers, self.window)

    def _show_import_report(self, lines: list[str]) -> None:
        from grokdesk.ui.dialogs.transfer import import_report_box

        self._open_dialog(import_report_box(self.window, lines))
