"""Opening a damaged history file: move it aside, salvage what SQLite can read, start clean.

A damaged file must cost the user neither the app (it has to start) nor their history
(the file is never deleted). So the file and its ``-wal``/``-shm`` companions are
renamed to ``<name>.corrupt-<timestamp>``, the rows SQLite can still read from a working
copy of them are copied into a fresh file at the original path, and a
:class:`RecoveryReport` says what happened, for the window and the command line to show.

Damage is looked for at open with ``PRAGMA quick_check``: a file whose header and first
page are sound opens without complaint and only fails later, mid-session, when a query
reaches the broken page. The check reads the whole file (about a millisecond per MB
when cached: 0.25 s for a 260 MB history), which is the price of finding the damage
before the user's work depends on it.

Salvage is plain SQL over the copy, table by table in rowid order, stepping over the
rowids whose pages cannot be read; each row is inserted on its own, so one bad row costs
only itself. Messages whose conversation was lost are kept in a placeholder conversation.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grokdesk.storage.db import (
    RECOUNT_PATHS,
    CorruptDatabaseError,
    Database,
    DatabaseAccessError,
    open_database,
    refuse_newer,
    refuse_newer_connection,
    split_statements,
    translate_error,
)
from grokdesk.storage.models import new_uuid
from grokdesk.storage.session import SessionMarker

#: Companion files SQLite keeps next to the database, moved together with it.
COMPANIONS = ("-wal", "-shm")
#: Tables copied from a damaged file; everything else (search indexes) is rebuilt.
SALVAGED_TABLES = ("conversations", "messages")
PLACEHOLDER_TITLE = "Recovered conversation"
#: Rowids probed one by one past a damaged page before the steps start doubling.
LINEAR_PROBES = 10_000
_MAX_ROWID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What recovery did: where the damaged file went and how much came back."""

    moved_to: Path
    problem: str
    conversations: int
    messages: int
    readable: bool

    def describe(self) -> str:
        """One or two sentences for the user (the CLI prints it, the window shows it)."""
        head = f"The history file was damaged; it was moved to {self.moved_to}."
        if not self.readable:
            return f"{head} Nothing could be read from it; a new history was started."
        return (f"{head} {_count(self.conversations, 'conversation')} and "
                f"{_count(self.messages, 'message')} were recovered.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def open_after_last_session(path: Path, marker: SessionMarker
                            ) -> tuple[Database, RecoveryReport | None]:
    """Open the history for a session: the full check only after a crash, then mark
    this process as using it (the caller ends the marker when it closes the history)."""
    check = marker.previous_session_crashed()
    opened = open_history_with_recovery(path, check=check)
    marker.start()
    return opened


def open_history_with_recovery(path: Path, *, check: bool = True
                               ) -> tuple[Database, RecoveryReport | None]:
    """Open the history at ``path``, recovering it first if it is damaged.

    Returns the open database and, when recovery happened, its report. ``check=False``
    skips the full-file check (damage is then found only when SQLite reports it at
    open). Errors other than damage (permissions, a full disk, a newer file, another
    process holding the lock) are raised as ``DatabaseError`` exactly as
    :func:`~grokdesk.storage.db.open_database` raises them. The version comes first: a
    file from a newer grokdesk may hold a schema this SQLite cannot parse, which would
    look like damage; it is refused untouched instead.
    """
    path = Path(path)
    refuse_newer(path)
    problem = find_damage(path) if check else None
    if problem is None:
        try:
            return open_database(path), None
        except CorruptDatabaseError as exc:
            problem = find_damage(path) or _open_again(path, exc)
            if problem is None:
                return open_database(path), None
    return recover(path, problem)


def _open_again(path: Path, first: CorruptDatabaseError) -> str | None:
    """Whether a file whose check found nothing still fails to open as damaged.

    Another process changing the file at that very moment can make one open fail as
    if it were damaged; a sound file must never be moved aside for that. None when a
    second open works (its connection is closed again: the caller opens for good).
    """
    try:
        open_database(path).close()
    except CorruptDatabaseError as again:
        return str(again) or str(first)
    return None


