"""Conversations as trees through every format: JSON version 2, Markdown with folded
versions, merging by uuid, files of version 1, and folded blocks that model text
cannot break when rendered."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from grokdesk.export import ExportOptions, export_conversations, import_files, markdown
from grokdesk.export.errors import MalformedFileError
from grokdesk.export.jsonio import from_json, to_json
from grokdesk.export.markdown import from_markdown, to_markdown
from grokdesk.export.records import ConversationRecord
from grokdesk.export.store import import_batches
from grokdesk.storage.models import Conversation, Message
from grokdesk.storage.repository import History
from tests.export.conftest import MakeHistory, dump
from tests.export.strategies import HOSTILE_FRAGMENTS, tree_records
from tests.export.test_markdown import normalised

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("GROKDESK_REGEN_GOLDEN") == "1"
T0 = 1_735_812_000.0  # 2025-01-02 10:00 UTC
JSON = ExportOptions(format="json")
MARKDOWN = ExportOptions(format="md", include_reasoning=True, include_usage=True)
_counter = itertools.count()

Shape = dict[str, tuple[str | None, str, str]]
"""uuid -> (parent uuid, role, content): what a tree is, whatever the numbering."""


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markdown, "__version__", "9.9.9")


def shape(messages: tuple[Message, ...] | list[Message], *, text: bool = False) -> Shape:
    uuids = {m.id: m.uuid for m in messages}
    return {m.uuid: (uuids.get(m.parent_id) if m.parent_id is not None else None, m.role,
                     normalised(m.content) if text else m.content) for m in messages}


def leaf_uuid(record: ConversationRecord) -> str | None:
    return next((m.uuid for m in record.messages if m.id == record.current_leaf_id), None)


def history_shape(history: History) -> tuple[Shape, str | None]:
    [conversation] = history.list_conversations()
    tree = history.tree(conversation.id)
    leaf = next(m.uuid for m in tree.messages if m.id == tree.current_leaf_id)
    return shape(tree.messages), leaf


def _msg(n: int, role: str, content: str, parent: int | None, **fields: object) -> Message:
    return Message(id=n, uuid=f"00000000-0000-4000-8000-{n:012d}", conversation_id=0,
                   role=role, content=content, created_at=T0 + 60 * n,  # type: ignore[arg-type]
                   updated_at=T0 + 60 * n, parent_id=parent, **fields)  # type: ignore[arg-type]


BRANCHED = ConversationRecord(
    Conversation(id=0, uuid="c0000000-0000-4000-8000-000000000002", title="Versions",
                 created_at=T0, updated_at=T0 + 3600),
    (
        _msg(1, "user", "Name a prime.", None),
        _msg(2, "assistant", "7", 1, model="grok-3-mini", reasoning="Small ones first."),
        _msg(3, "assistant", "</details>\n```\nan open fence", 1, model="grok-3-mini",
             reasoning="<b>bold</b> </details>"),
        _msg(4, "user", "Another?", 3),
        _msg(5, "assistant", "11", 4, model="grok-3-mini"),
        _msg(6, "assistant", "13", 1, model="grok-3-mini"),
        _msg(7, "user", "Name a prime, please.", None),
        _msg(8, "user", "And an even one?", 6),
        _msg(9, "assistant", "2", 8, model="grok-3-mini"),
    ),
    current_leaf_id=9,
)
"""Three versions of the first answer (the second continued), two of the question."""


def test_branched_markdown_matches_golden_file() -> None:
    rendered = to_markdown(BRANCHED, include_reasoning=True, tz=UTC)
    path = GOLDEN / "branched.md"
    if REGENERATE:
        path.write_bytes(rendered.encode("utf-8"))
    assert rendered == path.read_bytes().decode("utf-8"), (
        "branched.md changed; if intended, rerun with GROKDESK_REGEN_GOLDEN=1 and review it")


def test_branched_golden_file_imports_back_as_the_same_tree() -> None:
    back = from_markdown((GOLDEN / "branched.md").read_bytes().decode("utf-8"))
    assert shape(back.messages) == shape(BRANCHED.messages)
    assert leaf_uuid(back) == leaf_uuid(BRANCHED)
    assert [m.content for m in back.path()] == ["Name a prime.", "13", "And an even one?", "2"]
    reasoning = {m.uuid: m.reasoning for m in back.messages}
    assert reasoning == {m.uuid: m.reasoning for m in BRANCHED.messages}


def test_markdown_writes_the_active_path_and_folds_the_other_versions() -> None:
    text = to_markdown(BRANCHED, tz=UTC)
    assert text.count("<details><summary>Other versions (2)</summary>") == 1  # "7", "</details>…"
    assert text.count("<details><summary>Other versions (1)</summary>") == 1  # the first question
    assert 'format_version: 2' in text
    assert "```text\n</details>\n```\nan open fence\n````" in text
    outside = text.split("<details><summary>Other versions")[0]
    assert "Name a prime." in outside
    assert "Name a prime, please." not in outside and "Small ones first" not in outside


def test_a_list_is_still_written_as_version_1() -> None:
    record = ConversationRecord(BRANCHED.conversation, tuple(
        replace(m, id=0, parent_id=None) for m in BRANCHED.messages[:2]))
    assert "format_version: 1\n" in to_markdown(record)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_records())
def test_random_trees_round_trip_through_json(record: ConversationRecord) -> None:
    [back] = from_json(to_json([record]))
    assert back.conversation == record.conversation
    assert shape(back.messages) == shape(record.messages)
    assert leaf_uuid(back) == leaf_uuid(record)
    by_uuid = {m.uuid: replace(m, id=0, parent_id=None) for m in record.messages}
    assert all(replace(m, id=0, parent_id=None) == by_uuid[m.uuid] for m in back.messages)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_records(), st.booleans())
def test_random_trees_round_trip_through_markdown(record: ConversationRecord,
                                                  reasoning: bool) -> None:
    back = from_markdown(to_markdown(record, include_reasoning=reasoning,
                                     include_usage=True, tz=UTC))
    assert shape(back.messages) == shape(record.messages, text=True)
    assert leaf_uuid(back) == leaf_uuid(record)
    want = {m.uuid: m for m in record.messages}
    for got in back.messages:
        assert (got.model, got.status, got.error, got.total_tokens) == (
            want[got.uuid].model, want[got.uuid].status, want[got.uuid].error,
            want[got.uuid].total_tokens)
        assert got.reasoning == (normalised(want[got.uuid].reasoning) if reasoning else "")


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tree_records(max_messages=6), st.sampled_from(["json", "md"]))
def test_random_trees_survive_real_histories(make_history: MakeHistory, tmp_path: Path,
                                             record: ConversationRecord, kind: str) -> None:
    name = f"t{next(_counter)}"
    source, target = make_history(name + "a"), make_history(name + "b")
    import_batches(source, [[record]])
    assert history_shape(source) == (shape(record.messages), leaf_uuid(record))
    path = tmp_path / f"{name}.{kind}"
    export_conversations(source, None, path, JSON if kind == "json" else MARKDOWN)
    report = import_files(target, [path])
    assert report.ok and report.totals.messages_added == len(record.messages)
    got, leaf = history_shape(target)
    assert leaf == leaf_uuid(record)
    assert got == shape(record.messages, text=kind == "md")


def test_a_later_backup_adds_new_versions_under_their_parents(
        make_history: MakeHistory, tmp_path: Path) -> None:
    source, target = make_history("source"), make_history("target")
    conversation = source.create_conversation("Chat")
    question = source.add_message(conversation.id, "user", "q")
    source.add_message(conversation.id, "assistant", "a")
    export_conversations(source, None, tmp_path / "old.json", JSON)
    assert import_files(target, [tmp_path / "old.json"]).ok
    again = source.add_message(conversation.id, "assistant", "a again", parent_id=question.id)
    source.add_message(conversation.id, "user", "more", parent_id=again.id)
    source.add_message(conversation.id, "user", "q edited", parent_id=None)
    source.select_branch(again.id)
    for kind, options in (("json", JSON), ("md", MARKDOWN)):
        export_conversations(source, None, tmp_path / f"new.{kind}", options)
    report = import_files(target, [tmp_path / "new.json"])
    assert (report.totals.merged, report.totals.messages_added,
            report.totals.messages_skipped) == (1, 3, 2)
    assert history_shape(target) == history_shape(source)
    before = dump(target)
    twice = import_files(target, [tmp_path / "new.json", tmp_path / "new.md"])
    assert twice.totals.duplicates == 2 and twice.totals.messages_added == 0
    assert dump(target) == before


def test_a_new_version_from_markdown_merges_under_its_parent(make_history: MakeHistory,
                                                             tmp_path: Path) -> None:
    source, target = make_history("source"), make_history("target")
    conversation = source.create_conversation("Chat")
    question = source.add_message(conversation.id, "user", "q")
    source.add_message(conversation.id, "assistant", "a")
    export_conversations(source, None, tmp_path / "old.md", MARKDOWN)
    import_files(target, [tmp_path / "old.md"])
    source.add_message(conversation.id, "assistant", "a again", parent_id=question.id)
    export_conversations(source, None, tmp_path / "new.md", MARKDOWN)
    assert import_files(target, [tmp_path / "new.md"]).totals.messages_added == 1
    got, leaf = history_shape(target)
    assert got == history_shape(source)[0]
    assert leaf == history_shape(source)[1]


VERSION_1 = {"format": "grokdesk-export", "version": 1, "conversations": [{
    "uuid": "c-1", "title": "Old", "created_at": 1_700_000_000, "messages": [
        {"uuid": f"m-{i}", "role": "user" if i % 2 == 0 else "assistant",
         "content": f"text {i}", "created_at": 1_700_000_000 + i} for i in range(3)]}]}


def test_a_version_1_file_still_imports_as_a_chain(history: History, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(VERSION_1), encoding="utf-8")
    report = import_files(history, [path])
    assert report.ok and report.totals.messages_added == 3
    got, leaf = history_shape(history)
    assert got == {"m-0": (None, "user", "text 0"), "m-1": ("m-0", "assistant", "text 1"),
                   "m-2": ("m-1", "user", "text 2")}
    assert leaf == "m-2"


def _document(**changes: object) -> dict[str, object]:
    document = json.loads(to_json([BRANCHED]))
    document["conversations"][0].update(changes)
    return document  # type: ignore[no-any-return]


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["conversations"][0]["messages"][1].update(parent_uuid="nowhere"),
     r"messages\[1\]\.parent_uuid nowhere is not a message of this conversation"),
    (lambda d: d["conversations"][0]["messages"][0].update(
        parent_uuid=d["conversations"][0]["messages"][1]["uuid"]), "loop"),
    (lambda d: d["conversations"][0].update(current_leaf_uuid="gone"), "current_leaf_uuid"),
])
def test_broken_trees_in_json_are_refused(change, words) -> None:  # type: ignore[no-untyped-def]
    document = _document()
    change(document)
    with pytest.raises(MalformedFileError, match=words):
        from_json(json.dumps(document), source="backup.json")


def test_children_listed_before_their_parents_are_read() -> None:
    document = _document()
    document["conversations"][0]["messages"].reverse()  # type: ignore[index]
    [back] = from_json(json.dumps(document))
    assert shape(back.messages) == shape(BRANCHED.messages)
    seen: set[int] = set()
    for message in back.messages:
        assert message.parent_id is None or message.parent_id in seen
        seen.add(message.id)


def test_a_folded_version_naming_an_unknown_parent_is_refused() -> None:
    text = to_markdown(BRANCHED, tz=UTC)
    damaged = text.replace('parent="00000000-0000-4000-8000-000000000003"',
                           'parent="00000000-0000-4000-8000-000000000099"')
    with pytest.raises(MalformedFileError, match=r"line \d+: the parent"):
        from_markdown(damaged)


def _html_depths(text: str) -> list[tuple[int, str]]:
    """Each top-level HTML block a renderer sees, with how many ``<details>`` are open
    around it once it is read."""
    body = text.split("\n---\n", 1)[1]
    depth, found = 0, []
    for token in MarkdownIt("commonmark", {"html": True}).parse(body):
        if token.type != "html_block" or token.level:
            continue
        depth += token.content.count("<details>") - token.content.count("</details>")
        found.append((depth, token.content))
    return found


fragments = st.lists(st.sampled_from(HOSTILE_FRAGMENTS), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(fragments, fragments), min_size=1, max_size=4))
def test_model_text_cannot_break_the_folded_versions(texts: list[tuple[str, str]]) -> None:
    question = _msg(1, "user", "q", None)
    versions = [_msg(i + 2, "assistant", content, 1, reasoning=reasoning)
                for i, (content, reasoning) in enumerate(texts)]
    current = _msg(len(texts) + 2, "assistant", "the current answer", 1)
    record = ConversationRecord(BRANCHED.conversation, (question, *versions, current),
                                current.id)
    blocks = _html_depths(to_markdown(record, include_reasoning=True))
    assert all(depth >= 0 for depth, _ in blocks)
    markers = [(depth, content) for depth, content in blocks
               if content.startswith("<!-- grokdesk:message")]
    assert [depth for depth, _ in markers] == [0, 0] + [1] * len(versions), markers
    assert blocks[-1][0] == 0, "the folded versions are never closed"
