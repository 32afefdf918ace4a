"""The window's commits leave checkpoints to a thread of their own (real SQLite files)."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grokdesk.storage.checkpoints import BackgroundCheckpoints
from grokdesk.storage.db import _OPEN_HERE, Database, open_database

MIB = 1024 * 1024
BLOB = b"x" * (256 * 1024)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "history.sqlite3")
    with database.transaction() as conn:
        conn.execute("CREATE TABLE payload (data BLOB)")
    yield database
    database.close()


def write_mib(db: Database, mib: int) -> None:
    """``mib`` MiB in commits of 1 MiB: past SQLite's checkpoint point of 1,000 pages."""
    for _ in range(mib):
        with db.transaction() as conn:
            conn.executemany("INSERT INTO payload VALUES (?)", [(BLOB,)] * 4)


def sizes(db: Database) -> tuple[int, int]:
    """(history file, log) in bytes."""
    log = db.path.with_name(db.path.name + "-wal")
    return db.path.stat().st_size, log.stat().st_size if log.exists() else 0


def test_by_default_a_commit_past_the_log_limit_checkpoints_in_the_committing_thread(
        db: Database) -> None:
    write_mib(db, 6)
    assert sizes(db)[0] > 4 * MIB


def test_with_background_checkpoints_commits_never_checkpoint(db: Database) -> None:
    checkpoints = db.checkpoint_in_background(quiet_s=3600.0)
    assert checkpoints is not None
    write_mib(db, 6)
    history_bytes, log_bytes = sizes(db)
    assert history_bytes < MIB and log_bytes > 6 * MIB


def test_the_thread_checkpoints_once_the_commits_pause(db: Database) -> None:
    checkpoints = db.checkpoint_in_background(quiet_s=0.05)
    assert checkpoints is not None
    write_mib(db, 6)
    # A pause between two commits may already have let it checkpoint some of them.
    deadline = time.monotonic() + 20
    while sizes(db)[0] < 6 * MIB and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sizes(db)[0] > 6 * MIB


def test_closing_stops_the_thread_and_keeps_every_commit(db: Database) -> None:
    checkpoints = db.checkpoint_in_background(quiet_s=3600.0)
    assert checkpoints is not None and checkpoints.alive
    write_mib(db, 3)
    db.close()
    assert not checkpoints.alive
    assert not _OPEN_HERE.held(db.path)
    assert not db.path.with_name(db.path.name + "-wal").exists(), "the last close checkpoints"
    with sqlite3.connect(db.path) as plain:
        assert plain.execute("SELECT COUNT(*) FROM payload").fetchone()[0] == 12


def test_a_file_the_thread_cannot_open_leaves_checkpoints_in_the_commits(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    assert db.checkpoint_in_background() is None
    write_mib(db, 6)
    assert sizes(db)[0] > 4 * MIB


def test_a_thread_that_fails_is_logged_and_the_commits_checkpoint_again(
        db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_self: BackgroundCheckpoints) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(BackgroundCheckpoints, "_checkpoint", broken)
    checkpoints = db.checkpoint_in_background(quiet_s=0.01)
    assert checkpoints is not None
    with caplog.at_level(logging.WARNING):
        write_mib(db, 1)
        deadline = time.monotonic() + 20
        while checkpoints.alive and time.monotonic() < deadline:
            time.sleep(0.01)
        write_mib(db, 6)
    assert sizes(db)[0] > 4 * MIB
    db.close()
    assert not _OPEN_HERE.held(db.path), "the thread's connection is counted once"
    failed = [r for r in caplog.records if r.exc_info and "a bug" in str(r.exc_info[1])]
    ended = [r for r in caplog.records if "commits checkpoint again" in r.getMessage()]
    assert len(failed) == 1 and len(ended) == 1
