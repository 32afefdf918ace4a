"""Conversations, messages and search over the history file; callers get dataclasses.

Every write is one short ``BEGIN IMMEDIATE`` transaction, because the window and
the command line may write the same file at the same moment.
"""

from __future__ import annotations

import contextlib
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from enum import Enum
from sqlite3 import Connection, Row
from typing import Any

from grokdesk.storage import listing
from grokdesk.storage.db import Database, DatabaseError, translated_errors
from grokdesk.storage.listing import CONVERSATION_SELECT, conversations_from_rows
from grokdesk.storage.models import (
    MESSAGE_COLUMNS,
    ActivePath,
    Conversation,
    ConversationSettings,
    DeletedSubtree,
    Message,
    MessageRole,
    MessageStatus,
    MessageTree,
    SearchHit,
    TokenUsage,
    UnknownUsage,
    new_uuid,
)

#: A live stream saves at least once a second; one silent for this long has lost its process.
STALE_AFTER = 10.0
#: A running import beats every fraction of a second; one silent this long has lost its process.
IMPORT_STALE_AFTER = 60.0
#: Rows an import's clean-up deletes per transaction, so other writers get their turn.
_DISCARD_SLICE = 2000
SNIPPET_CHARS = 160
#: Trigram search needs three characters; shorter terms fall back to a scan with LIKE.
_MIN_INDEXED_TERM = 3
_MAX_TERMS = 16
_MAX_ROWID = 2**63 - 1

_MESSAGE_SELECT = f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM messages"
_M_COLUMNS = ", ".join(f"m.{c}" for c in MESSAGE_COLUMNS)
#: What a new message row is written with: every column but the id SQLite assigns.
_WRITTEN_COLUMNS = ("position", *(c for c in MESSAGE_COLUMNS if c != "id"))
_NODE_COLUMNS = ("id", *_WRITTEN_COLUMNS)
INSERT_NODE = (f"INSERT INTO messages ({', '.join(_NODE_COLUMNS)})"
               f" VALUES ({', '.join(':' + c for c in _NODE_COLUMNS)})")
"""Adds one message exactly where ``parent_id`` says (None: a root); ``id`` None lets
SQLite choose. Its parameters by name, as :func:`message_values` gives them."""

#: The current leaf: the stored one while it is a message of the conversation, else the
#: newest message (files written by list writers, a leaf deleted by another process).
_LEAF = ("SELECT COALESCE((SELECT c.current_leaf_id FROM conversations AS c"
         " JOIN messages AS l ON l.id = c.current_leaf_id AND l.conversation_id = c.id"
         " WHERE c.id = :cid), (SELECT x.id FROM messages AS x WHERE x.conversation_id = :cid"
         " ORDER BY x.position DESC LIMIT 1))")
#: The path from the leaf up, one primary-key step per message (its last row, the
#: root's parent, is NULL and joins nothing). The step is a scalar subquery, not a
#: join: once the tables are analysed, SQLite puts a Bloom filter on a joined
#: ``messages`` and builds it again at every step, 30 times slower on a 1,000-message
#: path among 200,000 messages.
_PATH_UP = ("WITH RECURSIVE path(id, depth) AS (SELECT :leaf, 0 UNION ALL"
            " SELECT (SELECT m.parent_id FROM messages AS m WHERE m.id = path.id),"
            " path.depth + 1 FROM path WHERE path.id IS NOT NULL)")
#: The same, the last ``:count`` messages only.
_PATH_END = _PATH_UP.removesuffix(")") + " AND path.depth + 1 < :count)"
#: Each message's depth in conversation ``:cid``, from its roots down (see
#: ``db.RECOUNT_PATHS``); rows already right are left alone.
_DEPTHS_IN = (
    "WITH RECURSIVE walk(id, depth) AS (SELECT id, 0 FROM messages"
    " WHERE conversation_id = :cid AND parent_id IS NULL UNION ALL"
    " SELECT m.id, walk.depth + 1 FROM messages AS m JOIN walk ON m.parent_id = walk.id)"
    " UPDATE messages SET depth = walk.depth FROM walk"
    " WHERE walk.id = messages.id AND messages.depth != walk.depth")
#: The newest leaf of the subtree below (and including) ``:top``.
_NEWEST_LEAF_BELOW = (
    "WITH RECURSIVE below(id) AS (SELECT :top UNION ALL"
    " SELECT m.id FROM messages AS m JOIN below ON m.parent_id = below.id)"
    " SELECT m.id FROM below JOIN messages AS m ON m.id = below.id"
    " WHERE NOT EXISTS (SELECT 1 FROM messages AS k WHERE k.parent_id = m.id)"
    " ORDER BY m.created_at DESC, m.id DESC LIMIT 1")


