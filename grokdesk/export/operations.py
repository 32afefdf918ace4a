"""Export and import as the window and the command line call them, with progress.

These functions do the work and return plain results; wording for people lives in
:mod:`grokdesk.export.report`, and neither face parses files or writes SQL itself.

Threading: a ``History`` belongs to the thread that opened its connection. To keep a
window responsive during a large export or import, run these in a worker that opens
its own ``History`` on the same database file; ``progress`` is then called from that
worker, so the window should forward it through a queued signal.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from grokdesk.export import bundle, jsonio, markdown, page, store
from grokdesk.export.errors import ExportCancelled
from grokdesk.export.records import ConversationRecord, Progress
from grokdesk.export.report import FileOutcome, ImportReport
from grokdesk.export.sources import ParsedSource, parse_path

if TYPE_CHECKING:
    from grokdesk.storage.models import Conversation
    from grokdesk.storage.repository import History

ExportFormat = Literal["md", "json", "html", "pdf"]
PdfWriter = Callable[[page.PrintPage], bytes]
"""Turns a print page into a PDF file's bytes: Qt's work, so a face hands it in
(``grokdesk.printing.pdf_bytes``); the core imports no Qt."""

EXTENSIONS: dict[str, str] = {"md": ".md", "html": ".html", "pdf": ".pdf", "json": ".json"}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to export and how; ``tz`` is the zone for times shown (local).

    ``include_usage`` is for Markdown: HTML and PDF always carry each answer's small
    print. A PDF export needs ``pdf``, the writer.
    """

    format: ExportFormat = "md"
    include_reasoning: bool = False
    include_usage: bool = False
    tz: tzinfo | None = None
    pdf: PdfWriter | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    def render(self, record: ConversationRecord) -> str | bytes:
        """One conversation as one file in this format (Markdown, HTML or PDF)."""
        if self.format == "html":
            return page.to_html(record, include_reasoning=self.include_reasoning, tz=self.tz)
        if self.format == "pdf":
            if self.pdf is None:
                raise ValueError("a PDF export needs ExportOptions.pdf, the writer")
            return self.pdf(page.to_print_page(record, include_reasoning=self.include_reasoning,
                                               tz=self.tz))
        return markdown.to_markdown(record, include_reasoning=self.include_reasoning,
                                    include_usage=self.include_usage, tz=self.tz)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """Where an export went and how much it held."""

    path: Path | None
    conversations: int
    messages: int
    files: tuple[str, ...] = ()


class _Counter:
    """Calls ``progress`` once per conversation and turns ``False`` into a cancellation."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress
        self.messages = 0
        self.report()

    def report(self) -> None:
        if self.progress is not None and self.progress(self.done, self.total) is False:
            raise ExportCancelled()

    def step(self) -> None:
        self.done += 1
        self.report()

    def count(self, records: Iterable[ConversationRecord]) -> Iterable[ConversationRecord]:
        for record in records:
            self.messages += len(record.messages)
            yield record


def suggested_name(conversations: Sequence[Conversation], options: ExportOptions, *,
                   now: float | None = None) -> str:
    """A file name for a save dialog: the safe title for one conversation as Markdown, HTML
    or PDF, else a dated ``grokdesk-export-YYYY-MM-DD`` with ``.json`` or ``.zip``."""
    if len(conversations) == 1 and options.format != "json":
        return bundle.NamePicker(tz=options.tz).pick(conversations[0], options.extension)
    moment = datetime.now(options.tz) if now is None else datetime.fromtimestamp(now, options.tz)
    extension = ".json" if options.format == "json" else ".zip"
    return f"grokdesk-export-{moment:%Y-%m-%d}{extension}"


def render_conversation(history: History, conversation_id: int, options: ExportOptions) -> str:
    """One conversation as text in ``options.format`` (for stdout or the clipboard; not PDF)."""
    record = store.read_record(history, conversation_id)
    if options.format == "json":
        return jsonio.to_json([record])
    rendered = options.render(record)
    if isinstance(rendered, bytes):
        raise ValueError("a PDF is not text: export it to a file")
    return rendered


def print_page(history: History, conversation_id: int, *, include_reasoning: bool = False,
               tz: tzinfo | None = None) -> page.PrintPage:
    """One conversation as the page Qt prints (the window's Print…), read as exports read."""
    return page.to_print_page(store.read_record(history, conversation_id),
                              include_reasoning=include_reasoning, tz=tz)


def _write_atomically(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` so that a failure leaves the old file (if any) intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".grokdesk-export-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(bundle.encoded(content))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def export_conversations(history: History, conversation_ids: Sequence[int] | None,
                         target: Path, options: ExportOptions, *,
                         progress: Progress | None = None) -> ExportResult:
    """Export to ``target``: JSON → one file; Markdown, HTML or PDF → one file for one
    conversation (unless ``target`` ends in ``.zip`` or is a folder), a ``.zip`` when
    ``target`` ends in ``.zip``, else a folder of files, one per conversation.

    ``conversation_ids`` None means all, in sidebar order. Unknown ids raise
    ``store.UnknownConversationError`` before anything is written.
    """
    ids = store.resolve_ids(history, conversation_ids)
    counter = _Counter(len(ids), progress)
    records = counter.count(store.iter_records(history, ids))
    zipped = target.suffix.lower() == ".zip"
    if options.format == "json":
        text = jsonio.to_json(_stepping(records, counter))
        _write_atomically(target, text)
        return ExportResult(target, counter.done, counter.messages)
    if len(ids) == 1 and not zipped and not target.is_dir():
        record = next(iter(records))
        _write_atomically(target, options.render(record))
        counter.step()
        return ExportResult(target, 1, counter.messages, (target.name,))
    if zipped:
        names = bundle.write_zip(records, target, options.render, step=counter.step,
                                 tz=options.tz, extension=options.extension)
        return ExportResult(target, counter.done, counter.messages, tuple(names))
    paths = bundle.write_folder(records, target, options.render, step=counter.step,
                                tz=options.tz, extension=options.extension)
    return ExportResult(target, counter.done, counter.messages, tuple(p.name for p in paths))


def _stepping(records: Iterable[ConversationRecord], counter: _Counter
              ) -> Iterable[ConversationRecord]:
    for record in records:
        yield record
        counter.step()


def read_import_files(paths: Sequence[Path]) -> list[ParsedSource]:
    """Parse and validate every file first; refusals are kept with their reasons."""
    return [parsed for path in paths for parsed in parse_path(path)]


def import_parsed(history: History, sources: Sequence[ParsedSource], *,
                  progress: Progress | None = None) -> ImportReport:
    """Write what :func:`read_import_files` accepted, all or nothing.

    Refused sources are only reported. Cancelling through ``progress`` (return
    ``False``) rolls everything back and raises ``ExportCancelled``.
    """
    accepted = [s for s in sources if s.error is None]
    counter = _Counter(sum(len(s.records) for s in accepted), progress)
    results = iter(store.import_batches(history, [s.records for s in accepted],
                                        step=counter.step))
    return ImportReport(tuple(
        FileOutcome(s.name, s.kind, error=s.error) if s.error is not None
        else FileOutcome(s.name, s.kind, next(results))
        for s in sources
    ))


def import_files(history: History, paths: Sequence[Path], *,
                 progress: Progress | None = None) -> ImportReport:
    """Read, validate and import every file at ``paths`` (files, folders, zips)."""
    return import_parsed(history, read_import_files(paths), progress=progress)
