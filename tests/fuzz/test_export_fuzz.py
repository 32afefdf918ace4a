"""The exporters and importers against random conversations and damaged files: exports
always read back, and a damaged or foreign file is refused with a typed reason (or read),
never an unexpected exception; whatever the reader accepts, the history can import."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grokdesk.export import import_parsed, jsonio, markdown
from grokdesk.export.errors import ImportRefusedError
from grokdesk.export.records import ConversationRecord
from grokdesk.export.sources import ParsedSource, parse_path, parse_text
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from tests.export.strategies import HOSTILE_FRAGMENTS, records, tree_records
from tests.fuzz.common import FUZZ

edits = st.lists(st.tuples(st.sampled_from(["delete", "insert", "duplicate", "truncate"]),
                           st.integers(0, 10**6), st.integers(0, 200),
                           st.sampled_from([*HOSTILE_FRAGMENTS, "{", "}", "\"", ",", "null",
                                            "[", "]", "---\n", "-->", ":"])),
                 min_size=1, max_size=4)


def damage(text: str, changes: list[tuple[str, int, int, str]]) -> str:
    """``text`` with a few edits a disk, a transfer or a person might make."""
    for kind, at, length, fragment in changes:
        at %= len(text) + 1
        if kind == "delete":
            text = text[:at] + text[at + length:]
        elif kind == "insert":
            text = text[:at] + fragment + text[at:]
        elif kind == "duplicate":
            text = text[:at] + text[at:at + length] + text[at:]
        else:
            text = text[:at]
    return text


def import_into_fresh_history(tmp: Path, parsed: ParsedSource) -> None:
    db = open_database(tmp / f"fuzz-{id(parsed)}.sqlite3")
    try:
        report = import_parsed(History(db), [parsed])
        assert report.files[0].error is None
    finally:
        db.close()


def exported(record: ConversationRecord, as_json: bool, reasoning: bool, usage: bool) -> str:
    if as_json:
        return jsonio.to_json([record])
    return markdown.to_markdown(record, include_reasoning=reasoning, include_usage=usage)


@FUZZ
@given(records() | tree_records(), st.booleans(), st.booleans(), st.booleans())
def test_every_export_reads_back(record: ConversationRecord, as_json: bool, reasoning: bool,
                                 usage: bool) -> None:
    text = exported(record, as_json, reasoning, usage)
    parsed = parse_text(text, "export.json" if as_json else "export.md")
    assert parsed.error is None, parsed.error
    assert len(parsed.records) == 1
    assert len(parsed.records[0].messages) == len(record.messages)


@FUZZ
@given(records(max_messages=4) | tree_records(max_messages=4), st.booleans(), edits)
def test_damaged_exports_are_refused_or_read_never_crash(
        tmp_path_factory: pytest.TempPathFactory, record: ConversationRecord, as_json: bool,
        changes: list[tuple[str, int, int, str]]) -> None:
    text = damage(exported(record, as_json, True, True), changes)
    parsed = parse_text(text, "damaged.json" if as_json else "damaged.md")
    if parsed.error is not None:
        assert isinstance(parsed.error, ImportRefusedError)
        assert parsed.error.describe()
        return
    import_into_fresh_history(tmp_path_factory.mktemp("import"), parsed)


@FUZZ
@given(st.one_of(st.text(), st.lists(st.sampled_from(HOSTILE_FRAGMENTS)).map("".join)),
       st.sampled_from(["x.md", "x.json", "x.txt", "conversations.json"]))
def test_any_text_is_refused_or_read(text: str, name: str) -> None:
    parsed = parse_text(text, name)
    assert parsed.error is None or isinstance(parsed.error, ImportRefusedError)


@FUZZ
@given(st.binary(max_size=400), st.lists(st.tuples(st.sampled_from(["a.md", "b.json", "c.txt",
                                                                    "d/e.md", "../f.json"]),
                                                   st.binary(max_size=200)),
                                         max_size=3, unique_by=lambda member: member[0]),
       st.integers(0, 10**6))
def test_any_file_or_zip_is_refused_or_read(tmp_path_factory: pytest.TempPathFactory,
                                            data: bytes,
                                            members: list[tuple[str, bytes]],
                                            cut: int) -> None:
    folder = tmp_path_factory.mktemp("files")
    (folder / "plain.md").write_bytes(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    whole = buffer.getvalue()
    (folder / "archive.zip").write_bytes(whole)
    (folder / "broken.zip").write_bytes(whole[: cut % (len(whole) + 1)])
    for path in (folder / "plain.md", folder / "archive.zip", folder / "broken.zip", folder):
        for parsed in parse_path(path):
            assert parsed.error is None or isinstance(parsed.error, ImportRefusedError)
