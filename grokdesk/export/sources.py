"""From a path the user chose to validated conversations: format detection and reading.

The format is decided from the content, never trusted from the file name, and every
file is parsed and validated completely here, before the history is touched.
A folder or a ``.zip`` (what a Markdown export of many conversations produces) is
read as the ``.md`` and ``.json`` files inside it.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grokdesk.export import importers, jsonio, markdown
from grokdesk.export.errors import ImportRefusedError, MalformedFileError, UnknownFormatError
from grokdesk.export.records import ConversationRecord

READABLE_SUFFIXES = (".json", ".md", ".markdown")
#: The most one file, or everything one archive holds, may unpack to.
MAX_BYTES = 1 << 30
MAX_MEMBERS = 100_000
#: Text packs about tenfold; a hundredfold and more is the signature of a zip bomb.
MAX_RATIO = 100
_SMALL = 1 << 20  # members this small are never refused for their ratio
_CHUNK = 1 << 20
# What unpacking one member can raise when its bytes or its header are wrong.
_UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                  OSError)


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


def _decode(data: bytes | bytearray, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnknownFormatError("this is not UTF-8 text", source=name) from None


def _read_capped(stream: IO[bytes], limit: int, too_big: str, name: str) -> bytearray:
    """At most ``limit`` bytes of ``stream``, read in chunks: one more refuses the file.

    Sizes a file or an archive declares are checked first, but they can lie; this
    is what keeps memory bounded whatever they say.
    """
    data = bytearray()
    while chunk := stream.read(min(_CHUNK, limit + 1 - len(data))):
        data += chunk
        if len(data) > limit:
            raise MalformedFileError(too_big, source=name)
    return data


def _read_file(path: Path, name: str) -> str:
    if path.stat().st_size > MAX_BYTES:
        raise MalformedFileError("the file is larger than 1 GiB", source=name)
    with path.open("rb") as stream:
        return _decode(_read_capped(stream, MAX_BYTES, "the file is larger than 1 GiB", name),
                       name)


def _read_archive(archive: zipfile.ZipFile, name: str) -> Iterator[Source | ParsedSource]:
    """The readable members of a zip, refused as a whole if it unpacks to too much."""
    members = [m for m in archive.infolist() if not m.is_dir()
               and m.filename.lower().endswith(READABLE_SUFFIXES)]
    if not members:
        raise UnknownFormatError("the archive holds no .md or .json files", source=name)
    if len(members) > MAX_MEMBERS:
        raise MalformedFileError(f"the archive holds more than {MAX_MEMBERS:,} files",
                                 source=name)
    if sum(m.file_size for m in members) > MAX_BYTES:
        raise MalformedFileError("the archive unpacks to more than 1 GiB", source=name)
    for m in members:
        if m.file_size > max(_SMALL, m.compress_size * MAX_RATIO):
            raise MalformedFileError(
                f"{m.filename} would unpack to more than {MAX_RATIO} times its packed size, "
                "as zip bombs do", source=name)
    budget = MAX_BYTES
    for member in members:
        member_name = f"{name}:{member.filename}"
        try:
            with archive.open(member) as stream:
                data = _read_capped(stream, min(member.file_size, budget),
                                    "the file unpacks to more than its archive says",
                                    member_name)
        except ImportRefusedError as exc:
            yield ParsedSource(member_name, "unknown", error=exc)
            continue
        except _UNPACK_ERRORS as exc:
            yield ParsedSource(member_name, "unknown", error=MalformedFileError(
                f"its copy in the archive is damaged, encrypted or mislabelled ({exc})",
                source=member_name))
            continue
        budget -= len(data)
        try:
            yield Source(member_name, _decode(data, member_name))
        except ImportRefusedError as exc:
            yield ParsedSource(member_name, "unknown", error=exc)


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
                yield from _read_archive(archive, name)
        else:
            yield Source(name, _read_file(path, name))
    except ImportRefusedError as exc:
        yield ParsedSource(name, "zip" if zipfile.is_zipfile(path) else "unknown", error=exc)
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
