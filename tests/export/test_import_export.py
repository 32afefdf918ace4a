"""Export from and import into real histories: exact round trips, merging, refusals."""

from __future__ import annotations

import itertools
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from grokdesk.export import (
    ExportCancelled,
    ExportOptions,
    export_conversations,
    import_files,
    import_parsed,
    read_import_files,
    render_conversation,
)
from grokdesk.export.errors import MalformedFileError, NewerFormatError, UnknownFormatError
from grokdesk.export.importers import conversation_uuid
from grokdesk.export.records import ConversationRecord
from grokdesk.export.store import UnknownConversationError, import_batches
from grokdesk.storage.repository import History
from tests.export.conftest import MakeHistory, dump
from tests.export.helpers import contents, fill
from tests.export.strategies import records, simple_record
from tests.export.test_chatgpt import sample_export
from tests.export.test_markdown import normalised

JSON = ExportOptions(format="json")
MARKDOWN = ExportOptions(format="md", include_reasoning=True, include_usage=True)


def test_json_export_import_keeps_every_field(make_history: MakeHistory, tmp_path: Path
                                              ) -> None:
    source, target = make_history("source"), make_history("target")
    fill(source, 5)
    source.set_pinned(source.list_conversations()[0].id, True)
    result = export_conversations(source, None, tmp_path / "backup.json", JSON)
    assert (result.conversations, result.messages) == (5, 20)
    report = import_files(target, [tmp_path / "backup.json"])
    assert report.ok and report.totals.added == 5 and report.totals.messages_added == 20
    assert contents(target) == contents(source)


def test_importing_twice_duplicates_nothing(make_history: MakeHistory, tmp_path: Path) -> None:
    source, target = make_history("source"), make_history("target")
    fill(source, 3)
    export_conversations(source, None, tmp_path / "backup.json", JSON)
    import_files(target, [tmp_path / "backup.json"])
    before = dump(target)
    report = import_files(target, [tmp_path / "backup.json"])
    assert report.totals.duplicates == 3 and report.totals.added == 0
    assert report.totals.messages_skipped == 12
    assert dump(target) == before
    assert "skipped 3 duplicates" in report.summary()


def test_a_later_backup_adds_only_the_new_messages(make_history: MakeHistory, tmp_path: Path
                                                   ) -> None:
    source, target = make_history("source"), make_history("target")
    fill(source, 2)
    export_conversations(source, None, tmp_path / "old.json", JSON)
    import_files(target, [tmp_path / "old.json"])
    chat = source.list_conversations()[0]
    source.add_message(chat.id, "user", "one more", created_at=1_800_000_000.0)
    export_conversations(source, None, tmp_path / "new.json", JSON)
    report = import_files(target, [tmp_path / "new.json"])
    assert (report.totals.added, report.totals.merged, report.totals.duplicates) == (0, 1, 1)
    assert report.totals.messages_added == 1
    assert contents(target) == contents(source)


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(records(max_messages=5))
def test_hostile_conversations_survive_json_through_real_histories(
        make_history: MakeHistory, tmp_path: Path, record: ConversationRecord) -> None:
    name = f"h{next(_counter)}"
    source, target = make_history(name + "a"), make_history(name + "b")
    record = replace(record, messages=tuple(
        replace(m, status="complete" if m.status == "streaming" else m.status)
        for m in record.messages))
    import_batches(source, [[record]])
    path = tmp_path / f"{name}.json"
    export_conversations(source, None, path, JSON)
    import_files(target, [path])
    assert contents(target) == contents(source)
    [(conversation, messages)] = contents(target)
    assert conversation == replace(record.conversation, message_count=len(record.messages))
    assert tuple(replace(m, parent_id=None) for m in messages) == tuple(
        replace(m, id=0, parent_id=None) for m in record.messages)
    assert [m.parent_id for m in messages] == [None, *range(len(messages) - 1)][:len(messages)]


_counter = itertools.count()


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(records(max_messages=5))
def test_hostile_conversations_survive_markdown_through_real_histories(
        make_history: MakeHistory, tmp_path: Path, record: ConversationRecord) -> None:
    name = f"m{next(_counter)}"
    source, target = make_history(name + "a"), make_history(name + "b")
    import_batches(source, [[record]])
    [conversation_id] = [c.id for c in source.list_conversations()]
    path = tmp_path / f"{name}.md"
    export_conversations(source, [conversation_id], path, MARKDOWN)
    assert import_files(target, [path]).ok
    [(got, messages)] = contents(target)
    assert got.title == record.conversation.title
    assert [(m.role, m.content, m.reasoning) for m in messages] == [
        (m.role, normalised(m.content), normalised(m.reasoning)) for m in record.messages]


