"""Export and import of conversations: Markdown and JSON out, those and ChatGPT's in.

Qt-free. The window and the command line use the functions re-exported here; the
formats are described field by field in docs/export-format.md.
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
    export_conversations,
    import_files,
    import_parsed,
    read_import_files,
    render_conversation,
    suggested_name,
)
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
    "Progress",
    "UnknownConversationError",
    "UnknownFormatError",
    "export_conversations",
    "import_files",
    "import_parsed",
    "read_import_files",
    "render_conversation",
    "suggested_name",
]
