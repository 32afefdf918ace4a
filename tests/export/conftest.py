"""Histories on real SQLite files in tmp_path, and a way to see everything they hold."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

MakeHistory = Callable[[str], History]


@pytest.fixture
def make_history(tmp_path: Path) -> Iterator[MakeHistory]:
    """``make_history(name)`` opens (creating) ``tmp_path/name.db``; all closed at the end."""
    opened: list[History] = []

    def make(name: str) -> History:
        history = History(open_database(tmp_path / f"{name}.db"))
        opened.append(history)
        return history

    yield make
    for history in opened:
        history.db.close()


@pytest.fixture
def history(make_history: MakeHistory) -> History:
    return make_history("history")


def dump(history: History) -> list[str]:
    """Every row of every table (search indexes included), to prove nothing changed.

    The query planner's statistics (``sqlite_stat1``, refreshed by ``PRAGMA optimize``
    when a connection closes) are not data, and their row order may change.
    """
    return [line for line in history.db.connection.iterdump()
            if not line.startswith('INSERT INTO "sqlite_stat1"')]