BAD_FILES: dict[str, Callable[[str], str]] = {
    "truncated.json": lambda good: good[: len(good) // 2],
    "newer.json": lambda good: good.replace('"version": 2', '"version": 99', 1),
    "other.json": lambda good: json.dumps({"format": "someone-else", "items": []}),
    "list.json": lambda good: "[1, 2, 3]",
    "bad-message.json": lambda good: good.replace('"role": "assistant"', '"role": "robot"', 1),
    "notes.md": lambda good: "# My notes\n\n## User\n\nhello\n",
    "empty.md": lambda good: "",
    "binary.json": lambda good: "\udcff",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_and_change_nothing(make_history: MakeHistory, tmp_path: Path,
                                                  name: str) -> None:
    source, target = make_history("source"), make_history("target")
    fill(source, 3)
    fill(target, 2)
    export_conversations(source, None, tmp_path / "good.json", JSON)
    good = (tmp_path / "good.json").read_text(encoding="utf-8")
    bad = tmp_path / name
    bad.write_bytes(BAD_FILES[name](good).encode("utf-8", "surrogateescape"))
    before = dump(target)
    report = import_files(target, [bad])
    assert not report.ok
    [outcome] = report.refused
    assert outcome.error is not None
    assert name in outcome.describe() and "nothing was imported" in outcome.describe()
    assert dump(target) == before


def test_refusal_kinds(tmp_path: Path, history: History) -> None:
    cases = {"newer.json": ('{"format": "grokdesk-export", "version": 3}', NewerFormatError),
             "cut.json": ('{"format": "grokdesk-export", "vers', MalformedFileError),
             "x.txt": ("hello", UnknownFormatError)}
    for name, (text, _kind) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = import_files(history, [tmp_path / n for n in cases])
    assert [type(f.error) for f in report.files] == [kind for _, kind in cases.values()]


def test_good_files_are_imported_next_to_refused_ones(make_history: MakeHistory,
                                                      tmp_path: Path) -> None:
    source, target = make_history("source"), make_history("target")
    fill(source, 2)
    export_conversations(source, None, tmp_path / "good.json", JSON)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    report = import_files(target, [tmp_path / "good.json", tmp_path / "bad.json",
                                   tmp_path / "missing.json"])
    assert [f.error is None for f in report.files] == [True, False, False]
    assert report.totals.added == 2
    assert "refused 2 files" in report.summary()
    assert "cannot be read" in report.files[2].describe()


def test_cancelling_an_import_rolls_everything_back(make_history: MakeHistory,
                                                    tmp_path: Path) -> None:
    source, target = make_history("source"), make_history("target")
    fill(source, 10)
    export_conversations(source, None, tmp_path / "backup.json", JSON)
    before = dump(target)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 6

    with pytest.raises(ExportCancelled):
        import_files(target, [tmp_path / "backup.json"], progress=progress)
    assert dump(target) == before
    assert seen[0] == (0, 10) and seen[-1] == (6, 10)


def test_chatgpt_export_imports_once_with_every_branch(history: History, tmp_path: Path
                                                       ) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(sample_export()), encoding="utf-8")
    first = import_files(history, [path])
    second = import_files(history, [path])
    assert first.files[0].kind == "ChatGPT export"
    assert (first.totals.added, first.totals.messages_added) == (1, 4)
    assert (second.totals.added, second.totals.duplicates) == (0, 1)
    imported = history.conversation_by_uuid(conversation_uuid("abc-123"))
    assert imported is not None and imported.title == "Edited chat"
    tree = history.tree(imported.id)
    named = {m.id: m.content for m in tree.messages}
    assert sorted((m.content, named.get(m.parent_id)) for m in tree.messages) == [  # type: ignore[arg-type]
        ("edited question", None), ("first try", None), ("new answer", "edited question"),
        ("old answer", "first try")]
    assert [m.content for m in history.messages(imported.id)] == [
        "edited question", "new answer"]


def test_markdown_folder_and_zip_exports_import_back(make_history: MakeHistory,
                                                     tmp_path: Path) -> None:
    source = make_history("source")
    fill(source, 4)
    folder = export_conversations(source, None, tmp_path / "chats", MARKDOWN)
    archive = export_conversations(source, None, tmp_path / "chats.zip", MARKDOWN)
    assert len(folder.files) == len(archive.files) == 4
    with zipfile.ZipFile(tmp_path / "chats.zip") as opened:
        assert sorted(opened.namelist()) == sorted(archive.files)
    for name, path in (("from-folder", tmp_path / "chats"), ("from-zip", tmp_path / "chats.zip")):
        target = make_history(name)
        report = import_files(target, [path])
        assert report.ok and report.totals.added == 4 and report.totals.messages_added == 16
        assert sorted((c.title, c.message_count) for c in target.list_conversations()) == sorted(
            (c.title, c.message_count) for c in source.list_conversations())


def test_single_conversation_exports(history: History, tmp_path: Path) -> None:
    fill(history, 2)
    chat = history.list_conversations()[0]
    text = render_conversation(history, chat.id, ExportOptions())
    assert text.startswith("---\ntitle: ")
    assert "thinking" not in text and "*Tokens" not in text  # opt-in only
    result = export_conversations(history, [chat.id], tmp_path / "one.md",
                                  ExportOptions())
    assert (tmp_path / "one.md").read_text(encoding="utf-8") == text
    assert result.files == ("one.md",)
    with pytest.raises(UnknownConversationError, match="there is no conversation 999"):
        export_conversations(history, [999], tmp_path / "x.md", ExportOptions())


def test_export_never_contains_secrets(history: History, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", "xai-SECRETSECRETSECRET")
    fill(history, 1)
    export_conversations(history, None, tmp_path / "b.json", JSON)
    text = (tmp_path / "b.json").read_text(encoding="utf-8")
    assert "SECRET" not in text and "Authorization" not in text and "api_key" not in text


def test_thousand_conversations_survive_export_and_import_into_an_empty_history(
        make_history: MakeHistory, tmp_path: Path) -> None:
    source = make_history("source")
    started = time.perf_counter()
    import_batches(source, [[simple_record(f"chat {n}", 5, start=1_700_000_000.0 + n)
                             for n in range(1000)]])
    json_result = export_conversations(source, None, tmp_path / "all.json", JSON)
    zip_result = export_conversations(source, None, tmp_path / "all.zip", MARKDOWN)
    assert json_result.conversations == zip_result.conversations == 1000
    from_json, from_zip = make_history("from-json"), make_history("from-zip")
    assert import_files(from_json, [tmp_path / "all.json"]).totals.messages_added == 5000
    assert import_files(from_zip, [tmp_path / "all.zip"]).totals.messages_added == 5000
    assert contents(from_json) == contents(source)
    assert {(c.uuid, c.title, c.message_count) for c in from_zip.list_conversations()} == {
        (c.uuid, c.title, c.message_count) for c in source.list_conversations()}
    assert time.perf_counter() - started < 30


def test_a_message_exported_mid_stream_is_imported_as_interrupted(history: History) -> None:
    record = simple_record()
    streaming = replace(record.messages[1], status="streaming")
    import_batches(history, [[replace(record, messages=(record.messages[0], streaming))]])
    [(_, messages)] = contents(history)
    assert [m.status for m in messages] == ["complete", "interrupted"]


def test_window_flow_preview_then_import_with_progress(make_history: MakeHistory,
                                                        tmp_path: Path) -> None:
    source, target = make_history("source"), make_history("target")
    fill(source, 3)
    calls: list[tuple[int, int]] = []
    export_conversations(source, None, tmp_path / "all.json", JSON,
                         progress=lambda done, total: calls.append((done, total)) or None)
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    parsed = read_import_files([tmp_path / "all.json"])
    assert [(p.kind, len(p.records), p.error) for p in parsed] == [("grokdesk JSON", 3, None)]
    assert dump(target) == dump(make_history("empty"))  # reading alone writes nothing
    calls.clear()
    report = import_parsed(target, parsed,
                           progress=lambda done, total: calls.append((done, total)) or None)
    assert report.totals.added == 3 and calls[-1] == (3, 3)


@pytest.mark.parametrize("target", ["chats.zip", "chats"])
def test_cancelled_markdown_export_leaves_nothing_behind(history: History, tmp_path: Path,
                                                         target: str) -> None:
    fill(history, 4)
    with pytest.raises(ExportCancelled):
        export_conversations(history, None, tmp_path / "out" / target, MARKDOWN,
                             progress=lambda done, total: done < 2)
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []
