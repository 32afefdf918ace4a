"""A history file from a newer grokdesk is refused untouched, never "recovered".

A newer schema may use SQL this SQLite cannot parse; to a damage check that looks just
like a damaged file. The version is read first, so such a file keeps every byte, gets
no ``-wal``/``-shm``/backup beside it and is not moved aside.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grokdesk.app import open_history
from grokdesk.storage.db import MIGRATIONS, NewerDatabaseError, open_database
from grokdesk.storage.recovery import open_history_with_recovery
from grokdesk.storage.session import PREFIX, SessionMarker

NEWER = len(MIGRATIONS) + 1

#: Schema text a newer SQLite (or a newer grokdesk) might write and this one rejects.
UNPARSEABLE = [
    "CREATE TABLE future (x INTEGER) FUTURE_OPTION",
    "CREATE TABLE future (x ANY) STRICT, SHARDED",
    "CREATE TABLE future (a INT, b INT GENERATED ALWAYS AS (a * 2) PERSISTED)",
    "CREATE TABLE future (x INTEGER CHECK2 (x > 0))",
    "CREATE TABLE future (x",
]


def _history(path: Path, version: int, future_sql: str | None, journal: str) -> None:
    """A real grokdesk history with one conversation, then moved to ``version`` with a
    ``future`` table whose stored SQL is ``future_sql`` (None: a parseable one)."""
    with open_database(path) as db, db.transaction() as conn:
        conn.execute("INSERT INTO conversations (uuid, title, created_at, updated_at)"
                     " VALUES ('u-1', 'kept', 0, 0)")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA journal_mode = {journal}")
        conn.execute("CREATE TABLE future (x)")
        conn.execute(f"PRAGMA user_version = {version}")
        if future_sql is not None:
            conn.execute("PRAGMA writable_schema = ON")
            conn.execute("UPDATE sqlite_schema SET sql = ? WHERE name = 'future'",
                         (future_sql,))
    finally:
        conn.close()


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.is_file()}


CASES = [pytest.param(None, id="parseable")] + [
    pytest.param(sql, id=f"unparseable-{i}") for i, sql in enumerate(UNPARSEABLE)]


@pytest.fixture(params=["wal", "delete"])
def journal(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_unparseable_schemas_really_are_unparseable(tmp_path: Path, journal: str) -> None:
    """The positive control: without the version check first, these look damaged."""
    for i, sql in enumerate(UNPARSEABLE):
        path = tmp_path / f"h{i}.sqlite3"
        _history(path, NEWER, sql, journal)
        conn = sqlite3.connect(path)
        try:
            with pytest.raises(sqlite3.DatabaseError, match="malformed database schema"):
                conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()


@pytest.mark.parametrize("future_sql", CASES)
@pytest.mark.parametrize("how", ["recovery", "app", "app-after-a-crash"])
def test_a_newer_file_is_refused_untouched(tmp_path: Path, journal: str, how: str,
                                           future_sql: str | None) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "history.sqlite3"
    _history(path, NEWER + 5, future_sql, journal)
    marker = SessionMarker(path)
    if how == "app-after-a-crash":
        (folder / f".{path.name}{PREFIX}999999999").touch()
        assert marker.previous_session_crashed()
    before = _snapshot(folder)
    with pytest.raises(NewerDatabaseError) as caught:
        if how == "recovery":
            open_history_with_recovery(path)
        else:
            open_history(path, marker if how == "app-after-a-crash" else None)
    assert "newer version of grokdesk" in str(caught.value)
    assert "Update grokdesk" in str(caught.value)
    assert _snapshot(folder) == before


@pytest.mark.parametrize("future_sql", CASES)
def test_cli_refuses_a_newer_file_untouched(tmp_path: Path, journal: str,
                                            future_sql: str | None) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "history.sqlite3"
    _history(path, NEWER, future_sql, journal)
    before = _snapshot(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROKDESK_")}
    env["GROKDESK_DATA_DIR"] = str(tmp_path)
    for command in (["list"], ["search", "kept"]):
        done = subprocess.run([sys.executable, "-m", "grokdesk", *command], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode != 0
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert "newer version of grokdesk" in lines[0] and "damaged" not in lines[0]
        assert _snapshot(folder) == before


def test_a_newer_version_only_in_the_wal_is_refused_by_the_damage_check(tmp_path: Path) -> None:
    """A newer grokdesk still running holds its version in the WAL; the header is stale."""
    path = tmp_path / "history.sqlite3"
    _history(path, len(MIGRATIONS), None, "wal")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute(f"PRAGMA user_version = {NEWER}")
        holder.execute("PRAGMA writable_schema = ON")
        holder.execute("UPDATE sqlite_schema SET sql = ? WHERE name = 'future'",
                       (UNPARSEABLE[0],))
        before = path.read_bytes()
        with pytest.raises(NewerDatabaseError):
            open_history_with_recovery(path)
        assert path.read_bytes() == before
        assert not list(tmp_path.glob("*.corrupt-*"))
    finally:
        holder.close()
