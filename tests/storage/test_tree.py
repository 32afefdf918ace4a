"""Conversations as trees on real files: the migration of a released file, the active
path and its versions, branch selection, subtree delete and restore, inserting a tree."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grokdesk.storage.db import MIGRATIONS, open_database
from grokdesk.storage.models import Message
from grokdesk.storage.repository import History, RecordGoneError

RELEASED = Path(__file__).parent / "fixtures" / "history-v4.sqlite3"
"""Written by the release before trees (tests/storage/fixtures/make_history_v4.py)."""


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with open_database(tmp_path / "history.sqlite3") as db:
        yield History(db, clock=Clock())


def chain(history: History, conversation_id: int, *texts: str) -> list[Message]:
    return [history.add_message(conversation_id, "user" if i % 2 == 0 else "assistant", text)
            for i, text in enumerate(texts)]


def contents(messages: object) -> list[str]:
    return [m.content for m in messages]  # type: ignore[attr-defined]


# ------------------------------------------------------------------------- migration


def _released_rows(path: Path) -> tuple[list[tuple[object, ...]], dict[int, int]]:
    """Every message row of the released file, and each conversation's last message."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT * FROM messages ORDER BY conversation_id, position").fetchall()
        last = dict(conn.execute("SELECT conversation_id, id FROM messages AS m WHERE position ="
                                 " (SELECT MAX(position) FROM messages AS x"
                                 " WHERE x.conversation_id = m.conversation_id)").fetchall())
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    finally:
        conn.close()
    return rows, last


def test_a_released_history_migrates_to_chains_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    shutil.copyfile(RELEASED, path)
    rows, last = _released_rows(path)
    with open_database(path) as db:
        assert db.user_version == len(MIGRATIONS)
        assert db.backup_path is not None and _released_rows(db.backup_path)[0] == rows
        history = History(db)
        kept = [tuple(r)[:len(rows[0])] for r in db.fetchall(
            "SELECT * FROM messages ORDER BY conversation_id, position")]
        assert kept == rows  # every column of every message, unchanged
        conversations = {c.id for c in history.list_conversations()}
        assert len(conversations) == 5
        for conversation_id in conversations:
            ids = [r[0] for r in rows if r[2] == conversation_id]
            tree = history.tree(conversation_id)
            path_ids = [m.id for m in history.messages(conversation_id)]
            assert path_ids == ids  # the whole list, in order, is the active path
            assert [m.parent_id for m in tree.messages] == [None, *ids[:-1]][:len(ids)]
            assert tree.current_leaf_id == last.get(conversation_id)
            assert all(s == (m,) for m, s in zip(
                path_ids, history.active_path(conversation_id).sibling_ids, strict=True))
            listed = history.get_conversation(conversation_id)
            assert listed is not None and listed.message_count == len(ids)
        streaming = history.messages(3)[-1]
        assert streaming.status == "interrupted" and streaming.content == "Half an ans"
        failed = history.messages(2)[-1]
        assert failed.status == "error" and failed.error
        answer = history.messages(1)[1]
        assert (answer.reasoning, answer.total_tokens, answer.reasoning_effort) == (
            "Adding two and two.", 15, "high")
        assert [h.message_id for h in history.search("joke")] == [5]
        # The migrated file takes new messages after its leaf.
        added = history.add_message(1, "user", "And 4+4?")
        assert added.parent_id == last[1] and history.tree(1).current_leaf_id == added.id


# ----------------------------------------------------------------------- paths and versions


def test_versions_share_a_parent_and_the_newest_becomes_the_path(history: History) -> None:
    c = history.create_conversation()
    question, first = chain(history, c.id, "q", "a1")
    second = history.add_message(c.id, "assistant", "a2", parent_id=question.id)
    assert contents(history.messages(c.id)) == ["q", "a2"]
    path = history.active_path(c.id)
    assert path.sibling_ids == ((question.id,), (first.id, second.id))
    assert path.index_of(second.id) == 1 and path.siblings_of(first.id) == ()
    assert history.sibling_ids(first.id) == (first.id, second.id)
    assert len(history.tree(c.id).messages) == 3