def find_damage(path: Path) -> str | None:
    """SQLite's own description of the first problem in the file, or None when it is sound.

    The check uses a read-only connection: closing a writable one would checkpoint the
    WAL into the damaged file and delete it, changing the very files that are about to
    be moved aside. Only damage counts; a file that cannot be checked for another reason
    (permissions, a lock) is left for :func:`open_database` to report. A file a newer
    grokdesk wrote (its version still in the WAL) raises NewerDatabaseError.
    """
    try:
        if path.stat().st_size == 0:
            return None
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (OSError, sqlite3.Error):
        return None
    try:
        refuse_newer_connection(conn, path)
        row = conn.execute("PRAGMA quick_check(1)").fetchone()
    except sqlite3.Error as exc:
        damaged = isinstance(translate_error(exc, path), CorruptDatabaseError)
        return str(exc) if damaged else None
    finally:
        conn.close()
    result = str(row[0]) if row is not None else "no result"
    return None if result == "ok" else result


def recover(path: Path, problem: str) -> tuple[Database, RecoveryReport]:
    """Move the damaged file aside, start a fresh one and copy in what can be read."""
    moved = move_aside(path, problem)
    db = open_database(path)
    try:
        conversations, messages, readable = _salvage(moved, db)
    except BaseException:
        db.close()
        raise
    return db, RecoveryReport(moved, problem, conversations, messages, readable)


def move_aside(path: Path, problem: str = "") -> Path:
    """Rename the file and its companions to ``<name>.corrupt-<timestamp>``; return the new path.

    Companions go first: a crash halfway then leaves a main file without its old WAL
    (the next start recovers it again) rather than a stale WAL beside a missing file.
    """
    target = _free_name(path)
    try:
        for suffix in (*COMPANIONS, ""):
            source = Path(f"{path}{suffix}")
            if source.exists():
                os.rename(source, Path(f"{target}{suffix}"))
    except OSError as exc:
        raise DatabaseAccessError(
            f"The history file {path} is damaged ({problem or 'unreadable'}) and could not "
            f"be moved aside ({exc.strerror or exc}). Move or rename it yourself, then "
            "start grokdesk again.", path) from exc
    return target


def _free_name(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while any(Path(f"{candidate}{s}").exists() for s in ("", *COMPANIONS)):
        counter += 1
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    return candidate


def _salvage(moved: Path, db: Database) -> tuple[int, int, bool]:
    """Copy readable rows from a working copy of ``moved`` into ``db``.

    The copy keeps the moved-aside files byte for byte as they were (opening them would
    let SQLite replay and checkpoint the WAL into them). Returns the conversations and
    messages now in ``db`` and whether the old file could be read at all.
    """
    workdir = Path(tempfile.mkdtemp(prefix=".grokdesk-recover-", dir=moved.parent))
    try:
        copy = workdir / "copy.sqlite3"
        try:
            shutil.copyfile(moved, copy)
            wal = Path(f"{moved}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{copy}-wal"))
        except OSError:
            return 0, 0, False
        source = sqlite3.connect(copy, isolation_level=None)
        try:
            # Tolerate damaged schema entries (a lost index definition) so the tables'
            # own entries can still be used. Only the working copy is opened this way.
            source.execute("PRAGMA writable_schema = ON")
            return _copy_rows(source, db)
        finally:
            source.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")]


