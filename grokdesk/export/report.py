"""What an import did, as data and in words shared by the window and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field

from grokdesk.export.errors import ImportRefusedError


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


@dataclass(frozen=True, slots=True)
class MergeCounts:
    """What merging some conversations into the history changed."""

    added: int = 0
    """Conversations that were new."""
    merged: int = 0
    """Conversations already present that received new messages."""
    duplicates: int = 0
    """Conversations already present with nothing new: skipped."""
    messages_added: int = 0
    messages_skipped: int = 0
    """Messages already present (by uuid): skipped."""

    def __add__(self, other: MergeCounts) -> MergeCounts:
        return MergeCounts(self.added + other.added, self.merged + other.merged,
                           self.duplicates + other.duplicates,
                           self.messages_added + other.messages_added,
                           self.messages_skipped + other.messages_skipped)

    def describe(self) -> str:
        """e.g. "2 conversations imported, 1 updated, 3 duplicates skipped; 41 messages added"."""
        parts = []
        if self.added:
            parts.append(f"{_count(self.added, 'conversation')} imported")
        if self.merged:
            parts.append(f"{self.merged} existing updated")
        if self.duplicates:
            parts.append(f"{_count(self.duplicates, 'duplicate')} skipped")
        text = ", ".join(parts) or "no conversations"
        if self.messages_added:
            text += f"; {_count(self.messages_added, 'message')} added"
        if self.messages_skipped:
            text += f" ({_count(self.messages_skipped, 'message')} already present)"
        return text


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One file's result: what it held and what happened, or why it was refused."""

    name: str
    kind: str
    counts: MergeCounts = field(default_factory=MergeCounts)
    error: ImportRefusedError | None = None

    def describe(self) -> str:
        if self.error is not None:
            return f"refused {self.error.describe()}"
        return f"{self.name} ({self.kind}): {self.counts.describe()}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Everything one import did, file by file."""

    files: tuple[FileOutcome, ...]

    @property
    def totals(self) -> MergeCounts:
        total = MergeCounts()
        for outcome in self.files:
            total = total + outcome.counts
        return total

    @property
    def refused(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.error is not None)

    @property
    def ok(self) -> bool:
        """True when no file was refused."""
        return not self.refused

    def summary(self) -> str:
        """One line for a status bar or the end of the command's output."""
        totals = self.totals
        text = (f"Imported {_count(totals.added, 'conversation')} and "
                f"{_count(totals.messages_added, 'message')}")
        if totals.merged:
            noun = "conversation" if totals.merged == 1 else "conversations"
            text += f" ({totals.merged} existing {noun} updated)"
        if totals.duplicates:
            text += f"; skipped {_count(totals.duplicates, 'duplicate')}"
        if self.refused:
            text += f"; refused {_count(len(self.refused), 'file')}"
        return text + "."

    def lines(self) -> list[str]:
        """The full report: one line per file, then the summary."""
        return [outcome.describe() for outcome in self.files] + [self.summary()]
