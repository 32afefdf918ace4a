"""The search index follows answers once they stop streaming, never each partial save.

A partial save rewrites the whole answer so far; indexing it each time made a 1 MB
answer cost the GUI thread 0.7 s per save. The index is exact at every step: a message
is indexed, with its current text, exactly when it is not streaming.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from grokdesk.storage.db import MIGRATIONS, open_database
from grokdesk.storage.repository import History

WORDS = ["otter", "beaver", "heron", "salmon"]


def _indexed(history: History) -> set[int]:
    """The message ids the full-text index holds (its per-document size rows)."""
    rows = history.db.fetchall("SELECT id FROM messages_fts_docsize")
    return {int(row[0]) for row in rows}


def _not_streaming(history: History) -> set[int]:
    rows = history.db.fetchall("SELECT id FROM messages WHERE status != 'streaming'")
    return {int(row[0]) for row in rows}


def _check(history: History) -> None:
    """Indexed exactly when not streaming, internally sound, and every word is found in
    the newest finished message holding it (search gives one hit per conversation)."""
    assert _indexed(history) == _not_streaming(history)
    history.db.connection.execute(
        "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    finished = history.db.fetchall(
        "SELECT id, content FROM messages WHERE status != 'streaming' ORDER BY id")
    for word in WORDS:
        holding = [int(row[0]) for row in finished if word in row[1]]
        found = [hit.message_id for hit in history.search(word)]
        assert found == holding[-1:], (word, found, holding)


def test_a_partial_save_leaves_the_index_alone_and_the_finish_indexes_it(
        tmp_path: Path) -> None:
    with open_database(tmp_path / "h.sqlite3") as db:
        history = History(db)
        conversation = history.create_conversation("Rivers")
        answer = history.start_assistant_message(conversation.id, "grok-3-mini")
        before = db.fetchall("SELECT rowid, block FROM messages_fts_data")
        history.save_partial(answer.id, "otter " * 200_000, "")
        assert db.fetchall("SELECT rowid, block FROM messages_fts_data") == before
        assert history.search("otter") == []
        history.finish_message(answer.id, content="otters build no dams", reasoning="",
                               status="complete")
        assert [hit.message_id for hit in history.search("otters")] == [answer.id]
        _check(history)


STEPS = st.lists(st.tuples(
    st.sampled_from(["user", "start", "partial", "finish", "fail", "recover", "edit",
                     "delete"]),
    st.sampled_from(WORDS)), max_size=25)


@settings(max_examples=60)
@given(STEPS)
def test_the_index_is_exact_after_any_sequence_of_changes(tmp_path_factory: object,
                                                         steps: list[tuple[str, str]]) -> None:
    path = tmp_path_factory.mktemp("index") / "h.sqlite3"  # type: ignore[attr-defined]
    with open_database(path) as db:
        history = History(db, stale_after=0.0)
        conversation = history.create_conversation("Animals")
        ids: list[int] = []
        for step, word in steps:
            if step == "user":
                ids.append(history.add_message(conversation.id, "user", word).id)
            elif step == "start":
                ids.append(history.start_assistant_message(conversation.id, "m").id)
            elif ids and step == "partial":
                history.save_partial(ids[-1], f"{word} so far", "")
            elif ids and step in ("finish", "fail"):
                status = "complete" if step == "finish" else "error"
                history.finish_message(ids[-1], content=f"{word} at last", reasoning="",
                                       status=status)
            elif step == "recover":
                history.recover_interrupted()
            elif ids and step == "edit":
                history.update_message_content(ids[0], f"{word} edited")
            elif ids and step == "delete":
                history.delete_message(ids.pop())
            _check(history)


def test_a_file_with_an_answer_streaming_in_the_old_index_migrates_exactly(
        tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path, migrations=MIGRATIONS[:3]) as db:  # the index before step 4
        conn = db.connection
        conn.execute("INSERT INTO conversations (id, uuid, title, created_at, updated_at)"
                     " VALUES (1, 'u', 'Old file', 1, 1)")
        for mid, role, content, status in ((1, "user", "salmon run", "complete"),
                                           (2, "assistant", "heron half written",
                                            "streaming")):
            conn.execute("INSERT INTO messages (id, uuid, conversation_id, position, role,"
                         " content, status, created_at, updated_at)"
                         " VALUES (?, ?, 1, ?, ?, ?, ?, 1, 1)",
                         (mid, f"m{mid}", mid, role, content, status))
    done_id, streaming_id = 1, 2
    with open_database(path) as db:
        history = History(db)
        assert _indexed(history) == {done_id}
        _check(history)
        history.finish_message(streaming_id, content="heron in full", reasoning="",
                               status="complete")
        assert [hit.message_id for hit in history.search("heron")] == [streaming_id]
        _check(history)


def test_the_check_would_see_a_stale_index(tmp_path: Path) -> None:
    with open_database(tmp_path / "h.sqlite3") as db:
        history = History(db)
        conversation = history.create_conversation("Control")
        message = history.add_message(conversation.id, "user", "otter")
        db.connection.execute("DROP TRIGGER messages_fts_update")
        db.connection.execute("UPDATE messages SET content = 'beaver' WHERE id = ?",
                              (message.id,))
        try:
            _check(history)
        except AssertionError:
            return
        raise AssertionError("a stale index went unnoticed")