def _copy_rows(source: sqlite3.Connection, db: Database) -> tuple[int, int, bool]:
    try:
        old_columns = {table: set(_columns(source, table)) for table in SALVAGED_TABLES}
    except sqlite3.Error:
        return 0, 0, False
    if not any(old_columns.values()):
        return 0, 0, False
    target = db.connection
    with db.transaction():
        conversation_ids: set[int] = set()
        for table in SALVAGED_TABLES:
            columns = [c for c in _columns(target, table) if c in old_columns[table]]
            if "id" not in columns:
                continue
            insert = (f"INSERT INTO {table} ({', '.join(columns)}) "
                      f"VALUES ({', '.join('?' * len(columns))})")
            parents: dict[int, object] = {}
            for row in readable_rows(source, table, columns):
                values = dict(zip(columns, row, strict=True))
                placeholder = None
                target.execute("SAVEPOINT salvage_row")
                try:
                    if table == "messages":
                        placeholder = _add_placeholder(target, values, conversation_ids)
                        row = _without_parent(values, parents)
                    target.execute(insert, row)
                except sqlite3.Error:
                    target.execute("ROLLBACK TO salvage_row")
                else:
                    owner = values["id"] if table == "conversations" else placeholder
                    if isinstance(owner, int):
                        conversation_ids.add(owner)
                target.execute("RELEASE salvage_row")
            if table == "messages":
                _link_parents(target, parents, "parent_id" in old_columns[table])
        for statement in split_statements(RECOUNT_PATHS):
            target.execute(statement)
    counts = [int(target.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
              for t in SALVAGED_TABLES]
    return counts[0], counts[1], True


def _without_parent(values: dict[str, object], parents: dict[int, object]) -> tuple[object, ...]:
    """The row with no parent yet, the parent noted: a parent may come later in rowid
    order, or be lost, and the foreign key would refuse the row."""
    if isinstance(values.get("id"), int) and values.get("parent_id") is not None:
        parents[int(values["id"])] = values["parent_id"]  # type: ignore[call-overload]
    return tuple(None if name == "parent_id" else value for name, value in values.items())


def _link_parents(conn: sqlite3.Connection, parents: dict[int, object],
                  had_parents: bool) -> None:
    """Give each salvaged message its parent back where that was recovered too; one
    whose parent was lost, and every message of a file from before trees, follows the
    message before it (in insertion order)."""
    orphans = []
    for message_id, parent_id in parents.items():
        cursor = conn.execute(
            "UPDATE messages SET parent_id = ? WHERE id = ? AND EXISTS (SELECT 1 FROM"
            " messages AS p WHERE p.id = ? AND p.conversation_id = messages.conversation_id)",
            (parent_id, message_id, parent_id))
        if cursor.rowcount == 0:
            orphans.append(message_id)
    chain = ("UPDATE messages SET parent_id = (SELECT p.id FROM messages AS p"
             " WHERE p.conversation_id = messages.conversation_id"
             " AND p.position < messages.position ORDER BY p.position DESC LIMIT 1)")
    if not had_parents:
        conn.execute(chain)
    for message_id in orphans:
        conn.execute(chain + " WHERE id = ?", (message_id,))


def _add_placeholder(conn: sqlite3.Connection, message: dict[str, object],
                     known: set[int]) -> int | None:
    """Give a message whose conversation was lost a placeholder conversation to live in.

    Returns the id of the conversation it created, if it created one.
    """
    conversation_id = message.get("conversation_id")
    if not isinstance(conversation_id, int) or conversation_id in known:
        return None
    when = message.get("created_at")
    stamp = float(when) if isinstance(when, int | float) else time.time()
    conn.execute(
        "INSERT INTO conversations (id, uuid, title, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (conversation_id, new_uuid(), PLACEHOLDER_TITLE, stamp, stamp))
    return conversation_id


def readable_rows(conn: sqlite3.Connection, table: str, columns: list[str]
                  ) -> Iterator[tuple[object, ...]]:
    """Every row of ``table`` SQLite can still read, in rowid order.

    When reading fails, the scan restarts just past the last good rowid and probes
    forward: one rowid at a time for :data:`LINEAR_PROBES` tries (a damaged leaf holds a
    few rows), then doubling the step, so even a table whose every page is lost ends
    after a bounded number of tries. Rowids start at 1 in grokdesk's tables.
    """
    select = (f"SELECT rowid, {', '.join(columns)} FROM {table}"
              " WHERE rowid > ? ORDER BY rowid")
    after = 0
    failures = 0
    while after < _MAX_ROWID:
        try:
            for row in conn.execute(select, (after,)):
                after = int(row[0])
                failures = 0
                yield tuple(row[1:])
            return
        except sqlite3.Error:
            failures += 1
            step = 1 if failures <= LINEAR_PROBES else 2 ** min(failures - LINEAR_PROBES, 62)
            after = min(_MAX_ROWID, after + step)
