"""Export and import for the window, off the GUI thread.

The chat core does the work, on a connection of its own in a worker thread (a
sqlite connection belongs to the thread that opened it), so a large export or
import never freezes the window. This adapter reports progress (with a way to
cancel) and the outcome: one line for the status bar and, for an import, the full
file-by-file report. After an import the core tells every view to read again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from grokdesk.errors import GrokdeskError
from grokdesk.ui.task_set import TaskSet

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from grokdesk.chat.service import ChatService
    from grokdesk.export.operations import ExportFormat

log = logging.getLogger("grokdesk.ui")

_SUFFIX_FORMATS: dict[str, ExportFormat] = {".json": "json", ".html": "html", ".htm": "html",
                                             ".pdf": "pdf"}


class Transfers(QObject):
    """Runs exports and imports; ``finished(ok, message)`` says how each one went.

    ``progressed(done, total)`` is emitted from the worker thread and arrives queued
    on the GUI thread; :meth:`cancel` makes the export package stop and roll back.
    """

    started = Signal(str)
    progressed = Signal(int, int)
    finished = Signal(bool, str)
    importReported = Signal(list)

    def __init__(self, core: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._tasks = TaskSet()
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop the running transfer at its next conversation; nothing half-done is kept."""
        self._cancelled.set()

    def _progress(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._cancelled.is_set()

    @property
    def busy(self) -> bool:
        return self._tasks.busy

    def export(self, conversation_ids: Sequence[int] | None, target: Path,
               include_reasoning: bool, export_format: ExportFormat | None = None) -> None:
        """Write conversations (None: all) to ``target`` in ``export_format``, or by its
        suffix: JSON, HTML or PDF, else Markdown (a zip holds files of the format). A PDF
        is laid out by Qt in the worker too (no widgets involved)."""
        from grokdesk.export import ExportOptions

        if export_format is None:
            export_format = _SUFFIX_FORMATS.get(target.suffix.lower(), "md")
        pdf = None
        if export_format == "pdf":
            from grokdesk.printing import pdf_bytes

            pdf = pdf_bytes
        options = ExportOptions(format=export_format, include_reasoning=include_reasoning,
                                include_usage=True, pdf=pdf)

        def work() -> str:
            result = self._core.export(conversation_ids, target, options,
                                       progress=self._progress)
            noun = "conversation" if result.conversations == 1 else "conversations"
            return f"Exported {result.conversations} {noun} to {result.path}"

        self._run(work, f"Exporting to {target.name}…")

    def print_(self, printer: QPrinter, conversation_id: int, include_reasoning: bool) -> None:
        """Lay a conversation out on ``printer`` as its PDF export looks. In the worker
        too: Qt paints on a printer from any thread, and a long chat takes seconds."""
        from grokdesk.printing import print_page

        def work() -> str:
            page = self._core.print_page(conversation_id, include_reasoning=include_reasoning)
            pages = print_page(page, printer)
            return f"Printed {pages} {'page' if pages == 1 else 'pages'}"

        self._run(work, "Printing…")

    def import_files(self, paths: Sequence[Path]) -> None:
        """Import grokdesk JSON/Markdown or ChatGPT exports (files, folders, zips)."""
        def work() -> str:
            report = self._core.import_files(paths, progress=self._progress)
            self.importReported.emit(report.lines())
            if not report.ok:
                refused = "; ".join(f.describe() for f in report.refused)
                return f"{report.summary()} {refused}"
            return report.summary()

        self._run(work, "Importing…", imported=True)

    def _run(self, work: Callable[[], str], title: str, *,
             imported: bool = False) -> None:
        self._cancelled.clear()
        self.started.emit(title)
        self._tasks.spawn(self._in_thread(work, imported))

    async def _in_thread(self, work: Callable[[], str], imported: bool) -> None:
        import asyncio

        try:
            message = await asyncio.to_thread(work)
        except GrokdeskError as exc:
            self.finished.emit(False, exc.describe())
            return
        except OSError as exc:
            self.finished.emit(False, f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
            return
        except Exception:
            log.exception("An export or import failed unexpectedly")
            self.finished.emit(False, "Something went wrong inside grokdesk; the details "
                                      "are in the log")
            return
        if imported:
            self._core.imported()
        self.finished.emit(True, message)

    async def wait(self) -> None:
        """Until every running export or import has finished (the quit path waits)."""
        await self._tasks.wait()
