"""Export and import of conversations: Markdown, JSON, HTML and PDF out; Markdown, JSON
and ChatGPT's in.

Qt-free: a PDF is written by the writer a face hands in (``ExportOptions.pdf``, Qt's
``grokdesk.printing.pdf_bytes``). The window and the command line use the functions
re-exported here; the formats are described in docs/export-format.md.
"""

from grokdesk.export.errors import (
    ExportCancelled,
    ImportRefusedError,
    MalformedFileError,
    NewerFormatError,
    UnknownFormatError,
)
from grokdesk.export.operations import (
    ExportOptions,
    ExportResult,
    PdfWriter,
    export_conversations,
    import_files,
    import_parsed,
    print_page,
    read_import_files,
    render_conversation,
    suggested_name,
)
from grokdesk.export.page import PrintPage
from grokdesk.export.records import ConversationRecord, Progress
from grokdesk.export.report import FileOutcome, ImportReport, MergeCounts
from grokdesk.export.sources import ParsedSource
from grokdesk.export.store import UnknownConversationError

__all__ = [
    "ConversationRecord",
    "ExportCancelled",
    "ExportOptions",
    "ExportResult",
    "FileOutcome",
    "ImportRefusedError",
    "ImportReport",
    "MalformedFileError",
    "MergeCounts",
    "NewerFormatError",
    "ParsedSource",
    "PdfWriter",
    "PrintPage",
    "Progress",
    "UnknownConversationError",
    "UnknownFormatError",
    "export_conversations",
    "import_files",
    "import_parsed",
    "print_page",
    "read_import_files",
    "render_conversation",
    "suggested_name",
]
