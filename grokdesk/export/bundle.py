"""Many conversations as many files (Markdown, HTML or PDF): in a folder, or in one ``.zip``.

File names come from titles, so they must be safe everywhere the files may travel:
no path separators or characters Windows refuses, no reserved device names, no
leading dot (hidden) or trailing dot or space, a bounded length in bytes, and unique
even on case-insensitive, Unicode-normalising file systems (macOS, Windows).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from datetime import tzinfo
from pathlib import Path

from grokdesk.export.records import ConversationRecord
from grokdesk.storage.models import Conversation
from grokdesk.timestamps import format_time

MAX_NAME_BYTES = 120
# Windows' forbidden characters, controls, line separators and bidi controls.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f'
                     r"\u202a-\u202e\u2066-\u2069]")

Render = Callable[[ConversationRecord], str | bytes]
Step = Callable[[], None]


def encoded(content: str | bytes) -> bytes:
    """What goes into the file: text as UTF-8, bytes (a PDF) as they are."""
    return content.encode("utf-8") if isinstance(content, str) else content


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _truncate(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore")


class NamePicker:
    """Hands out file names that are safe and unique (case- and normalisation-blind)."""

    def __init__(self, taken: Iterable[str] = (), *, tz: tzinfo | None = None) -> None:
        self._taken = {_fold(name) for name in taken}
        self._tz = tz

    def stem(self, conversation: Conversation) -> str:
        """A readable, safe base name: the date and the title."""
        day = format_time(conversation.created_at, "%Y-%m-%d", self._tz)
        title = unicodedata.normalize("NFC", " ".join(conversation.title.split()))
        title = _UNSAFE.sub("-", title).strip(" .-") or "Untitled"
        # The date prefix also keeps Windows' device names (CON, NUL, …) from being a name.
        return _truncate(f"{day} {title}", MAX_NAME_BYTES).rstrip(" .")

    def pick(self, conversation: Conversation, extension: str) -> str:
        """A name for ``conversation`` that no earlier pick (or taken name) collides with."""
        stem = self.stem(conversation)
        name, counter = f"{stem}{extension}", 1
        while _fold(name) in self._taken:
            counter += 1
            name = f"{stem} ({counter}){extension}"
        self._taken.add(_fold(name))
        return name


def write_folder(records: Iterable[ConversationRecord], folder: Path, render: Render, *,
                 step: Step | None = None, tz: tzinfo | None = None,
                 extension: str = ".md") -> list[Path]:
    """One file per conversation in ``folder`` (created if needed; never overwrites).

    If anything fails (or ``step`` raises to cancel), the files written so far are
    removed again, so a folder never holds half an export.
    """
    folder.mkdir(parents=True, exist_ok=True)
    picker = NamePicker((p.name for p in folder.iterdir()), tz=tz)
    written: list[Path] = []
    try:
        for record in records:
            path = folder / picker.pick(record.conversation, extension)
            with path.open("xb") as handle:
                written.append(path)
                handle.write(encoded(render(record)))
            if step is not None:
                step()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def write_zip(records: Iterable[ConversationRecord], target: Path, render: Render, *,
              step: Step | None = None, tz: tzinfo | None = None,
              extension: str = ".md") -> list[str]:
    """One file per conversation in a new ``.zip``, written to a temporary file first.

    ``target`` appears only once the archive is complete, so a failed or cancelled
    export never leaves a truncated archive (or destroys an existing one).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    picker = NamePicker(tz=tz)
    names: list[str] = []
    handle, temporary = tempfile.mkstemp(prefix=".grokdesk-export-", suffix=".zip",
                                         dir=target.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for record in records:
                name = picker.pick(record.conversation, extension)
                archive.writestr(name, encoded(render(record)))
                names.append(name)
                if step is not None:
                    step()
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return names