def test_selecting_a_branch_follows_its_newest_leaf(history: History) -> None:
    c = history.create_conversation()
    q1, a1, q2, a2 = chain(history, c.id, "q1", "a1", "q2", "a2")
    q1b = history.add_message(c.id, "user", "q1b", parent_id=None)
    history.add_message(c.id, "assistant", "a1b")
    assert contents(history.messages(c.id)) == ["q1b", "a1b"]
    assert history.select_branch(q1.id) == c.id
    assert [m.id for m in history.messages(c.id)] == [q1.id, a1.id, q2.id, a2.id]
    history.add_message(c.id, "assistant", "a2 again", parent_id=q2.id)
    history.select_branch(a2.id)
    assert contents(history.messages(c.id))[-1] == "a2"
    history.select_branch(q1b.id)
    assert contents(history.messages(c.id)) == ["q1b", "a1b"]
    with pytest.raises(RecordGoneError):
        history.select_branch(9999)


def test_the_end_of_the_path_is_its_last_messages_on_the_current_branch(
        history: History) -> None:
    c = history.create_conversation()
    assert history.path_end(c.id, 2) == []
    _q1, _a1, q2, a2 = chain(history, c.id, "q1", "a1", "q2", "a2")
    history.add_message(c.id, "assistant", "a2b", parent_id=q2.id)
    assert contents(history.path_end(c.id, 2)) == ["q2", "a2b"]
    history.select_branch(a2.id)
    assert history.path_end(c.id, 3) == history.messages(c.id)[-3:]
    assert history.path_end(c.id, 10) == history.messages(c.id)
    assert history.path_end(c.id, 0) == []


def test_the_end_of_the_active_path_carries_the_same_versions_as_the_whole(
        history: History) -> None:
    c = history.create_conversation()
    q1, _a1, q2, a2 = chain(history, c.id, "q1", "a1", "q2", "a2")
    history.add_message(c.id, "user", "q1b", parent_id=None)
    history.add_message(c.id, "assistant", "a2b", parent_id=q2.id)
    history.select_branch(a2.id)
    whole = history.active_path(c.id)
    assert whole.complete and whole.messages[0].id == q1.id
    for last in (1, 2, 3):
        end = history.active_path(c.id, last)
        assert not end.complete
        assert end.messages == whole.messages[-last:]
        assert end.sibling_ids == whole.sibling_ids[-last:]
    assert history.active_path(c.id, 4) == whole
    assert history.active_path(c.id, 40) == whole
    empty = history.create_conversation()
    assert history.active_path(empty.id, 3).complete


def test_a_conversation_counts_the_messages_of_its_active_path(history: History) -> None:
    c = history.create_conversation()
    assert history.get_conversation(c.id).message_count == 0  # type: ignore[union-attr]
    q1, a1 = chain(history, c.id, "q1", "a1")
    history.add_message(c.id, "assistant", "a1b", parent_id=q1.id)
    history.add_message(c.id, "user", "q2")
    counts = {x.id: x.message_count for x in history.list_conversations()}
    assert counts[c.id] == 3, "the other version of the answer is not shown, not counted"
    history.select_branch(a1.id)
    assert history.conversations_by_id([c.id])[c.id].message_count == 2
    deleted = history.delete_message(q1.id)
    assert history.get_conversation(c.id).message_count == 0  # type: ignore[union-attr]
    assert deleted is not None
    history.restore(deleted)
    assert history.get_conversation(c.id).message_count == len(history.messages(c.id))


def test_search_finds_messages_on_every_branch(history: History) -> None:
    c = history.create_conversation()
    question, = chain(history, c.id, "what about otters")
    hidden = history.add_message(c.id, "assistant", "otters hold hands")
    history.add_message(c.id, "assistant", "beavers build dams", parent_id=question.id)
    [hit] = history.search("hold hands")
    assert hit.message_id == hidden.id
    history.select_branch(hit.message_id)
    assert history.messages(c.id)[-1].id == hidden.id


