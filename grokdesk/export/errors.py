"""Why a file cannot be imported, as typed errors the CLI and the window word once.

Every refusal happens before anything is written, so each of these also means
"the history was not changed".
"""

from __future__ import annotations

from grokdesk.errors import GrokdeskError


class ImportRefusedError(GrokdeskError):
    """A file cannot be imported; nothing was written to the history."""

    hint = "nothing was imported from it"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class UnknownFormatError(ImportRefusedError):
    """The file is none of the formats grokdesk reads."""

    hint = ("grokdesk imports its own JSON and Markdown exports and ChatGPT's "
            "conversations.json; nothing was imported from it")


class NewerFormatError(ImportRefusedError):
    """The file was written by a newer grokdesk in a format version this one cannot read."""

    hint = "update grokdesk to import it; nothing was imported from it"


class MalformedFileError(ImportRefusedError):
    """The file claims a known format but is truncated, edited or otherwise broken."""

    hint = "the file may be truncated or edited by hand; nothing was imported from it"


class ExportCancelled(GrokdeskError):
    """The user stopped an export or import from the progress dialog."""

    hint = "nothing was written: an import was rolled back, a partial export removed"

    def __init__(self) -> None:
        super().__init__("Cancelled")
