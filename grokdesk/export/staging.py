"""Writing an import in short transactions, hidden until one short transaction shows it.

The window and ``grokdesk ask`` write the same history file and give up after the
busy timeout, so an import may not hold the write lock for long. Each conversation is
written as a hidden row (``import_batch`` set) with its messages, a slice at a time:
a transaction ends after ``SLICE_SECONDS`` and the lock is left free for
``PAUSE_SECONDS``, about as often as SQLite's busy handler retries. At the end one
transaction reveals everything (new conversations get their real uuid, messages for
existing ones move over, each under its parent), so a user sees all of an import or
none of it. A failed or cancelled import deletes its rows; those of a process that
died are removed by the next ``History`` that opens the file, once the import's
heartbeat is stale.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from grokdesk.errors import GrokdeskError
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.models import Conversation, Message
from grokdesk.storage.repository import (
    INSERT_NODE,
    History,
    current_leaf,
    message_values,
    recount_path,
)

SLICE_SECONDS = 0.2
PAUSE_SECONDS = 0.1
SLICE_MESSAGES = 500

_INSERT_HIDDEN = (
    "INSERT INTO conversations (uuid, title, created_at, updated_at, pinned, provider, model,"
    " system_prompt, reasoning_effort, temperature, import_batch)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

Work = Callable[[sqlite3.Connection], None]


class ImportInterruptedError(GrokdeskError):
    """The import stalled so long that its hidden rows were cleaned up as abandoned."""

    hint = "nothing was imported; run the import again"


class _Discarded(Exception):
    """Thrown into the open slice's transaction so that it rolls back."""


@dataclass(slots=True)
class _Hidden:
    """One staged conversation: its hidden row, its real uuid, its newest message time,
    the stored ids of its messages (by their record ids), the messages to hang under a
    message already in the history (stored id -> that message's uuid), and the record
    id of the message to make the current leaf (None: the history's own leaf stays)."""

    row: int
    uuid: str
    latest: float | None
    leaf: int | None
    anchors: dict[int, str]
    positions: int = 0
    ids: dict[int, int] = field(default_factory=dict)


def _conversation_row(c: Conversation, holder: str, batch: str) -> tuple[object, ...]:
    s = c.settings
    return (holder, c.title, c.created_at, c.updated_at, int(c.pinned), s.provider, s.model,
            s.system_prompt, s.reasoning_effort, s.temperature, batch)


def message_row(m: Message, conversation_id: int, position: int, parent_id: int | None
                ) -> dict[str, object]:
    """The ``INSERT_NODE`` parameters for ``m``, as it was exported, under ``parent_id``."""
    # Nothing streams into an imported message: one exported mid-stream is interrupted.
    status = "interrupted" if m.status == "streaming" else m.status
    return message_values(m, position, conversation_id=conversation_id, status=status,
                          parent_id=parent_id) | {"id": None}