class Place(Enum):
    """Where a new message goes when no parent is named."""

    LEAF = "leaf"


AT_LEAF = Place.LEAF
"""``parent_id`` of :meth:`History.add_message`: after the conversation's current leaf."""


class RecordGoneError(DatabaseError, LookupError):
    """The conversation or message is gone (perhaps deleted by the other grokdesk)."""


class History:
    """The chat history of one database file.

    ``stale_after`` decides when a message still marked streaming is considered
    abandoned; ``clock`` is injectable so tests control time.
    """

    def __init__(self, db: Database, *, stale_after: float = STALE_AFTER,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.stale_after = stale_after
        self._clock = clock
        with contextlib.suppress(DatabaseError):  # tried again by the next open
            self.discard_abandoned_imports()

    def batch(self) -> AbstractContextManager[Connection]:
        """Group many writes into one transaction; the methods join it."""
        return self.db.transaction()

    # ------------------------------------------------------------------ imports

    def discard_import(self, batch: str) -> None:
        """Delete the hidden rows of import ``batch``, a slice per transaction."""
        while True:
            with self.db.transaction() as conn:
                cursor = conn.execute(
                    "DELETE FROM messages WHERE id IN (SELECT m.id FROM messages AS m"
                    " JOIN conversations AS c ON c.id = m.conversation_id"
                    " WHERE c.import_batch = ? LIMIT ?)", (batch, _DISCARD_SLICE))
                if cursor.rowcount == 0:
                    conn.execute("DELETE FROM conversations WHERE import_batch = ?", (batch,))
                    conn.execute("DELETE FROM import_batches WHERE id = ?", (batch,))
                    return

    def discard_abandoned_imports(self) -> int:
        """Remove what imports whose process died left hidden; return how many imports.

        An import still running beats more often than ``IMPORT_STALE_AFTER``, so only
        abandoned ones (or rows whose import is no longer registered) are touched.
        """
        stale = self.db.fetchall(
            "SELECT id FROM import_batches WHERE heartbeat < ?"
            " UNION SELECT DISTINCT import_batch FROM conversations"
            " WHERE import_batch IS NOT NULL"
            " AND import_batch NOT IN (SELECT id FROM import_batches)",
            (self._clock() - IMPORT_STALE_AFTER,))
        for row in stale:
            self.discard_import(str(row[0]))
        return len(stale)

    # ----------------------------------------------------------------- conversations

    def create_conversation(self, title: str = "New chat",
                            settings: ConversationSettings | None = None, *,
                            pinned: bool = False, uuid: str | None = None,
                            created_at: float | None = None) -> Conversation:
        """Start a conversation; ``uuid`` and ``created_at`` let importers keep the originals."""
        settings = settings or ConversationSettings()
        now = self._clock() if created_at is None else created_at
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO conversations (uuid, title, created_at, updated_at, pinned, provider,"
                " model, system_prompt, reasoning_effort, temperature)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (uuid or new_uuid(), title, now, now, int(pinned), settings.provider,
                 settings.model, settings.system_prompt, settings.reasoning_effort,
                 settings.temperature))
            conversation_id = _rowid(cursor.lastrowid)
        return self._require_conversation(conversation_id)

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        row = self.db.fetchone(CONVERSATION_SELECT + "AND c.id = ?", (conversation_id,))
        return None if row is None else _conversation(row)

    def conversations_by_id(self, conversation_ids: Sequence[int]) -> dict[int, Conversation]:
        """Several conversations in one query (a search's hits); missing ones are left out."""
        if not conversation_ids:
            return {}
        marks = ", ".join("?" * len(conversation_ids))
        rows = self.db.fetchall(CONVERSATION_SELECT + f"AND c.id IN ({marks})",
                                tuple(conversation_ids))
        return {conversation.id: conversation for conversation in conversations_from_rows(rows)}

    def conversation_by_uuid(self, uuid: str) -> Conversation | None:
        """Find a conversation by its stable id (imports use it to skip duplicates)."""
        row = self.db.fetchone(CONVERSATION_SELECT + "AND c.uuid = ?", (uuid,))
        return None if row is None else _conversation(row)

    def latest_conversation(self) -> Conversation | None:
        """The conversation with the most recent activity (``--continue``)."""
        row = self.db.fetchone(
            CONVERSATION_SELECT + "ORDER BY c.updated_at DESC, c.id DESC LIMIT 1")
        return None if row is None else _conversation(row)

    def list_conversations(self, limit: int | None = None, offset: int = 0) -> list[Conversation]:
        """Pinned first, then most recent activity first (:func:`listing.list_conversations`)."""
        return listing.list_conversations(self.db, limit, offset)

    def conversation_ids(self) -> list[int]:
        """Every conversation id in sidebar order (pinned first, most recent activity first)."""
        rows = self.db.fetchall(
            "SELECT id FROM conversations WHERE import_batch IS NULL"
            " ORDER BY pinned DESC, updated_at DESC, id DESC")
        return [int(row[0]) for row in rows]

    def count_conversations(self) -> int:
        """All but those of unfinished imports (:func:`listing.count_conversations`)."""
        return listing.count_conversations(self.db)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self._update_conversation(conversation_id, "title = ?", (title,))

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        self._update_conversation(conversation_id, "pinned = ?", (int(pinned),))

    def update_settings(self, conversation_id: int, settings: ConversationSettings) -> None:
        self._update_conversation(
            conversation_id,
            "provider = ?, model = ?, system_prompt = ?, reasoning_effort = ?, temperature = ?",
            (settings.provider, settings.model, settings.system_prompt,
             settings.reasoning_effort, settings.temperature))

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and (by cascade) its messages; deleting twice is fine."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # ---------------------------------------------------------------------- messages

    def messages(self, conversation_id: int) -> list[Message]:
        """The active path, root to current leaf (stale streams read as interrupted).

        One recursive query from the leaf up, a primary-key step per message, so a long
        conversation with many branches costs what its path costs.
        """
        now = self._clock()
        return [self._message(row, now) for row in self._path_rows(conversation_id)]

    def path_end(self, conversation_id: int, count: int) -> list[Message]:
        """The last ``count`` messages of the active path, oldest first: what a rule
        about the latest exchange needs, without reading a long conversation."""
        if count <= 0:
            return []
        now = self._clock()
        return [self._message(row, now) for row in self._path_rows(conversation_id, count)]

    def active_path(self, conversation_id: int, last: int | None = None) -> ActivePath:
        """The active path with every message's versions: two queries, whatever its length.

        With ``last``, only its last ``last`` messages (``complete`` says whether they
        reach the root): what fills a window, read in a fraction of a long path's time.
        """
        messages = (self.messages(conversation_id) if last is None
                    else self.path_end(conversation_id, last))
        return self._with_versions(conversation_id, messages)

    def path_above(self, conversation_id: int, message_id: int, size: int
                   ) -> Iterator[ActivePath]:
        """The path above ``message_id`` in pieces of ``size`` messages with their
        versions, from there up, each root first: the rest of a path opened with its end
        (:meth:`active_path` with ``last``), read a piece per event-loop turn."""
        row = self.db.fetchone("SELECT parent_id FROM messages WHERE id = ?", (message_id,))
        for piece in self._pieces_up(None if row is None else row[0], size):
            yield self._with_versions(conversation_id, piece)

    def _with_versions(self, conversation_id: int, messages: list[Message]) -> ActivePath:
        """``messages`` (a run of one path, root first) with each one's versions."""
        complete = not messages or messages[0].parent_id is None
        children: dict[int | None, list[int]] = {}
        if messages:
            if complete:
                rows = self.db.fetchall(
                    "SELECT id, parent_id FROM messages WHERE conversation_id = ?"
                    " ORDER BY created_at, id", (conversation_id,))
            else:  # no root among them: the children of their parents, by index
                parents = sorted({m.parent_id for m in messages if m.parent_id is not None})
                rows = self.db.fetchall(
                    "SELECT id, parent_id FROM messages WHERE parent_id IN"
                    f" ({', '.join('?' * len(parents))}) ORDER BY created_at, id", parents)
            for message_id, parent_id in rows:
                children.setdefault(parent_id, []).append(message_id)
        siblings = tuple(tuple(children.get(m.parent_id, (m.id,))) for m in messages)
        return ActivePath(conversation_id, tuple(messages), siblings, complete)

    def tree(self, conversation_id: int) -> MessageTree:
        """Every message of every branch in insertion order, and the current leaf."""
        rows = self.db.fetchall(_MESSAGE_SELECT + " WHERE conversation_id = ? ORDER BY position",
                                (conversation_id,))
        now = self._clock()
        return MessageTree(conversation_id, self._leaf(conversation_id),
                           tuple(self._message(row, now) for row in rows))

    def sibling_ids(self, message_id: int) -> tuple[int, ...]:
        """Every version at ``message_id``'s place, itself included, oldest first."""
        rows = self.db.fetchall(
            "SELECT s.id FROM messages AS m JOIN messages AS s"
            " ON s.conversation_id = m.conversation_id AND s.parent_id IS m.parent_id"
            " WHERE m.id = ? ORDER BY s.created_at, s.id", (message_id,))
        return tuple(int(row[0]) for row in rows)

    def newest_leaf_below(self, message_id: int) -> int:
        """The newest message at the end of a branch through ``message_id``."""
        row = self.db.fetchone(_NEWEST_LEAF_BELOW, {"top": message_id})
        if row is None:
            raise _message_gone(message_id)
        return int(row[0])

    def select_branch(self, message_id: int) -> int:
        """Make the path through ``message_id`` current, ending at the newest leaf below
        it; return its conversation id."""
        with self.db.transaction() as conn:
            found = conn.execute("SELECT conversation_id FROM messages WHERE id = ?",
                                 (message_id,)).fetchone()
            if found is None:
                raise _message_gone(message_id)
            leaf = conn.execute(_NEWEST_LEAF_BELOW, {"top": message_id}).fetchone()[0]
            conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                         (leaf, found[0]))
            return int(found[0])

    def path_to(self, message_id: int) -> list[Message]:
        """The messages from the root down to ``message_id``, on whatever branch it is."""
        rows = self.db.fetchall(
            f"{_PATH_UP} SELECT {_M_COLUMNS} FROM path JOIN messages AS m ON m.id = path.id"
            " ORDER BY path.depth DESC", {"leaf": message_id})
        if not rows:
            raise _message_gone(message_id)
        now = self._clock()
        return [self._message(row, now) for row in rows]

    def subtree_ids(self, message_id: int) -> set[int]:
        """``message_id`` and every message below it."""
        rows = self.db.fetchall(
            "WITH RECURSIVE below(id) AS (SELECT id FROM messages WHERE id = ? UNION ALL"
            " SELECT m.id FROM messages AS m JOIN below ON m.parent_id = below.id)"
            " SELECT id FROM below", (message_id,))
        return {int(row[0]) for row in rows}

    def path_pieces(self, conversation_id: int, size: int) -> Iterator[list[Message]]:
        """The active path in pieces of ``size`` messages, from its end up, each piece
        root first: a long path read a piece per event-loop turn. A message's parent
        never changes, so the pieces join up as one read would."""
        yield from self._pieces_up(self._leaf(conversation_id), size)

    def _pieces_up(self, top: int | None, size: int) -> Iterator[list[Message]]:
        """The path from ``top`` up to the root, ``size`` messages a piece, each root first."""
        while top is not None:
            now = self._clock()
            piece = [self._message(row, now) for row in self._walk_up(top, size)]
            if not piece:
                return
            yield piece
            top = piece[0].parent_id

    def _path_rows(self, conversation_id: int, count: int | None = None) -> list[Row]:
        """The active path's rows, root first; with ``count``, its last ``count`` only."""
        leaf = self._leaf(conversation_id)
        return [] if leaf is None else self._walk_up(leaf, count)

    def _leaf(self, conversation_id: int) -> int | None:
        with translated_errors(self.db.path):
            return current_leaf(self.db.connection, conversation_id)

    def _walk_up(self, leaf: int, count: int | None) -> list[Row]:
        """The rows from ``leaf`` up (the root, or ``count`` of them), root first."""
        walk = _PATH_UP if count is None else _PATH_END
        return self.db.fetchall(
            f"{walk} SELECT {_M_COLUMNS} FROM path JOIN messages AS m ON m.id = path.id"
            " ORDER BY path.depth DESC", {"leaf": leaf, "count": count})

    def usage_totals(self, conversation_id: int) -> tuple[int, float | None]:
        """The conversation's token use and cost, summed in SQL over its messages.

        A message counts its ``total_tokens``, or else its prompt plus completion tokens;
        the cost is ``None`` when no message has one.
        """
        row = self.db.fetchone(
            "SELECT SUM(COALESCE(total_tokens,"
            " COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0))),"
            " SUM(cost_usd) FROM messages WHERE conversation_id = ?", (conversation_id,))
        if row is None:
            return 0, None
        tokens, cost = row[0], row[1]
        return int(tokens or 0), None if cost is None else float(cost)

    def get_message(self, message_id: int) -> Message | None:
        row = self.db.fetchone(_MESSAGE_SELECT + " WHERE id = ?", (message_id,))
        return None if row is None else self._message(row, self._clock())

    def add_message(self, conversation_id: int, role: MessageRole, content: str, *,
                    parent_id: int | Place | None = AT_LEAF,
                    reasoning: str = "", status: MessageStatus = "complete",
                    model: str | None = None, finish_reason: str | None = None,
                    error: str | None = None, usage: TokenUsage | None = None,
                    request_id: str | None = None, uuid: str | None = None,
                    created_at: float | None = None,
                    reasoning_effort: str | None = None) -> Message:
        """Add a message after ``parent_id`` (by default the current leaf) and make it the
        current leaf; mark the conversation active.

        Raises ``RecordGoneError`` if the conversation or the parent is gone.
        """
        now = self._clock() if created_at is None else created_at
        usage = usage or UnknownUsage()
        with self.db.transaction() as conn:
            self._touch(conn, conversation_id, now)
            if parent_id is AT_LEAF:
                parent_id = current_leaf(conn, conversation_id)
            elif parent_id is not None and conn.execute(
                    "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
                    (parent_id, conversation_id)).fetchone() is None:
                raise _message_gone(int(parent_id))
            values = dict.fromkeys(_NODE_COLUMNS) | {
                "position": _next_position(conn, conversation_id),
                "uuid": uuid or new_uuid(),
                "conversation_id": conversation_id, "role": role, "content": content,
                "reasoning": reasoning, "model": model, "status": status,
                "finish_reason": finish_reason, "error": error,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "reasoning_tokens": usage.reasoning_tokens, "total_tokens": usage.total_tokens,
                "cost_usd": usage.cost_usd, "request_id": request_id, "created_at": now,
                "updated_at": now, "finished_at": None if status == "streaming" else now,
                "reasoning_effort": reasoning_effort, "parent_id": parent_id}
            message_id = _rowid(conn.execute(INSERT_NODE, values).lastrowid)
            conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                         (message_id, conversation_id))
        return self._require_message(message_id)

    def start_assistant_message(self, conversation_id: int, model: str | None,
                                reasoning_effort: str | None = None, *,
                                parent_id: int | Place | None = AT_LEAF) -> Message:
        """The empty answer a stream will fill in, stored before the request goes out."""
        return self.add_message(conversation_id, "assistant", "", status="streaming", model=model,
                                reasoning_effort=reasoning_effort, parent_id=parent_id)

    def save_partial(self, message_id: int, content: str, reasoning: str, *,
                     reasoning_started_at: float | None = None,
                     content_started_at: float | None = None) -> None:
        """Store the text so far; doubles as the stream's heartbeat (``updated_at``).

        It also sets the status back to streaming, in case the other process judged
        this stream abandoned during a long pause. A deleted message is ignored here;
        :meth:`finish_message` reports it.
        """
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, reasoning = ?, status = 'streaming',"
                " updated_at = ?, reasoning_started_at = COALESCE(?, reasoning_started_at),"
                " content_started_at = COALESCE(?, content_started_at) WHERE id = ?",
                (content, reasoning, self._clock(), reasoning_started_at, content_started_at,
                 message_id))

    def finish_message(self, message_id: int, *, content: str, reasoning: str,
                       status: MessageStatus, finish_reason: str | None = None,
                       error: str | None = None, usage: TokenUsage | None = None,
                       request_id: str | None = None, model: str | None = None,
                       reasoning_started_at: float | None = None,
                       content_started_at: float | None = None) -> Message:
        """Store the final state of an answer and mark the conversation active.

        Raises ``RecordGoneError`` if the message was deleted while it streamed.
        """
        now = self._clock()
        usage = usage or UnknownUsage()
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE messages SET content = ?, reasoning = ?, status = ?, finish_reason = ?,"
                " error = ?, prompt_tokens = ?, completion_tokens = ?, reasoning_tokens = ?,"
                " total_tokens = ?, cost_usd = ?, request_id = ?, model = COALESCE(?, model),"
                " reasoning_started_at = COALESCE(?, reasoning_started_at),"
                " content_started_at = COALESCE(?, content_started_at),"
                " finished_at = ?, updated_at = ? WHERE id = ?"
                " RETURNING conversation_id",
                (content, reasoning, status, finish_reason, error, usage.prompt_tokens,
                 usage.completion_tokens, usage.reasoning_tokens, usage.total_tokens,
                 usage.cost_usd, request_id, model, reasoning_started_at, content_started_at,
                 now, now, message_id))
            row = cursor.fetchone()
            if row is None:
                raise _message_gone(message_id)
            self._touch(conn, int(row[0]), now)
        return self._require_message(message_id)

    def update_message_content(self, message_id: int, content: str) -> None:
        """Replace a message's text (editing a user message)."""
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE messages SET content = ?, updated_at = ? WHERE id = ?",
                (content, self._clock(), message_id))
            if cursor.rowcount == 0:
                raise _message_gone(message_id)

    def delete_message(self, message_id: int) -> DeletedSubtree | None:
        """Delete a message and its subtree; return what went (None: it was gone already).

        When the current leaf went with it, the newest leaf left below its parent (or of
        the whole conversation, for a first message) becomes current.
        """
        with self.db.transaction() as conn:
            rows = conn.execute(
                "WITH RECURSIVE below(id, depth) AS (SELECT ?, 0 UNION ALL"
                " SELECT m.id, below.depth + 1 FROM messages AS m"
                " JOIN below ON m.parent_id = below.id)"
                f" SELECT {_M_COLUMNS} FROM below JOIN messages AS m ON m.id = below.id"
                " ORDER BY below.depth, m.id", (message_id,)).fetchall()
            if not rows:
                return None
            now = self._clock()
            taken = tuple(self._message(row, now) for row in rows)
            top = taken[0]
            leaf = current_leaf(conn, top.conversation_id)
            conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            if leaf in {m.id for m in taken}:
                conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                             (self._leaf_after_delete(conn, top), top.conversation_id))
        return DeletedSubtree(top.conversation_id, taken, leaf)

    @staticmethod
    def _leaf_after_delete(conn: Connection, top: Message) -> int | None:
        if top.parent_id is not None:
            return int(conn.execute(_NEWEST_LEAF_BELOW, {"top": top.parent_id}).fetchone()[0])
        row = conn.execute(
            "SELECT m.id FROM messages AS m WHERE m.conversation_id = ? AND NOT EXISTS"
            " (SELECT 1 FROM messages AS k WHERE k.parent_id = m.id)"
            " ORDER BY m.created_at DESC, m.id DESC LIMIT 1", (top.conversation_id,)).fetchone()
        return None if row is None else int(row[0])

    def restore(self, deleted: DeletedSubtree) -> dict[int, int]:
        """Put a deleted subtree back (Undo), under its old parent; return old id -> id.

        The old ids are kept where they are still free. The current leaf goes back to what
        it was when the delete had moved it. Raises ``RecordGoneError`` when the
        conversation or the parent went meanwhile.
        """
        with self.db.transaction() as conn:
            ids = insert_tree(conn, deleted.conversation_id, deleted.messages, keep_ids=True)
            if deleted.previous_leaf_id in ids:
                conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                             (ids[deleted.previous_leaf_id], deleted.conversation_id))
            return ids

    def insert_tree(self, conversation_id: int, messages: Sequence[Message], *,
                    current_leaf_id: int | None = None) -> dict[int, int]:
        """Add messages given with their own ``id``/``parent_id`` numbering, in one
        transaction; return their id -> stored id.

        A parent outside ``messages`` must be a message of the conversation (None: a
        root). ``current_leaf_id`` (in the given numbering) becomes the current leaf;
        None keeps the conversation's own.
        """
        with self.db.transaction() as conn:
            ids = insert_tree(conn, conversation_id, messages)
            if current_leaf_id is not None:
                conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                             (ids[current_leaf_id], conversation_id))
            return ids

    def recover_interrupted(self) -> int:
        """Mark streams abandoned by a dead process as interrupted; return how many.

        Only streams silent for ``stale_after`` seconds count: the other grokdesk may
        be streaming right now, and a live stream saves at least once a second.
        """
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE messages SET status = 'interrupted',"
                " finished_at = COALESCE(finished_at, updated_at)"
                " WHERE status = 'streaming' AND updated_at < ?",
                (self._clock() - self.stale_after,))
            return cursor.rowcount

    # ------------------------------------------------------------------------ search

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Conversations whose title or a message contains every word of ``query``.

        One hit per conversation, ordered by newest match first: a matching message counts
        by its id (ids grow with time), a matching title as a match of the conversation's
        latest message. The snippet comes from the newest matching message (or the title).
        Matching messages are walked newest first and the walk stops once ``limit``
        conversations are found, so common words cost no more than rare ones. Any text is
        a valid query: words are matched as literal substrings, never parsed as FTS syntax.
        """
        terms = search_terms(query)
        if not terms or limit <= 0:
            return []
        params: dict[str, Any] = {}
        indexed = [t for t in terms if len(t) >= _MIN_INDEXED_TERM]
        if indexed:
            params["match"] = " ".join(_fts_phrase(t) for t in indexed)
        for index, term in enumerate(terms):
            if len(term) < _MIN_INDEXED_TERM:
                params[f"like{index}"] = _like_pattern(term)

        # Newest matching message per conversation, walking messages newest first.
        newest, exhausted, before = self._walk_message_hits(terms, params, limit)
        # Title matches (a few thousand conversations at most), keyed by their latest message.
        title_rows = self.db.fetchall(
            _matching("SELECT c.id AS cid, (SELECT MAX(x.id) FROM messages AS x"
                      " WHERE x.conversation_id = c.id) AS latest FROM conversations AS c",
                      "conversations_fts", "c.id", "c.title", terms, params)
            + " AND c.import_batch IS NULL", params)
        keys: dict[int, int] = dict(newest)
        for row in title_rows:
            cid, latest = int(row[0]), int(row[1] or 0)
            keys[cid] = max(keys.get(cid, 0), latest)
        chosen = sorted(keys, key=lambda cid: (keys[cid], cid), reverse=True)[:limit]
        if not chosen:
            return []
        message_ids: dict[int, int | None] = {cid: newest.get(cid) for cid in chosen}
        if not exhausted:
            # A title hit the walk did not reach may still have an older matching message.
            for cid in chosen:
                if message_ids[cid] is None:
                    message_ids[cid] = self._newest_match_in(cid, before, terms, params)
        marks = ", ".join("?" * len(chosen))
        conversations = {r[0]: (r[1], r[2]) for r in self.db.fetchall(
            f"SELECT id, title, updated_at FROM conversations WHERE id IN ({marks})"
            " AND import_batch IS NULL", chosen)}
        wanted = [mid for mid in message_ids.values() if mid is not None]
        contents: dict[int, str] = {}
        if wanted:
            marks = ", ".join("?" * len(wanted))
            contents = {r[0]: r[1] for r in self.db.fetchall(
                f"SELECT id, content FROM messages WHERE id IN ({marks})", wanted)}
        hits = []
        for cid in chosen:
            if cid not in conversations:  # deleted meanwhile
                continue
            title, updated_at = conversations[cid]
            mid = message_ids[cid]
            text = title if mid is None else contents.get(mid, "")
            snippet, spans = make_snippet(text, terms)
            hits.append(SearchHit(conversation_id=cid, conversation_title=title,
                                  message_id=mid, snippet=snippet,
                                  updated_at=updated_at, highlights=spans))
        return hits

    def _walk_message_hits(self, terms: Sequence[str], params: dict[str, Any],
                           limit: int) -> tuple[dict[int, int], bool, int]:
        """The newest matching message id of each conversation, for the newest ``limit``.

        Returns the hits, whether every matching message was seen, and the id the walk
        stopped below (messages with smaller ids were not looked at).
        """
        sql = _matching("SELECT m.id, m.conversation_id FROM messages AS m",
                        "messages_fts", "m.id", "m.content", terms, params)
        order_by = "messages_fts.rowid" if "match" in params else "m.id"
        sql += f" AND {order_by} < :before ORDER BY {order_by} DESC LIMIT :page"
        newest: dict[int, int] = {}
        before = _MAX_ROWID
        page = max(64, limit * 4)
        while True:
            rows = self.db.fetchall(sql, {**params, "before": before, "page": page})
            for mid, cid in rows:
                if cid not in newest:
                    newest[cid] = mid
                    if len(newest) >= limit:
                        return newest, False, mid
            if len(rows) < page:
                return newest, True, 0
            before = rows[-1][0]
            page = min(page * 4, 16384)

    def _newest_match_in(self, conversation_id: int, before: int, terms: Sequence[str],
                         params: dict[str, Any]) -> int | None:
        """The newest message of one conversation below ``before`` that matches."""
        bounds = self.db.fetchone(
            "SELECT MIN(id) FROM messages WHERE conversation_id = ?", (conversation_id,))
        if bounds is None or bounds[0] is None or bounds[0] >= before:
            return None
        sql = _matching("SELECT m.id FROM messages AS m", "messages_fts", "m.id", "m.content",
                        terms, params)
        order_by = "messages_fts.rowid" if "match" in params else "m.id"
        row = self.db.fetchone(
            sql + f" AND {order_by} >= :low AND {order_by} < :before"
            f" AND m.conversation_id = :cid ORDER BY {order_by} DESC LIMIT 1",
            {**params, "low": bounds[0], "before": before, "cid": conversation_id})
        return None if row is None else int(row[0])

    # --------------------------------------------------------------------- internals

    def _message(self, row: Row, now: float) -> Message:
        """A row of ``_MESSAGE_SELECT`` (columns in field order); a stale stream is interrupted."""
        message = Message(*row)
        if message.status == "streaming" and now - message.updated_at > self.stale_after:
            return replace(message, status="interrupted")
        return message

    def _require_conversation(self, conversation_id: int) -> Conversation:
        conversation = self.get_conversation(conversation_id)
        if conversation is None:
            raise RecordGoneError(f"Conversation {conversation_id} no longer exists.")
        return conversation

    def _require_message(self, message_id: int) -> Message:
        message = self.get_message(message_id)
        if message is None:
            raise _message_gone(message_id)
        return message

    def _update_conversation(self, conversation_id: int, assignments: str,
                             params: Sequence[Any]) -> None:
        with self.db.transaction() as conn:
            cursor = conn.execute(f"UPDATE conversations SET {assignments} WHERE id = ?",
                                  (*params, conversation_id))
            if cursor.rowcount == 0:
                raise RecordGoneError(f"Conversation {conversation_id} no longer exists.")

    @staticmethod
    def _touch(conn: Connection, conversation_id: int, when: float) -> None:
        """Record activity (it orders the sidebar); never moves ``updated_at`` backwards."""
        cursor = conn.execute(
            "UPDATE conversations SET updated_at = MAX(updated_at, ?) WHERE id = ?",
            (when, conversation_id))
        if cursor.rowcount == 0:
            raise RecordGoneError(f"Conversation {conversation_id} no longer exists.")


def insert_tree(conn: Connection, conversation_id: int, messages: Sequence[Message], *,
                keep_ids: bool = False) -> dict[int, int]:
    """Insert ``messages`` (parents before children, their own id numbering) into a
    conversation through ``conn``, inside the caller's transaction; return id -> new id.

    ``keep_ids`` keeps each old id that is still free (Undo). Raises ``RecordGoneError``
    when the conversation or a parent outside ``messages`` is not there.
    """
    if conn.execute("SELECT 1 FROM conversations WHERE id = ?",
                    (conversation_id,)).fetchone() is None:
        raise RecordGoneError(f"Conversation {conversation_id} no longer exists.")
    ids: dict[int, int] = {}
    position = _next_position(conn, conversation_id)
    for message in messages:
        parent = message.parent_id
        if parent is not None:
            if parent in ids:
                parent = ids[parent]
            elif conn.execute("SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
                              (parent, conversation_id)).fetchone() is None:
                raise _message_gone(parent)
        free = keep_ids and conn.execute("SELECT 1 FROM messages WHERE id = ?",
                                         (message.id,)).fetchone() is None
        values = message_values(message, position, conversation_id=conversation_id,
                                parent_id=parent) | {"id": message.id if free else None}
        ids[message.id] = _rowid(conn.execute(INSERT_NODE, values).lastrowid)
        position += 1
    return ids


def current_leaf(conn: Connection, conversation_id: int) -> int | None:
    """The conversation's current leaf (None: no messages), read through ``conn``."""
    row = conn.execute(_LEAF, {"cid": conversation_id}).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def recount_path(conn: Connection, conversation_id: int) -> None:
    """Give the conversation's messages their depths again, and it its path length, after
    writing parents afterwards (an import hangs its messages under existing ones)."""
    conn.execute(_DEPTHS_IN, {"cid": conversation_id})
    conn.execute("UPDATE conversations SET current_leaf_id = current_leaf_id WHERE id = ?",
                 (conversation_id,))


