"""The history file: opening it safely, its schema and migrations, and typed errors.

The window and the command line write the same file at the same time, so every
connection uses WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writes. The schema
lives here and only here (``MIGRATIONS``); ``PRAGMA user_version`` records how many
of its steps a file has had. stdlib ``sqlite3`` only, Qt-free.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import threading
import weakref
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeAlias

from grokdesk.errors import GrokdeskError

if TYPE_CHECKING:
    from grokdesk.storage.checkpoints import BackgroundCheckpoints

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
#: The trigram tokenizer (substring search that works for CJK) arrived in SQLite 3.34.
MIN_SQLITE_VERSION = (3, 34, 0)
_SQLITE_MAGIC = b"SQLite format 3\x00"

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
_FileId: TypeAlias = tuple[int, int]

# Primary SQLite result codes the user can do something about.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3, 5, 6, 8, 10, 11, 13, 14, 26)


class DatabaseError(GrokdeskError):
    """A history problem caused by the environment; the message says what to do."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class NewerDatabaseError(DatabaseError):
    """The file comes from a newer grokdesk; it was left exactly as it was."""

    def __init__(self, path: Path, found: int, known: int) -> None:
        super().__init__(
            f"The history file {path} was written by a newer version of grokdesk "
            f"(schema version {found}; this version understands up to {known}). "
            "Update grokdesk to open it. The file has not been changed.", path)
        self.found = found
        self.known = known


class CorruptDatabaseError(DatabaseError):
    """The file is damaged or is not an SQLite database at all."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"The history file {path} is damaged or is not a grokdesk database ({detail}).",
            path)


class DatabaseBusyError(DatabaseError):
    """Another process held the write lock for longer than the busy timeout."""


class DatabaseAccessError(DatabaseError):
    """The file cannot be opened, read or written: permissions, a full disk, I/O errors."""


def translate_error(error: sqlite3.Error, path: Path) -> DatabaseError | None:
    """The user-facing error for an environment failure, or None for our own bugs."""
    primary = getattr(error, "sqlite_errorcode", -1) & 0xFF
    if primary in (_CORRUPT, _NOTADB):
        return CorruptDatabaseError(path, str(error))
    if primary in (_BUSY, _LOCKED):
        return DatabaseBusyError(
            f"The history file {path} is busy: another grokdesk window or command kept it "
            "locked for too long. Try again in a moment.", path)
    if primary == _FULL:
        return DatabaseAccessError(
            f"The disk holding the history file {path} is full. Free some space and try again.",
            path)
    if primary in (_READONLY, _PERM):
        return DatabaseAccessError(
            f"grokdesk may not write the history file {path}: check the permissions of the "
            "file and of its folder.", path)
    if primary == _CANTOPEN:
        return DatabaseAccessError(
            f"grokdesk cannot open the history file {path}: check that its folder exists and "
            "that you may write there.", path)
    if primary == _IOERR:
        return DatabaseAccessError(
            f"Reading or writing the history file {path} failed ({error}).", path)
    return None


@contextlib.contextmanager
def translated_errors(path: Path) -> Iterator[None]:
    """Re-raise environment failures as ``DatabaseError``; let our bugs through untouched."""
    try:
        yield
    except sqlite3.Error as exc:
        translated = translate_error(exc, path)
        if translated is None:
            raise
        raise translated from exc


_V1 = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    provider TEXT,
    model TEXT,
    system_prompt TEXT,
    reasoning_effort TEXT,
    temperature REAL
);
-- Read backwards, this gives the sidebar order: pinned first, newest first, newest id first.
CREATE INDEX conversations_listing ON conversations (pinned, updated_at);
CREATE INDEX conversations_recent ON conversations (updated_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL DEFAULT '',
    reasoning TEXT NOT NULL DEFAULT '',
    model TEXT,
    status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
    finish_reason TEXT,
    error TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens INTEGER,
    total_tokens INTEGER,
    cost_usd REAL,
    request_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    reasoning_started_at REAL,
    content_started_at REAL,
    finished_at REAL
);
CREATE UNIQUE INDEX messages_in_order ON messages (conversation_id, position);
CREATE INDEX messages_streaming ON messages (updated_at) WHERE status = 'streaming';

-- Full-text search over titles and answers. Trigram tokens give substring matches in any
-- script (CJK has no spaces between words); the triggers keep the external-content
-- indexes in step with their tables.
CREATE VIRTUAL TABLE conversations_fts USING fts5(
    title, content = 'conversations', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
    INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);
END;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
"""

