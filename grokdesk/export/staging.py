"""Writing an import in short transactions, hidden until one short transaction shows it.

The window and ``grokdesk ask`` write the same history file and give up after the
busy timeout, so an import may not hold the write lock for long. Each conversation is
written as a hidden row (``import_batch`` set) with its messages, a slice at a time:
a transaction ends after ``SLICE_SECONDS`` and the lock is left free for
``PAUSE_SECONDS``, about as often as SQLite's busy handler retries. At the end one
transaction reveals everything (new conversations get their real uuid, messages for
existing ones move over), so a user sees all of an import or none of it. A failed or
cancelled import deletes its rows; those of a process that died are removed by the
next ``History`` that opens the file, once the import's heartbeat is stale.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grokdesk.errors import GrokdeskError
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.models import Conversation, Message
from grokdesk.storage.repository import (
    INSERT_MESSAGE,
    History,
    current_leaf,
    message_values,
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
    """One staged conversation: its hidden row, its real uuid, its newest message time."""

    row: int
    uuid: str
    latest: float | None
    positions: int = 0


def _conversation_row(c: Conversation, holder: str, batch: str) -> tuple[object, ...]:
    s = c.settings
    return (holder, c.title, c.created_at, c.updated_at, int(c.pinned), s.provider, s.model,
            s.system_prompt, s.reasoning_effort, s.temperature, batch)


def message_row(m: Message, conversation_id: int, position: int) -> dict[str, object]:
    """The ``INSERT_MESSAGE`` parameters for ``m``, as it was exported."""
    # Nothing streams into an imported message: one exported mid-stream is interrupted.
    status = "interrupted" if m.status == "streaming" else m.status
    return message_values(m, position, conversation_id=conversation_id, status=status)


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

    def add(self, conversation: Conversation, messages: Sequence[Message]) -> None:
        """Stage ``conversation`` with ``messages`` (the ones new to the history)."""
        latest = max((m.updated_at for m in messages), default=None)
        hidden = _Hidden(0, conversation.uuid, latest)

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
                first = hidden.positions + 1
                conn.executemany(INSERT_MESSAGE, (message_row(m, hidden.row, first + i)
                                                  for i, m in enumerate(chunk)))
                hidden.positions += len(chunk)

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
                    conn.execute("UPDATE conversations SET uuid = ?, import_batch = NULL"
                                 " WHERE id = ?", (hidden.uuid, hidden.row))
                    continue
                self._move(conn, hidden, int(target[0]))
            conn.execute("DELETE FROM import_batches WHERE id = ?", (self.batch,))

    def discard(self) -> None:
        """Roll back the open slice and delete what was staged (never raises)."""
        if self._open is not None:
            stack, self._open = self._open, None
            rollback = _Discarded()
            with contextlib.suppress(_Discarded, DatabaseError, sqlite3.Error):
                stack.__exit__(_Discarded, rollback, None)
        with contextlib.suppress(DatabaseError, sqlite3.Error):
            self.history.discard_import(self.batch)

    @staticmethod
    def _move(conn: sqlite3.Connection, hidden: _Hidden, target: int) -> None:
        """Append the hidden conversation's messages to ``target`` (after its current
        leaf, which moves to the last one appended) and drop the hidden row."""
        conn.execute("UPDATE messages SET parent_id = ? WHERE conversation_id = ?"
                     " AND parent_id IS NULL", (current_leaf(conn, target), hidden.row))
        row = conn.execute("SELECT COALESCE(MAX(position), 0) FROM messages"
                           " WHERE conversation_id = ?", (target,)).fetchone()
        conn.execute("UPDATE messages SET conversation_id = ?, position = position + ?"
                     " WHERE conversation_id = ?", (target, int(row[0]), hidden.row))
        conn.execute("UPDATE conversations SET current_leaf_id = NULL WHERE id = ?", (target,))
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
