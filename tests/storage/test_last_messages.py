"""Reads bounded by what is asked, not by the conversation's length: ``last_messages``
(the end of a conversation) and ``answer_count`` (counted in SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    opened = History(open_database(tmp_path / "history.db"))
    yield opened
    opened.db.close()


def test_the_last_messages_of_one_conversation_in_order(history: History) -> None:
    talk = history.create_conversation()
    other = history.create_conversation()
    for n in range(5):
        history.add_message(talk.id, "user" if n % 2 == 0 else "assistant", f"talk {n}")
        history.add_message(other.id, "user", f"other {n}")
    assert [m.content for m in history.last_messages(talk.id, 2)] == ["talk 3", "talk 4"]
    assert [m.content for m in history.last_messages(talk.id, 9)] == [
        m.content for m in history.messages(talk.id)]
    assert history.last_messages(talk.id, 2) == history.messages(talk.id)[-2:]


def test_an_empty_conversation_has_no_last_messages(history: History) -> None:
    assert history.last_messages(history.create_conversation().id, 2) == []


def test_answers_that_did_not_fail_are_counted(history: History) -> None:
    talk = history.create_conversation()
    other = history.create_conversation()
    assert history.answer_count(talk.id) == 0
    history.add_message(talk.id, "user", "hi")
    history.add_message(talk.id, "assistant", "", status="error", error="offline")
    history.add_message(other.id, "assistant", "elsewhere")
    assert history.answer_count(talk.id) == 0
    history.add_message(talk.id, "assistant", "hello")
    history.start_assistant_message(talk.id, "grok-3-mini")
    history.add_message(talk.id, "assistant", "cut", status="interrupted")
    assert history.answer_count(talk.id) == 3
    assert history.answer_count(other.id) == 1
