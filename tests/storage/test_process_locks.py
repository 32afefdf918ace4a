"""Opening the history again in this process keeps the locks its open connections hold.

POSIX locks belong to the process, and closing any descriptor of a file drops them all.
A process that then opens and closes the history finds no lock, takes itself for the
file's last user and deletes the ``-wal``/``-shm`` files still in use here: what this
process commits afterwards is lost, and readers get "disk I/O error" or "database disk
image is malformed" (seen from ``grokdesk ask`` while the window imported a file).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

_OPEN_AND_CLOSE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10)
conn.execute("SELECT COUNT(*) FROM conversations").fetchone()
conn.close()
"""


def another_process_comes_and_goes(path: Path) -> None:
    subprocess.run([sys.executable, "-c", _OPEN_AND_CLOSE, str(path)], check=True, timeout=60)


def titles_seen_from_outside(path: Path) -> list[str]:
    conn = sqlite3.connect(path, timeout=10)
    try:
        return sorted(str(row[0]) for row in conn.execute("SELECT title FROM conversations"))
    finally:
        conn.close()


def test_a_second_connection_here_leaves_the_first_ones_lock(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first = History(open_database(path))
    first.create_conversation("Before")
    second = History(open_database(path))  # as the chat core opens one for an import
    second.db.close()
    another_process_comes_and_goes(path)
    assert Path(f"{path}-wal").exists(), "the WAL in use here was deleted by the other process"
    first.create_conversation("After")
    assert titles_seen_from_outside(path) == ["After", "Before"]
    first.db.close()


def test_a_plain_open_and_close_here_lets_another_process_delete_the_wal(
        tmp_path: Path) -> None:
    """The failure the test above guards against, made on purpose."""
    path = tmp_path / "history.sqlite3"
    first = History(open_database(path))
    first.create_conversation("Before")
    path.open("rb").close()  # what reading the header beside an open connection did
    another_process_comes_and_goes(path)
    assert not Path(f"{path}-wal").exists()
    first.db.close()