class Staging:
    """One import's hidden rows: :meth:`add`, then :meth:`reveal` or :meth:`discard`."""

    def __init__(self, history: History, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.history = history
        self.batch = f"import-{uuidlib.uuid4()}"
        self._clock, self._sleep = clock, sleep
        self._hidden: list[_Hidden] = []
        self._open: contextlib.ExitStack | None = None
        self._conn: sqlite3.Connection | None = None
        self._started = 0.0
        with history.batch() as conn:
            conn.execute("INSERT INTO import_batches (id, heartbeat) VALUES (?, ?)",
                         (self.batch, self._clock()))

    def add(self, conversation: Conversation, messages: Sequence[Message], *,
            anchors: dict[int, str] | None = None, leaf: int | None = None) -> None:
        """Stage ``conversation`` with ``messages`` (the ones new to the history, parents
        first; a ``parent_id`` is the record id of another of them, or None).

        ``anchors`` maps a message (record id) without a parent here to the uuid of the
        history's message it follows; ``leaf`` (record id) becomes the current leaf.
        """
        latest = max((m.updated_at for m in messages), default=None)
        hidden = _Hidden(0, conversation.uuid, latest, leaf, {})
        anchored = anchors or {}

        def insert(conn: sqlite3.Connection) -> None:
            holder = f"{self.batch}:{len(self._hidden)}"
            cursor = conn.execute(_INSERT_HIDDEN,
                                  _conversation_row(conversation, holder, self.batch))
            assert cursor.lastrowid is not None
            hidden.row = cursor.lastrowid

        self._write(insert)
        self._hidden.append(hidden)
        for start in range(0, len(messages), SLICE_MESSAGES):
            chunk = messages[start:start + SLICE_MESSAGES]

            def insert_messages(conn: sqlite3.Connection,
                                chunk: Sequence[Message] = chunk) -> None:
                for m in chunk:
                    hidden.positions += 1
                    parent = None if m.parent_id is None else hidden.ids[m.parent_id]
                    cursor = conn.execute(INSERT_NODE, message_row(m, hidden.row,
                                                                   hidden.positions, parent))
                    assert cursor.lastrowid is not None
                    hidden.ids[m.id] = cursor.lastrowid
                    if m.id in anchored:
                        hidden.anchors[cursor.lastrowid] = anchored[m.id]

            self._write(insert_messages)

    def reveal(self) -> None:
        """Show everything staged, in one short transaction."""
        self._commit(pause=False)
        with self.history.batch() as conn:
            self._beat(conn)
            for hidden in self._hidden:
                target = conn.execute(
                    "SELECT id FROM conversations WHERE uuid = ? AND import_batch IS NULL",
                    (hidden.uuid,)).fetchone()
                if target is None:
                    conn.execute("UPDATE conversations SET uuid = ?, import_batch = NULL,"
                                 " current_leaf_id = ? WHERE id = ?",
                                 (hidden.uuid, self._leaf_of(hidden), hidden.row))
                    self._anchor(conn, hidden, hidden.row, None)
                    recount_path(conn, hidden.row)
                    continue
                self._move(conn, hidden, int(target[0]))
            conn.execute("DELETE FROM import_batches WHERE id = ?", (self.batch,))

    @staticmethod
    def _leaf_of(hidden: _Hidden) -> int | None:
        return None if hidden.leaf is None else hidden.ids[hidden.leaf]

    @staticmethod
    def _anchor(conn: sqlite3.Connection, hidden: _Hidden, conversation_id: int,
                fallback: int | None) -> None:
        """Hang each anchored message under its parent in ``conversation_id``, found by
        uuid; where that parent is not there (deleted meanwhile, or a message of another
        conversation), under ``fallback`` (None: it stays a root)."""
        for message_id, parent_uuid in hidden.anchors.items():
            row = conn.execute("SELECT id FROM messages WHERE uuid = ? AND conversation_id = ?",
                               (parent_uuid, conversation_id)).fetchone()
            parent = fallback if row is None else int(row[0])
            if parent is not None:
                conn.execute("UPDATE messages SET parent_id = ? WHERE id = ?",
                             (parent, message_id))

    def discard(self) -> None:
        """Roll back the open slice and delete what was staged (never raises)."""
        if self._open is not None:
            stack, self._open = self._open, None
            rollback = _Discarded()
            with contextlib.suppress(_Discarded, DatabaseError, sqlite3.Error):
                stack.__exit__(_Discarded, rollback, None)
        with contextlib.suppress(DatabaseError, sqlite3.Error):
            self.history.discard_import(self.batch)

    def _move(self, conn: sqlite3.Connection, hidden: _Hidden, target: int) -> None:
        """Move the hidden conversation's messages into ``target``, each under its parent
        (a message whose parent is nowhere in ``target`` follows its current leaf); the
        staged leaf, when there is one, becomes current. The hidden row is dropped."""
        leaf = current_leaf(conn, target)
        row = conn.execute("SELECT COALESCE(MAX(position), 0) FROM messages"
                           " WHERE conversation_id = ?", (target,)).fetchone()
        conn.execute("UPDATE messages SET conversation_id = ?, position = position + ?"
                     " WHERE conversation_id = ?", (target, int(row[0]), hidden.row))
        self._anchor(conn, hidden, target, leaf)
        conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                     (leaf if hidden.leaf is None else self._leaf_of(hidden), target))
        recount_path(conn, target)
        if hidden.latest is not None:
            conn.execute("UPDATE conversations SET updated_at = MAX(updated_at, ?)"
                         " WHERE id = ?", (hidden.latest, target))
        conn.execute("DELETE FROM conversations WHERE id = ?", (hidden.row,))

    def _write(self, work: Work) -> None:
        """Run ``work`` in the current slice, starting one if needed and ending it in time."""
        if self._open is None:
            stack = contextlib.ExitStack()
            self._conn = stack.enter_context(self.history.batch())
            self._open, self._started = stack, time.monotonic()
            self._beat(self._conn)
        assert self._conn is not None
        work(self._conn)
        if time.monotonic() - self._started >= SLICE_SECONDS:
            self._commit(pause=True)

    def _commit(self, *, pause: bool) -> None:
        if self._open is None:
            return
        stack, self._open = self._open, None
        stack.close()
        if pause:
            self._sleep(PAUSE_SECONDS)

    def _beat(self, conn: sqlite3.Connection) -> None:
        cursor = conn.execute("UPDATE import_batches SET heartbeat = ? WHERE id = ?",
                              (self._clock(), self.batch))
        if cursor.rowcount == 0:
            raise ImportInterruptedError(
                "the import paused so long that it was taken for abandoned and removed")
