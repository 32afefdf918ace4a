"""From a path the user chose to validated conversations: format detection and reading.

The format is decided from the content, never trusted from the file name, and every
file is parsed and validated completely here, before the history is touched.
A folder or a ``.zip`` (what a Markdown export of many conversations produces) is
read as the ``.md`` and ``.json`` files inside it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grokdesk.export import importers, jsonio, markdown
from grokdesk.export.errors import ImportRefusedError, MalformedFileError, UnknownFormatError
from grokdesk.export.records import ConversationRecord

READABLE_SUFFIXES = (".json", ".md", ".markdown")
MAX_BYTES = 1 << 30


@dataclass(frozen=True, slots=True)
class Source:
    """One file's text, with the name to use in messages."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class ParsedSource:
    """What one file holds: its format and its conversations, or why it was refused."""

    name: str
    kind: str
    records: tuple[ConversationRecord, ...] = ()
    error: ImportRefusedError | None = None


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_BYTES:
        raise MalformedFileError("the file is larger than 1 GiB", source=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnknownFormatError("this is not UTF-8 text", source=name) from None


def read_sources(path: Path) -> Iterator[Source | ParsedSource]:
    """The texts at ``path``; a file that cannot be read yields a refusal instead."""
    name = str(path)
    try:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES)
            if not children:
                yield ParsedSource(name, "folder", error=UnknownFormatError(
                    "the folder holds no .md or .json files", source=name))
            for child in children:
                yield from read_sources(child)
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()
                           and m.filename.lower().endswith(READABLE_SUFFIXES)]
                if not members:
                    yield ParsedSource(name, "zip", error=UnknownFormatError(
                        "the archive holds no .md or .json files", source=name))
                for member in members:
                    member_name = f"{name}:{member.filename}"
                    try:
                        yield Source(member_name, _decode(archive.read(member), member_name))
                    except ImportRefusedError as exc:
                        yield ParsedSource(member_name, "unknown", error=exc)
        else:
            yield Source(name, _decode(path.read_bytes(), name))
    except ImportRefusedError as exc:
        yield ParsedSource(name, "unknown", error=exc)
    except (OSError, zipfile.BadZipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield ParsedSource(name, "unknown", error=UnknownFormatError(
            f"cannot be read ({reason})", source=name))


def parse_text(text: str, name: str) -> ParsedSource:
    """Detect the format of ``text`` and read it; refusals are returned, not raised."""
    try:
        return _parse(text, name)
    except ImportRefusedError as exc:
        return ParsedSource(name, "unknown", error=exc)


def _parse(text: str, name: str) -> ParsedSource:
    head = text.lstrip("\ufeff \t\r\n")
    if not head:
        raise UnknownFormatError("the file is empty", source=name)
    if head[0] in "{[":
        data = jsonio.parse_json_text(text, source=name)
        if jsonio.is_grokdesk_document(data):
            return ParsedSource(name, "grokdesk JSON",
                                tuple(jsonio.from_json_document(data, source=name)))
        if importers.is_chatgpt_document(data):
            return ParsedSource(name, "ChatGPT export",
                                tuple(importers.from_chatgpt_document(data, source=name)))
        claimed = data.get("format") if isinstance(data, dict) else None
        detail = f' (its "format" is {claimed!r})' if isinstance(claimed, str) else ""
        raise UnknownFormatError("this JSON is neither a grokdesk export nor ChatGPT's "
                                 f"conversations.json{detail}", source=name)
    if head.startswith("---") or name.lower().endswith((".md", ".markdown")):
        return ParsedSource(name, "grokdesk Markdown",
                            (markdown.from_markdown(text, source=name),))
    raise UnknownFormatError("this is neither JSON nor Markdown", source=name)


def parse_path(path: Path) -> list[ParsedSource]:
    """Every file at ``path`` (a file, a folder or a zip), parsed and validated."""
    return [item if isinstance(item, ParsedSource) else parse_text(item.text, item.name)
            for item in read_sources(path)]