_V2 = """
-- The reasoning effort sent with the request that produced an answer (NULL: none sent).
ALTER TABLE messages ADD COLUMN reasoning_effort TEXT;
"""

# Imports are written in short transactions as hidden conversations (``import_batch`` set)
# and revealed at once; ``import_batches`` keeps each running import's heartbeat so the
# rows of one whose process died can be told apart and removed.
_V3 = """
ALTER TABLE conversations ADD COLUMN import_batch TEXT;
CREATE INDEX conversations_importing ON conversations (import_batch)
    WHERE import_batch IS NOT NULL;
CREATE TABLE import_batches (id TEXT PRIMARY KEY, heartbeat REAL NOT NULL);
"""

# An answer is indexed for search once it stops streaming, not on every partial save:
# re-indexing a growing answer each second cost the GUI thread 0.7 s per save at 1 MB.
# Invariant: a message is in messages_fts exactly when its status is not 'streaming'.
_V4 = """
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
INSERT INTO messages_fts (messages_fts, rowid, content)
    SELECT 'delete', id, content FROM messages WHERE status = 'streaming';
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.status != 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.status != 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, status ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', old.id, old.content WHERE old.status != 'streaming';
    INSERT INTO messages_fts (rowid, content)
        SELECT new.id, new.content WHERE new.status != 'streaming';
END;
"""

# Conversations become trees: each message has a parent (NULL for a root) and each
# conversation a current leaf, whose path to the root is what is shown and sent.
# ``position`` stays the insertion order (unique per conversation); the active path is
# read from the leaf up by a recursive query over the primary key. Deleting a message
# deletes its subtree (the cascade needs ``messages_children``). Every existing list
# becomes a chain, its last message the current leaf.
_V5 = """
ALTER TABLE messages ADD COLUMN parent_id INTEGER
    REFERENCES messages (id) ON DELETE CASCADE;
ALTER TABLE conversations ADD COLUMN current_leaf_id INTEGER;
UPDATE messages SET parent_id = (
    SELECT p.id FROM messages AS p
    WHERE p.conversation_id = messages.conversation_id AND p.position < messages.position
    ORDER BY p.position DESC LIMIT 1);
CREATE INDEX messages_children ON messages (parent_id);
UPDATE conversations SET current_leaf_id = (
    SELECT m.id FROM messages AS m WHERE m.conversation_id = conversations.id
    ORDER BY m.position DESC LIMIT 1);
"""

#: Each message's depth (0: a root) from its parents, and each conversation's
#: ``message_count``: the length of its active path (the current leaf's depth + 1; with
#: no stored leaf, the newest message's). Also run after salvaging a damaged file.
RECOUNT_PATHS = """
WITH RECURSIVE walk(id, depth) AS (
    SELECT id, 0 FROM messages WHERE parent_id IS NULL
    UNION ALL
    SELECT m.id, walk.depth + 1 FROM messages AS m JOIN walk ON m.parent_id = walk.id)
UPDATE messages SET depth = walk.depth FROM walk WHERE walk.id = messages.id;
UPDATE conversations SET message_count = COALESCE(
    (SELECT l.depth + 1 FROM messages AS l
     WHERE l.id = conversations.current_leaf_id AND l.conversation_id = conversations.id),
    (SELECT x.depth + 1 FROM messages AS x WHERE x.conversation_id = conversations.id
     ORDER BY x.position DESC LIMIT 1),
    0);
"""

