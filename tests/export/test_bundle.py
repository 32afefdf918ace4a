"""Folder and zip exports: safe, unique names; nothing half-written on failure."""

from __future__ import annotations

import zipfile
from datetime import UTC
from pathlib import Path

import pytest

from grokdesk.export.bundle import MAX_NAME_BYTES, NamePicker, write_folder, write_zip
from grokdesk.export.records import ConversationRecord
from tests.export.strategies import simple_record


def titled(title: str) -> ConversationRecord:
    return simple_record(title)


@pytest.mark.parametrize(("title", "expected"), [
    ("Plain title", "2025-01-02 Plain title.md"),
    ("../../etc/passwd", "2025-01-02 etc-passwd.md"),
    ('a<b>c:d"e/f\\g|h?i*j', "2025-01-02 a-b-c-d-e-f-g-h-i-j.md"),
    ("line\nbreak\ttab", "2025-01-02 line break tab.md"),
    ("...", "2025-01-02 Untitled.md"),
    ("", "2025-01-02 Untitled.md"),
    ("trailing dot.", "2025-01-02 trailing dot.md"),
    ("\u202eevil", "2025-01-02 evil.md"),
])
def test_names_are_safe(title: str, expected: str) -> None:
    assert NamePicker(tz=UTC).pick(titled(title).conversation, ".md") == expected


def test_reserved_windows_names_cannot_occur() -> None:
    """Every name starts with a date, so CON, NUL, COM1… are never a whole name."""
    assert NamePicker(tz=UTC).pick(titled("CON").conversation, ".md") == "2025-01-02 CON.md"


def test_names_are_unique_ignoring_case_and_normalisation() -> None:
    picker = NamePicker(["2025-01-02 cafe\u0301.md"], tz=UTC)
    names = [picker.pick(titled(t).conversation, ".md") for t in ("Café", "CAFÉ", "café")]
    assert names == ["2025-01-02 Café (2).md", "2025-01-02 CAFÉ (3).md", "2025-01-02 café (4).md"]


def test_long_titles_are_cut_at_a_character_boundary() -> None:
    name = NamePicker(tz=UTC).pick(titled("漢" * 200).conversation, ".md")
    assert len(name.removesuffix(".md").encode("utf-8")) <= MAX_NAME_BYTES
    name.encode("utf-8").decode("utf-8")


def test_folder_export_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "2025-01-02 A chat.md").write_text("mine", encoding="utf-8")
    written = write_folder([titled("A chat"), titled("A chat")], tmp_path, lambda r: "x",
                           tz=UTC)
    assert [p.name for p in written] == ["2025-01-02 A chat (2).md", "2025-01-02 A chat (3).md"]
    assert (tmp_path / "2025-01-02 A chat.md").read_text(encoding="utf-8") == "mine"


def test_failed_folder_export_removes_what_it_wrote(tmp_path: Path) -> None:
    calls = []

    def step() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_folder([titled(str(i)) for i in range(5)], tmp_path / "out", lambda r: "x",
                     step=step)
    assert list((tmp_path / "out").iterdir()) == []


def test_zip_export(tmp_path: Path) -> None:
    target = tmp_path / "all.zip"
    names = write_zip([titled("A"), titled("a")], target, lambda r: r.conversation.title, tz=UTC)
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == names == ["2025-01-02 A.md", "2025-01-02 a (2).md"]
        assert archive.read(names[1]).decode("utf-8") == "a"


def test_failed_zip_export_leaves_the_old_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "all.zip"
    target.write_bytes(b"old")

    def render(record: ConversationRecord) -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_zip([titled("A")], target, render)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.zip"]