def test_deleting_a_subtree_and_restoring_it(history: History) -> None:
    c = history.create_conversation()
    q1, a1, q2, a2 = chain(history, c.id, "q1", "a1", "q2", "a2")
    a1b = history.add_message(c.id, "assistant", "a1b", parent_id=q1.id)
    history.select_branch(a1.id)
    deleted = history.delete_message(a1.id)
    assert deleted is not None and set(deleted.ids) == {a1.id, q2.id, a2.id}
    assert deleted.messages[0].id == a1.id and deleted.previous_leaf_id == a2.id
    assert [m.id for m in history.messages(c.id)] == [q1.id, a1b.id]  # the sibling's branch
    assert history.search("q2") == []
    ids = history.restore(deleted)
    assert ids == {a1.id: a1.id, q2.id: q2.id, a2.id: a2.id}
    assert [m.id for m in history.messages(c.id)] == [q1.id, a1.id, q2.id, a2.id]
    assert [h.message_id for h in history.search("q2")] == [q2.id]
    restored = history.get_message(a2.id)
    assert restored == a2


def test_restoring_after_the_ids_were_reused_gives_new_ids(history: History) -> None:
    c = history.create_conversation()
    _, a = chain(history, c.id, "q", "a")
    deleted = history.delete_message(a.id)
    assert deleted is not None
    reused = history.add_message(c.id, "assistant", "b")
    assert reused.id == a.id  # SQLite hands out the freed id again
    ids = history.restore(deleted)
    assert ids[a.id] != a.id
    assert sorted(contents(history.tree(c.id).messages)) == ["a", "b", "q"]
    assert history.messages(c.id)[-1].content == "a"


def test_restoring_under_a_parent_that_went_refuses(history: History) -> None:
    c = history.create_conversation()
    q, a = chain(history, c.id, "q", "a")
    deleted = history.delete_message(a.id)
    history.delete_message(q.id)
    assert deleted is not None
    with pytest.raises(RecordGoneError):
        history.restore(deleted)
    assert history.tree(c.id).messages == ()


def test_deleting_the_only_root_empties_the_conversation(history: History) -> None:
    c = history.create_conversation()
    q, _ = chain(history, c.id, "q", "a")
    history.delete_message(q.id)
    assert history.messages(c.id) == [] and history.tree(c.id).current_leaf_id is None
    assert history.add_message(c.id, "user", "fresh").parent_id is None


def test_path_to_reads_any_branch(history: History) -> None:
    c = history.create_conversation()
    q, a = chain(history, c.id, "q", "a")
    other = history.add_message(c.id, "assistant", "b", parent_id=q.id)
    assert [m.id for m in history.path_to(a.id)] == [q.id, a.id]
    assert history.messages(c.id)[-1].id == other.id
    assert history.subtree_ids(q.id) == {q.id, a.id, other.id}


# ----------------------------------------------------------------------------- insert


@st.composite
def trees(draw: st.DrawFn) -> list[int | None]:
    """Parents of a random tree: message i's parent is an earlier index or None."""
    size = draw(st.integers(1, 25))
    return [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1)))
            for i in range(size)]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parents=trees(), leaf_pick=st.integers(0, 10**6))
def test_a_tree_inserted_reads_back_whole(tmp_path: Path, parents: list[int | None],
                                          leaf_pick: int) -> None:
    with open_database(tmp_path / f"t{abs(hash(tuple(parents)))}-{leaf_pick}.sqlite3") as db:
        history = History(db, clock=Clock())
        c = history.create_conversation()
        given_ids = [1000 + i for i in range(len(parents))]
        messages = [Message(id=given_ids[i], uuid=f"u{i}-{leaf_pick}", conversation_id=0,
                            role="user", content=f"m{i}", created_at=float(i),
                            parent_id=None if p is None else given_ids[p])
                    for i, p in enumerate(parents)]
        leaf = given_ids[leaf_pick % len(given_ids)]
        ids = history.insert_tree(c.id, messages, current_leaf_id=leaf)
        tree = history.tree(c.id)
        assert len(tree.messages) == len(parents) and tree.current_leaf_id == ids[leaf]
        back = {ids[g]: i for i, g in enumerate(given_ids)}
        assert [None if m.parent_id is None else back[m.parent_id] for m in tree.messages] \
            == parents
        path = history.active_path(c.id)
        assert path.messages[-1].id == ids[leaf] and path.messages[0].parent_id is None
        for message, siblings in zip(path.messages, path.sibling_ids, strict=True):
            assert siblings == tuple(m.id for m in tree.messages
                                     if m.parent_id == message.parent_id)


