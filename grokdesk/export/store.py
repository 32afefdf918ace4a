"""Reading conversations out of the history and merging imported ones into it.

Reads go through ``History``'s public methods. Imports need what the repository does
not offer one call at a time (every field and timestamp of a message kept as it was,
thousands of rows, uuid look-ups in bulk), so they are written as SQL against the
schema in ``grokdesk/storage/db.py``: here the merge decisions, in
:mod:`grokdesk.export.staging` the short transactions that keep them all or nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from grokdesk.errors import GrokdeskError
from grokdesk.export.records import ConversationRecord
from grokdesk.export.report import MergeCounts
from grokdesk.export.staging import Staging
from grokdesk.storage.models import Message

if TYPE_CHECKING:
    from grokdesk.storage.repository import History

_CHUNK = 500  # stays below SQLite's limit on bound parameters

__all__ = ["UnknownConversationError", "import_batches", "iter_records", "read_record",
           "resolve_ids"]


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
    """One conversation with every message of every branch, as stored."""
    conversation = history.get_conversation(conversation_id)
    if conversation is None:
        raise UnknownConversationError([conversation_id])
    tree = history.tree(conversation_id)
    return ConversationRecord(conversation, tree.messages, tree.current_leaf_id)


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


def import_batches(history: History, batches: Sequence[Sequence[ConversationRecord]], *,
                   step: Callable[[], None] | None = None) -> list[MergeCounts]:
    """Merge every batch (one per file), all or nothing; return counts per batch.

    New conversations are added whole, with their tree and current leaf. A conversation
    whose uuid exists gets only the messages whose uuids are new, each under its parent
    (found by uuid in the history when it was there already); its title and settings
    stay. A message uuid already anywhere in the history is skipped. Rows are written in
    short transactions, hidden until the end (:mod:`grokdesk.export.staging`), so other
    writers are not locked out; if anything raises (including ``step``, to cancel),
    what was written is deleted again: nothing changes.
    """
    every = [record for batch in batches for record in batch]
    if not every:  # do not take the write lock for nothing
        return [MergeCounts() for _ in batches]
    conn = history.db.connection
    known = set(_existing(conn, "conversations", list({r.conversation.uuid for r in every})))
    seen = set(_existing(conn, "messages", list({m.uuid for r in every for m in r.messages})))
    staging = Staging(history)
    results: list[MergeCounts] = []
    try:
        for batch in batches:
            total = MergeCounts()
            for record in batch:
                total = total + _stage(staging, record, known, seen)
                if step is not None:
                    step()
            results.append(total)
        staging.reveal()
    except BaseException:
        staging.discard()
        raise
    return results


def _stage(staging: Staging, record: ConversationRecord, known: set[str],
           seen: set[str]) -> MergeCounts:
    """Stage what ``record`` adds; ``known`` and ``seen`` grow with what this import adds.

    A new message whose parent was skipped (its uuid is in the history) is staged as a
    root with that uuid as its anchor, to be hung under it when the import is shown.
    """
    uuids = {m.id: m.uuid for m in record.messages}
    fresh: list[Message] = []
    anchors: dict[int, str] = {}
    kept: set[int] = set()
    for message in record.messages:
        if message.uuid in seen:
            continue
        seen.add(message.uuid)
        kept.add(message.id)
        if message.parent_id is not None and message.parent_id not in kept:
            anchors[message.id] = uuids[message.parent_id]
            message = replace(message, parent_id=None)
        fresh.append(message)
    skipped = MergeCounts(messages_added=len(fresh),
                          messages_skipped=len(record.messages) - len(fresh))
    uuid = record.conversation.uuid
    if uuid in known and not fresh:
        return MergeCounts(duplicates=1, messages_skipped=skipped.messages_skipped)
    counts = MergeCounts(merged=1) if uuid in known else MergeCounts(added=1)
    known.add(uuid)
    leaf = record.current_leaf_id if record.current_leaf_id in kept else None
    staging.add(record.conversation, fresh, anchors=anchors, leaf=leaf)
    return counts + skipped
