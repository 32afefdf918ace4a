"""Opening the history file: pragmas, migrations, backups and the typed refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from grokdesk.storage.db import (
    MIGRATIONS,
    CorruptDatabaseError,
    Database,
    DatabaseAccessError,
    DatabaseBusyError,
    DatabaseError,
    NewerDatabaseError,
    backup_path_for,
    open_database,
    split_statements,
)

V2 = (*MIGRATIONS, "ALTER TABLE conversations ADD COLUMN folder TEXT;")


def _conversation_count(db: Database) -> int:
    row = db.fetchone("SELECT COUNT(*) FROM conversations")
    assert row is not None
    return int(row[0])


def _add_conversation(db: Database, title: str = "kept") -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO conversations (uuid, title, created_at, updated_at)"
                     " VALUES (lower(hex(randomblob(16))), ?, 0, 0)", (title,))


def _write_raw(path: Path, *statements: str) -> None:
    """Build a file with plain sqlite3, in rollback-journal mode so it is one file."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def test_new_file_gets_schema_and_pragmas(tmp_path: Path) -> None:
    with open_database(tmp_path / "h.sqlite3") as db:
        pragma = db.connection.execute
        assert db.user_version == len(MIGRATIONS)
        assert pragma("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert pragma("PRAGMA foreign_keys").fetchone()[0] == 1
        assert pragma("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert pragma("PRAGMA busy_timeout").fetchone()[0] == 5000
        tables = {r[0] for r in db.fetchall("SELECT name FROM sqlite_master")}
        assert {"conversations", "messages", "conversations_fts", "messages_fts"} <= tables
        assert db.backup_path is None
    assert db.closed
    assert list(tmp_path.glob("*.bak")) == []


def test_reopen_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path) as db:
        _add_conversation(db)
    with open_database(path) as db:
        assert _conversation_count(db) == 1
        assert db.backup_path is None


def test_migration_backs_up_first_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path) as db:
        _add_conversation(db)
    with open_database(path, migrations=V2) as db:
        assert db.user_version == len(V2)
        assert _conversation_count(db) == 1
        db.fetchall("SELECT folder FROM conversations")
        assert db.backup_path == tmp_path / f"h.sqlite3.v{len(MIGRATIONS)}.bak"
    backup = sqlite3.connect(tmp_path / f"h.sqlite3.v{len(MIGRATIONS)}.bak")
    assert backup.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert backup.execute("SELECT title FROM conversations").fetchall() == [("kept",)]
    backup.close()


def test_second_backup_of_same_version_gets_a_timestamped_name(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    older = tmp_path / f"h.sqlite3.v{len(MIGRATIONS)}.bak"
    older.write_bytes(b"an older backup")
    with open_database(path) as db:
        _add_conversation(db)
    with open_database(path, migrations=V2) as db:
        assert db.backup_path is not None
        assert db.backup_path.name.startswith(f"h.sqlite3.v{len(MIGRATIONS)}.")
        assert db.backup_path.name.endswith(".bak")
        assert db.backup_path != older
    assert older.read_bytes() == b"an older backup"
    assert backup_path_for(path, len(MIGRATIONS)) != db.backup_path  # names never collide


def test_failed_migration_rolls_back_everything(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path) as db:
        _add_conversation(db)
    broken = (*MIGRATIONS, "CREATE TABLE folders (id INTEGER); SELECT * FROM no_such_table;")
    with pytest.raises(sqlite3.OperationalError):
        open_database(path, migrations=broken)
    with open_database(path) as db:
        assert db.user_version == len(MIGRATIONS)
        assert _conversation_count(db) == 1
        assert db.fetchone("SELECT 1 FROM sqlite_master WHERE name = 'folders'") is None


def test_newer_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    _write_raw(path, "CREATE TABLE future (x)", "PRAGMA user_version = 7")
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError) as caught:
        open_database(path)
    message = str(caught.value)
    assert "version 7" in message
    assert "Update grokdesk" in message
    assert caught.value.found == 7
    assert isinstance(caught.value, DatabaseError)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite3"]


def test_newer_version_still_in_the_wal_is_refused(tmp_path: Path) -> None:
    """The header can be stale while another process holds an un-checkpointed WAL."""
    path = tmp_path / "h.sqlite3"
    with open_database(path):
        pass
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("PRAGMA user_version = 9")
    try:
        before = path.read_bytes()
        with pytest.raises(NewerDatabaseError, match="version 9"):
            open_database(path)
        assert path.read_bytes() == before
    finally:
        holder.close()


@pytest.mark.parametrize("content", [b"this is not a database at all" * 200,
                                     b"\x00" * 4096])
def test_foreign_file_is_reported_corrupt_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(content)
    with pytest.raises(CorruptDatabaseError, match="damaged or is not a grokdesk database"):
        open_database(path)
    assert path.read_bytes() == content


def test_damaged_schema_is_reported_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    _write_raw(path, "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # the schema b-tree on page 1
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError):
        open_database(path)


def test_missing_folder_is_an_access_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseAccessError, match="cannot open"):
        open_database(tmp_path / "missing" / "h.sqlite3")


def test_lock_held_too_long_is_a_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path, busy_timeout_ms=50) as db, open_database(path) as other:
        with other.transaction(), pytest.raises(DatabaseBusyError, match="busy"):
            _add_conversation(db)
        _add_conversation(db)  # and works again once the lock is released
        assert _conversation_count(db) == 1


def test_transaction_rolls_back_on_error_and_nests(tmp_path: Path) -> None:
    with open_database(tmp_path / "h.sqlite3") as db:
        with pytest.raises(RuntimeError), db.transaction():
            _add_conversation(db)
            with db.transaction():
                _add_conversation(db)
            raise RuntimeError("boom")
        assert _conversation_count(db) == 0
        assert not db.connection.in_transaction
        with db.transaction():
            _add_conversation(db)
            _add_conversation(db)
        assert _conversation_count(db) == 2


def test_close_is_idempotent(tmp_path: Path) -> None:
    db = open_database(tmp_path / "h.sqlite3")
    db.close()
    db.close()
    assert db.closed


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    script = """
        CREATE TABLE a (x TEXT DEFAULT ';');
        CREATE TRIGGER t AFTER INSERT ON a BEGIN
            INSERT INTO a VALUES ('x;y'); DELETE FROM a;
        END;
        -- a comment; with a semicolon
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(ValueError, match="incomplete"):
        split_statements("CREATE TRIGGER u AFTER INSERT ON a BEGIN SELECT 1;")