# ---------------------------------------------------------------------------- salvage


def test_salvaging_a_released_history_chains_its_lists(tmp_path: Path) -> None:
    from grokdesk.storage.recovery import recover

    path = tmp_path / "history.sqlite3"
    shutil.copyfile(RELEASED, path)
    rows, last = _released_rows(path)
    db, report = recover(path, "a test")
    with db:
        history = History(db)
        assert report.messages == len(rows)
        for conversation_id, leaf in last.items():
            ids = [r[0] for r in rows if r[2] == conversation_id]
            assert [m.id for m in history.messages(conversation_id)] == ids
            assert history.tree(conversation_id).current_leaf_id == leaf


def test_salvage_keeps_parents_and_chains_a_message_whose_parent_was_lost(
        tmp_path: Path) -> None:
    from grokdesk.storage.recovery import recover

    path = tmp_path / "history.sqlite3"
    with open_database(path) as db:
        history = History(db, clock=Clock())
        c = history.create_conversation()
        q, a, q2, a2 = chain(history, c.id, "q", "a", "q2", "a2")
        version = history.add_message(c.id, "assistant", "a, again", parent_id=q.id)
        db.connection.execute("PRAGMA foreign_keys = OFF")
        db.connection.execute("DELETE FROM messages WHERE id = ?", (q2.id,))  # lost
    db, _ = recover(path, "a test")
    with db:
        history = History(db)
        assert history.sibling_ids(a.id) == (a.id, version.id)
        assert history.tree(c.id).current_leaf_id == version.id
        orphan = history.get_message(a2.id)
        assert orphan is not None and orphan.parent_id == a.id  # follows the one before
        assert [m.id for m in history.path_to(a2.id)] == [q.id, a.id, a2.id]


def test_the_path_read_in_pieces_is_the_path(history: History) -> None:
    c = history.create_conversation()
    messages = chain(history, c.id, *(f"m{i}" for i in range(11)))
    history.add_message(c.id, "assistant", "other", parent_id=messages[4].id)
    history.select_branch(messages[-1].id)
    for size in (1, 3, 11, 50):
        pieces = list(history.path_pieces(c.id, size))
        assert all(len(piece) <= size for piece in pieces)
        assert [m for piece in reversed(pieces) for m in piece] == history.messages(c.id)
    assert list(history.path_pieces(history.create_conversation().id, 3)) == []


def test_the_path_above_a_message_read_in_pieces_carries_the_versions_of_the_whole(
        history: History) -> None:
    c = history.create_conversation()
    messages = chain(history, c.id, *(f"m{i}" for i in range(9)))
    history.add_message(c.id, "user", "another first question", parent_id=None)
    history.add_message(c.id, "assistant", "another answer", parent_id=messages[4].id)
    history.select_branch(messages[-1].id)
    whole = history.active_path(c.id)
    for size in (1, 2, 4, 20):
        pieces = list(history.path_above(c.id, messages[6].id, size))
        assert all(len(piece.messages) <= size for piece in pieces)
        above = [p for piece in reversed(pieces)
                 for p in zip(piece.messages, piece.sibling_ids, strict=True)]
        assert above == list(zip(whole.messages, whole.sibling_ids, strict=True))[:6]
        assert pieces[-1].complete and not any(piece.complete for piece in pieces[:-1])
    assert list(history.path_above(c.id, messages[0].id, 3)) == []
