"""Session markers: the full damage check runs only after a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grokdesk.storage.recovery import open_after_last_session
from grokdesk.storage.session import SessionMarker


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_a_clean_end_leaves_nothing_and_a_dead_process_marker_means_a_crash(
        tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    marker = SessionMarker(database)
    assert not marker.previous_session_crashed()
    marker.start()
    assert marker.path.exists()
    assert not SessionMarker(database).previous_session_crashed(), "a live process is fine"
    marker.end()
    assert not marker.path.exists()
    (tmp_path / f".{database.name}.running-{_dead_pid()}").touch()
    assert marker.previous_session_crashed()
    marker.start()
    assert not marker.previous_session_crashed(), "the dead marker was cleared"
    marker.end()


def test_damage_is_found_at_the_start_after_a_crash(tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    db, report = open_after_last_session(database, SessionMarker(database))
    with db.transaction() as conn:
        conn.execute("INSERT INTO conversations (uuid, title, created_at, updated_at, pinned)"
                     " VALUES ('u1', 'kept', 1, 1, 0)")
    db.close()
    assert report is None
    (tmp_path / f".{database.name}.running-{_dead_pid()}").touch()
    data = bytearray(database.read_bytes())
    page = 4096
    data[2 * page:3 * page] = b"\xff" * page
    database.write_bytes(bytes(data))
    db, report = open_after_last_session(database, SessionMarker(database))
    db.close()
    assert report is not None and "damaged" in report.describe()
