"""Reading conversations out of the history and merging imported ones into it.

Reads go through ``History``'s public methods. Imports need what the repository does
not offer one call at a time (every field and timestamp of a message kept as it was,
thousands of rows in one transaction, uuid look-ups in bulk), so they are written here
as SQL against the schema in ``grokdesk/storage/db.py``, inside ``History.batch()``:
one transaction, all or nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from grokdesk.api.errors import GrokdeskError
from grokdesk.export.records import ConversationRecord
from grokdesk.export.report import MergeCounts
from grokdesk.storage.models import Conversation, Message

if TYPE_CHECKING:
    from grokdesk.storage.repository import History

_CHUNK = 500  # stays below SQLite's limit on bound parameters

_INSERT_CONVERSATION = (
    "INSERT INTO conversations (uuid, title, created_at, updated_at, pinned, provider, model,"
    " system_prompt, reasoning_effort, temperature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_MESSAGE = (
    "INSERT INTO messages (uuid, conversation_id, position, role, content, reasoning, model,"
    " status, finish_reason, error, prompt_tokens, completion_tokens, reasoning_tokens,"
    " total_tokens, cost_usd, request_id, created_at, updated_at, reasoning_started_at,"
    " content_started_at, finished_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class UnknownConversationError(GrokdeskError):
    """Asked to export a conversation the history does not have."""

    hint = "list them with `grokdesk list`"

    def __init__(self, missing: Sequence[int]) -> None:
        self.missing = tuple(missing)
        ids = ", ".join(str(i) for i in missing)
        noun = "conversation" if len(missing) == 1 else "conversations"
        super().__init__(f"there is no {noun} {ids}")


# --------------------------------------------------------------------------- reading


def resolve_ids(history: History, conversation_ids: Sequence[int] | None) -> list[int]:
    """The ids to export: all (sidebar order) for None; unknown ids raise at once."""
    if conversation_ids is None:
        return history.conversation_ids()
    missing = [i for i in conversation_ids if history.get_conversation(i) is None]
    if missing:
        raise UnknownConversationError(missing)
    return list(conversation_ids)


def read_record(history: History, conversation_id: int) -> ConversationRecord:
    """One conversation with its messages, as stored."""
    conversation = history.get_conversation(conversation_id)
    if conversation is None:
        raise UnknownConversationError([conversation_id])
    return ConversationRecord(conversation, tuple(history.messages(conversation_id)))


def iter_records(history: History, conversation_ids: Iterable[int]
                 ) -> Iterator[ConversationRecord]:
    """Conversations one at a time, so a large export never holds them all."""
    for conversation_id in conversation_ids:
        yield read_record(history, conversation_id)


# --------------------------------------------------------------------------- writing


def _existing(conn: sqlite3.Connection, table: str, uuids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(uuids), _CHUNK):
        chunk = uuids[start:start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(f"SELECT uuid, id FROM {table} WHERE uuid IN ({marks})", chunk)
        found.update((str(row[0]), int(row[1])) for row in rows)
    return found


def _conversation_row(c: Conversation) -> tuple[object, ...]:
    s = c.settings
    return (c.uuid, c.title, c.created_at, c.updated_at, int(c.pinned), s.provider, s.model,
            s.system_prompt, s.reasoning_effort, s.temperature)


def _message_row(m: Message, conversation_id: int, position: int) -> tuple[object, ...]:
    # Nothing streams into an imported message: one exported mid-stream is interrupted.
    status = "interrupted" if m.status == "streaming" else m.status
    return (m.uuid, conversation_id, position, m.role, m.content, m.reasoning, m.model,
            status, m.finish_reason, m.error, m.prompt_tokens, m.completion_tokens,
            m.reasoning_tokens, m.total_tokens, m.cost_usd, m.request_id, m.created_at,
            m.updated_at, m.reasoning_started_at, m.content_started_at, m.finished_at)


class _Merger:
    """Adds records to the open transaction, remembering what is already there."""

    def __init__(self, conn: sqlite3.Connection, records: Sequence[ConversationRecord]) -> None:
        self.conn = conn
        self.conversations = _existing(
            conn, "conversations", list({r.conversation.uuid for r in records}))
        self.messages = set(_existing(
            conn, "messages", list({m.uuid for r in records for m in r.messages})))

    def merge(self, record: ConversationRecord) -> MergeCounts:
        fresh: list[Message] = []
        for message in record.messages:
            if message.uuid not in self.messages:
                self.messages.add(message.uuid)
                fresh.append(message)
        skipped = len(record.messages) - len(fresh)
        conversation_id = self.conversations.get(record.conversation.uuid)
        if conversation_id is None:
            cursor = self.conn.execute(_INSERT_CONVERSATION,
                                       _conversation_row(record.conversation))
            assert cursor.lastrowid is not None
            conversation_id = self.conversations[record.conversation.uuid] = cursor.lastrowid
            counts = MergeCounts(added=1)
        elif not fresh:
            return MergeCounts(duplicates=1, messages_skipped=skipped)
        else:
            counts = MergeCounts(merged=1)
            latest = max(m.updated_at for m in fresh)
            self.conn.execute("UPDATE conversations SET updated_at = MAX(updated_at, ?)"
                              " WHERE id = ?", (latest, conversation_id))
        row = self.conn.execute("SELECT COALESCE(MAX(position), 0) FROM messages"
                                " WHERE conversation_id = ?", (conversation_id,)).fetchone()
        first = int(row[0]) + 1
        self.conn.executemany(INSERT_MESSAGE, (
            _message_row(m, conversation_id, first + i) for i, m in enumerate(fresh)))
        return counts + MergeCounts(messages_added=len(fresh), messages_skipped=skipped)


def import_batches(history: History, batches: Sequence[Sequence[ConversationRecord]], *,
                   step: Callable[[], None] | None = None) -> list[MergeCounts]:
    """Merge every batch (one per file) in ONE transaction; return counts per batch.

    New conversations are added whole. A conversation whose uuid exists gets only the
    messages whose uuids are new, appended after its own; its title and settings stay.
    A message uuid already anywhere in the history is skipped. If anything raises
    (including ``step``, to cancel), the transaction is rolled back: nothing changes.
    """
    every = [record for batch in batches for record in batch]
    if not every:  # do not take the write lock for nothing
        return [MergeCounts() for _ in batches]
    results: list[MergeCounts] = []
    with history.batch() as conn:
        merger = _Merger(conn, every)
        for batch in batches:
            total = MergeCounts()
            for record in batch:
                total = total + merger.merge(record)
                if step is not None:
                    step()
            results.append(total)
    return results