def _next_position(conn: Connection, conversation_id: int) -> int:
    row = conn.execute("SELECT MAX(position) FROM messages WHERE conversation_id = ?",
                       (conversation_id,)).fetchone()
    return int(row[0] or 0) + 1


def message_values(message: Message, position: int, **changes: object) -> dict[str, object]:
    """The :data:`INSERT_NODE` parameters that store ``message`` (with ``changes``) anew."""
    values = {c: getattr(message, c) for c in _WRITTEN_COLUMNS if c != "position"}
    return values | {"position": position} | changes


def _message_gone(message_id: int) -> RecordGoneError:
    return RecordGoneError(f"Message {message_id} no longer exists.")


def _rowid(value: int | None) -> int:
    assert value is not None, "INSERT returned no rowid"
    return value


def _conversation(row: Row) -> Conversation:
    """One row of ``CONVERSATION_SELECT``, built as a listing builds its rows."""
    [conversation] = conversations_from_rows((row,))
    return conversation


def search_terms(query: str) -> list[str]:
    """The distinct words of a query, without control characters (FTS5 chokes on NUL)."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in query)
    terms: list[str] = []
    seen: set[str] = set()
    for term in cleaned.split():
        if term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
    return terms[:_MAX_TERMS]


def _fts_phrase(term: str) -> str:
    """A term as an FTS5 string literal, so no character in it is query syntax."""
    return '"' + term.replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(select: str, fts_table: str, id_column: str, text_column: str,
              terms: Sequence[str], params: dict[str, Any]) -> str:
    """``select`` restricted to rows containing every term.

    Terms of three or more characters use the trigram index; shorter ones (common in
    CJK) are checked with LIKE, over the index's candidates when there are any.
    """
    conditions = []
    if "match" in params:
        select += f" JOIN {fts_table} ON {fts_table}.rowid = {id_column}"
        conditions.append(f"{fts_table} MATCH :match")
    for index, term in enumerate(terms):
        if len(term) < _MIN_INDEXED_TERM:
            conditions.append(f"{text_column} LIKE :like{index} ESCAPE '\\'")
    return f"{select} WHERE {' AND '.join(conditions)}"


def make_snippet(text: str, terms: Sequence[str],
                 width: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A one-line excerpt around the first match, and the spans of the terms in it.

    Plain text plus offsets (not markup), so a view can highlight without parsing.
    """
    pattern = re.compile(
        "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = 0
    if first is not None and first.start() > width // 4:
        start = first.start() - width // 4
        space = text.find(" ", start, first.start())  # begin at a word when one is near
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    snippet = " ".join(text[start:end].split())
    snippet = ("…" if start else "") + snippet + ("…" if end < len(text) else "")
    return snippet, tuple((m.start(), m.end()) for m in pattern.finditer(snippet))
