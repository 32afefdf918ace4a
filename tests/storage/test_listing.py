"""The fast listing builds the same conversations a plain read does, and leaves the
garbage collector as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from grokdesk.storage.db import open_database
from grokdesk.storage.listing import collector_paused, conversations_from_rows
from grokdesk.storage.models import Conversation, ConversationSettings
from grokdesk.storage.repository import History


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    history = History(open_database(tmp_path / "h.sqlite3"))
    yield history
    history.db.close()


def test_listing_equals_reading_each_conversation(history: History) -> None:
    plain = ConversationSettings()
    custom = ConversationSettings(provider="local", model="m", system_prompt="Be brief.",
                                  reasoning_effort="high", temperature=0.3)
    made = [history.create_conversation(f"chat {n}", settings=custom if n % 2 else plain)
            for n in range(6)]
    history.set_pinned(made[2].id, True)
    history.add_message(made[4].id, "user", "hello")

    listed = history.list_conversations()

    assert listed == [history.get_conversation(c.id) for c in listed]
    assert {c.id for c in listed} == {c.id for c in made}
    assert listed[0].id == made[2].id and listed[0].pinned is True
    assert all(isinstance(c.pinned, bool) for c in listed)
    assert next(c for c in listed if c.id == made[4].id).message_count == 1
    assert len({id(c.settings) for c in listed}) == 2  # equal settings are shared


def test_rows_become_frozen_conversations() -> None:
    row = (7, "uuid-7", "Title", 1.0, 2.0, 1, "p", "m", None, "medium", 0.5, 3)

    [built] = conversations_from_rows([row])

    assert built == Conversation(7, "uuid-7", "Title", 1.0, 2.0, True, ConversationSettings(
        provider="p", model="m", system_prompt=None, reasoning_effort=None, temperature=0.5),
        3)
    assert hash(built) == hash(Conversation(7, "uuid-7", "Title", 1.0, 2.0, True,
                                            built.settings, 3))
    with pytest.raises(AttributeError):
        built.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_is_restored_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(RuntimeError), collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("a failure inside")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