# The sidebar and ``grokdesk list`` show how many messages each conversation's active
# path has; counting them for ten thousand conversations at every listing cost more than
# reading the conversations. So triggers keep each message's depth, set when it is
# written (whoever writes it), and each conversation's path length whenever its current
# leaf moves (or, with no leaf stored, a message is added).
_V6 = """
ALTER TABLE messages ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
""" + RECOUNT_PATHS + """
CREATE TRIGGER conversations_path_length AFTER UPDATE OF current_leaf_id ON conversations
BEGIN
    UPDATE conversations SET message_count = COALESCE((SELECT l.depth + 1 FROM messages AS l
        WHERE l.id = new.current_leaf_id AND l.conversation_id = new.id), 0)
    WHERE id = new.id;
END;
CREATE TRIGGER messages_depth AFTER INSERT ON messages BEGIN
    UPDATE messages SET depth = COALESCE((SELECT p.depth + 1 FROM messages AS p
        WHERE p.id = new.parent_id), 0)
    WHERE id = new.id;
    UPDATE conversations SET message_count = (SELECT m.depth + 1 FROM messages AS m
        WHERE m.id = new.id)
    WHERE id = new.conversation_id AND current_leaf_id IS NULL;
END;
"""

#: Schema steps in order; a file at ``user_version`` N has had the first N applied.
#: Append, never edit: released files depend on each step staying as it was.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into single statements (trigger bodies stay whole).

    ``executescript`` would commit any open transaction first, so migrations run
    statement by statement inside their own transaction instead.
    """
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if not _is_blank(pending):
                statements.append(pending.strip())
            pending = ""
    if not _is_blank(pending):
        raise ValueError(f"incomplete SQL statement at the end of a script: {pending!r}")
    return statements


def _is_blank(sql: str) -> bool:
    """Only whitespace, semicolons and ``--`` comments."""
    return not re.sub(r"--[^\n]*", "", sql).strip(" \t\r\n;")


class Database:
    """One open connection to the history file.

    Use it from one thread. Writes go through :meth:`transaction`; reads through
    :meth:`fetchall` / :meth:`fetchone`. Both turn environment failures into
    ``DatabaseError``.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, *,
                 backup_path: Path | None = None, held: _FileId | None = None) -> None:
        self._conn = connection
        self.path = path
        #: The copy taken before this open migrated the file, if it did.
        self.backup_path = backup_path
        # Released on close, or when a connection never closed is collected.
        self._release = weakref.finalize(self, _OPEN_HERE.release, held)
        self._depth = 0
        self._closed = False
        self._checkpoints: BackgroundCheckpoints | None = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for tests and diagnostics; prefer the methods below."""
        return self._conn

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def user_version(self) -> int:
        with translated_errors(self.path):
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def data_version(self) -> int:
        """A number that changes when another connection commits (cheap change polling)."""
        with translated_errors(self.path):
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on error.

        Taking the write lock up front means a concurrent writer waits for the busy
        timeout instead of failing on a read-to-write upgrade. Nested use joins the
        outer transaction. Keep it short: the other process is waiting.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self._conn
            finally:
                self._depth -= 1
            return
        with translated_errors(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            with translated_errors(self.path):
                yield self._conn
                self._conn.execute("COMMIT")
            if self._checkpoints is not None and not self._checkpoints.poke():
                self._checkpoint_in_commits()
        except BaseException:
            if self._conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with translated_errors(self.path):
            rows: list[sqlite3.Row] = self._conn.execute(sql, params).fetchall()
            return rows

    def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with translated_errors(self.path):
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def checkpoint_in_background(self, quiet_s: float | None = None
                                 ) -> BackgroundCheckpoints | None:
        """Move the log's checkpoints out of this connection's commits, to a thread of
        their own (``storage.checkpoints``; ``quiet_s`` overrides its wait): for the
        window, which commits on the GUI thread. Until :meth:`close`. None, with nothing
        changed, when the thread's connection cannot open."""
        if self._checkpoints is not None or self._closed:
            return self._checkpoints
        from grokdesk.storage.checkpoints import QUIET_S, BackgroundCheckpoints

        held = _OPEN_HERE.hold(self.path)  # the thread's connection, until it closes
        try:
            checkpoints = BackgroundCheckpoints(self.path, lambda: _OPEN_HERE.release(held),
                                                quiet_s=QUIET_S if quiet_s is None else quiet_s)
        except sqlite3.Error as exc:
            _OPEN_HERE.release(held)
            log.warning("Checkpoints stay in the window's commits: %s", exc)
            return None
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        weakref.finalize(self, checkpoints.stop, 0.0)  # collected unclosed: it ends too
        self._checkpoints = checkpoints
        return checkpoints

    def _checkpoint_in_commits(self) -> None:
        """The checkpoint thread ended: SQLite's own checkpoints in the commits again."""
        log.warning("The history's checkpoint thread ended; commits checkpoint again")
        self._checkpoints = None
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_autocheckpoint = 1000")

    def close(self) -> None:
        """Close the connection (idempotent); the last one out checkpoints the WAL."""
        if self._closed:
            return
        self._closed = True
        if self._checkpoints is not None:
            self._checkpoints.stop()
        try:
            with contextlib.suppress(sqlite3.Error):
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                self._conn.execute("PRAGMA optimize")
            self._conn.close()
        finally:
            self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_database(path: Path, *, migrations: Sequence[str] = MIGRATIONS,
                  busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """Open (creating or migrating as needed) the history file at ``path``.

    A file from a newer grokdesk is refused before anything is written to it.
    ``migrations`` is a parameter so tests can pretend a newer schema exists.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
        needed = ".".join(map(str, MIN_SQLITE_VERSION))
        raise DatabaseError(
            f"grokdesk needs SQLite {needed} or newer, but this Python uses SQLite "
            f"{sqlite3.sqlite_version}. Install a newer Python or SQLite.", path)
    path = Path(path)
    known = len(migrations)
    _check_header(path, known)
    if not path.exists():
        with contextlib.suppress(OSError):  # sqlite3 reports what is really wrong below
            path.touch(mode=0o600, exist_ok=False)
    held = _OPEN_HERE.hold(path)
    try:
        with translated_errors(path):
            conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    except BaseException:
        _OPEN_HERE.release(held)
        raise
    try:
        with translated_errors(path):
            conn.row_factory = sqlite3.Row
            refuse_newer_connection(conn, path, known)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            backup = _migrate(conn, path, migrations)
    except BaseException:
        conn.close()
        _OPEN_HERE.release(held)
        raise
    return Database(conn, path, backup_path=backup, held=held)


class _OpenFiles:
    """The history files this process has connections to, counted by (device, inode).

    POSIX advisory locks belong to the process, and closing *any* descriptor of a file
    drops all of them. In WAL mode each SQLite connection holds a shared lock on the
    file for as long as it is open; a process that finds no such lock takes itself for
    the file's last user when it closes, checkpoints, and deletes the ``-wal`` and
    ``-shm`` files still in use here: commits written to them are lost and the next
    reader finds the file malformed. So the header is read with a plain ``open()`` only
    while no connection of this process has the file open (one that has was checked
    when it opened; SQLite's own version check still runs for each new connection).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._count: Counter[_FileId] = Counter()

    @staticmethod
    def identity(path: Path) -> _FileId | None:
        try:
            found = os.stat(path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def held(self, path: Path) -> bool:
        """Whether a connection of this process has ``path`` open (call under ``lock``)."""
        key = self.identity(path)
        return key is not None and self._count[key] > 0

    def hold(self, path: Path) -> _FileId | None:
        """Count a connection about to open ``path``; before it takes any lock."""
        with self.lock:
            key = self.identity(path)
            if key is not None:
                self._count[key] += 1
            return key

    def release(self, key: _FileId | None) -> None:
        if key is None:
            return
        with self.lock:
            self._count[key] -= 1
            if self._count[key] <= 0:
                del self._count[key]


_OPEN_HERE = _OpenFiles()


def _check_header(path: Path, known: int) -> None:
    """Refuse foreign or newer files from their first bytes, before SQLite touches them.

    SQLite would create WAL files even to read a version it then rejects; the header
    check avoids that in the usual case (the version in the header is current unless
    another process holds an un-checkpointed WAL, which ``open_database`` checks again).
    """
    try:
        header = _read_header(path)
    except OSError as exc:
        raise DatabaseAccessError(
            f"grokdesk cannot read the history file {path} ({exc.strerror or exc}).",
            path) from exc
    if not header:
        return
    if not header.startswith(_SQLITE_MAGIC):
        raise CorruptDatabaseError(path, "it does not start with an SQLite header")
    if len(header) == 100 and not _header_is_sound(header):
        raise CorruptDatabaseError(path, "its header is damaged")
    _refuse_newer_header(path, header, known)


def refuse_newer(path: Path, known: int = len(MIGRATIONS)) -> None:
    """Raise NewerDatabaseError when the file's header says a newer grokdesk wrote it.

    Only reads bytes: run before anything else looks at a file (a damage check, say), so
    a newer file is never mistaken for a damaged one, nor given ``-wal``/``-shm`` files.
    Any other problem is left for :func:`open_database` to report.
    """
    try:
        header = _read_header(path)
    except OSError:
        return
    if header.startswith(_SQLITE_MAGIC) and len(header) == 100 and _header_is_sound(header):
        _refuse_newer_header(path, header, known)


def _read_header(path: Path) -> bytes:
    """The first 100 bytes of ``path``; empty when there is no file, and when this
    process has the file open already (closing a descriptor here would drop its
    connections' locks: see :class:`_OpenFiles`)."""
    with _OPEN_HERE.lock:
        if _OPEN_HERE.held(path):
            return b""
        try:
            with path.open("rb") as file:
                return file.read(100)
        except FileNotFoundError:
            return b""


def _refuse_newer_header(path: Path, header: bytes, known: int) -> None:
    if len(header) >= 64:
        found = int.from_bytes(header[60:64], "big", signed=True)
        if found > known:
            raise NewerDatabaseError(path, found, known)


def refuse_newer_connection(conn: sqlite3.Connection, path: Path,
                            known: int = len(MIGRATIONS)) -> None:
    """Raise NewerDatabaseError when ``conn`` sees a newer version (a WAL can hold a newer
    one than the header). ``PRAGMA user_version`` needs no schema, so this works on a
    file whose schema this SQLite cannot even parse."""
    found = _user_version(conn)
    if found > known:
        raise NewerDatabaseError(path, found, known)


def _header_is_sound(header: bytes) -> bool:
    """Whether the fields SQLite fixes to known values hold them.

    Checked before the version is trusted: garbage over the header would otherwise read
    as a file from a (much) newer grokdesk, and the user would be told to update.
    """
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    power_of_two = page_size >= 512 and page_size & (page_size - 1) == 0
    return power_of_two and page_size <= 65536 and header[21:24] == b"\x40\x20\x20"


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _migrate(conn: sqlite3.Connection, path: Path, migrations: Sequence[str]) -> Path | None:
    """Bring the file up to ``len(migrations)`` in one transaction; return the backup made.

    The backup comes first and outside the write lock (SQLite cannot back up through a
    connection that is writing). Under the lock the version is read again, since the
    other grokdesk process may have migrated the file meanwhile.
    """
    target = len(migrations)
    version = _user_version(conn)
    if version == target:
        return None
    backup = _backup(conn, path, version) if _has_schema(conn) else None
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _user_version(conn)
        if version > target:
            raise NewerDatabaseError(path, version, target)
        for script in migrations[version:]:
            for statement in split_statements(script):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return backup


def _has_schema(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the file aside with the online backup API (consistent even while others write)."""
    target = backup_path_for(path, version)
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
    finally:
        copy.close()
    return target


def backup_path_for(path: Path, version: int) -> Path:
    """``<name>.v<version>.bak``, or a timestamped name if that one is taken."""
    plain = path.with_name(f"{path.name}.v{version}.bak")
    if not plain.exists():
        return plain
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.v{version}.{stamp}.bak")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.v{version}.{stamp}-{counter}.bak")
    return candidate
