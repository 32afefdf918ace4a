"""How many times one send reaches the history, across the whole window."""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from grokdesk.storage.repository import History
from tests.support import fake_api
from tests.ui.conftest import AppHarness, MakeWindow
from tests.ui.trees import Tree, branched


class HistoryCalls:
    """Counts the calls into ``History`` from outside it (a method calling another counts once)."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self._depth = 0

    def wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def counted(*args: Any, **kwargs: Any) -> Any:
            if self._depth == 0:
                self.counts[name] += 1
            self._depth += 1
            try:
                return method(*args, **kwargs)
            finally:
                self._depth -= 1
        return counted

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@pytest.fixture
def history_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[HistoryCalls]:
    """Every public ``History`` method counted, except the once-a-second heartbeat of a
    streaming answer (``save_partial``), whose number depends on how long it streams."""
    calls = HistoryCalls()
    for name, value in list(vars(History).items()):
        if callable(value) and not name.startswith("_") and name != "save_partial":
            monkeypatch.setattr(History, name, calls.wrap(name, value))
    yield calls


def _shown_after_send(app: AppHarness, question: str, messages: int) -> None:
    """What the window shows once the turn is over: the change carried all of it."""
    window = app.window
    assert [m.content for m in window.transcript.messages][-2:] == [question, "Hi there!"]
    top = window.parts.conversations.conversation_at(0)
    assert top is not None and top.id == window.current_id
    assert top.message_count == messages
    assert window.status.usage.text().endswith("tokens") or "tokens ·" in window.status.usage.text()


def _reply(app: AppHarness) -> None:
    app.fake.queue(fake_api.stream(["Thinking. "], ["Hi ", "there!"]))


def test_one_send_into_an_existing_chat_makes_at_most_eight_calls(
        make_window: MakeWindow, history_calls: HistoryCalls) -> None:
    app = make_window()
    _reply(app)
    app.send("first question")
    app.run(app.idle())
    history_calls.counts.clear()
    _reply(app)
    app.send("second question")
    app.run(app.idle())
    assert history_calls.total <= 8, dict(history_calls.counts)
    _shown_after_send(app, "second question", 4)


def test_one_send_that_starts_a_new_chat_makes_at_most_ten_calls(
        make_window: MakeWindow, history_calls: HistoryCalls) -> None:
    app = make_window()
    app.run(app.idle())
    history_calls.counts.clear()
    _reply(app)
    app.send("first question")
    app.run(app.idle())
    assert history_calls.total <= 10, dict(history_calls.counts)
    assert history_calls.counts["create_conversation"] == 1
    _shown_after_send(app, "first question", 2)


def test_switching_a_branch_shows_the_path_the_change_carried_without_reading_again(
        make_window: MakeWindow, history_calls: HistoryCalls) -> None:
    tree = Tree()
    app = make_window(prepare=branched(tree))
    app.run(app.until(lambda: app.window.transcript.messages, what="the chat"))
    history_calls.counts.clear()
    app.window.transcript.branchRequested.emit(tree.tom)
    assert [m.id for m in app.window.transcript.messages] == [
        tree.question, tree.tom, tree.why, tree.because]
    assert history_calls.counts["select_branch"] == 1
    assert history_calls.counts["active_path"] == 1, "the core's read for the change only"
    assert history_calls.counts["messages"] == 0
    assert history_calls.total <= 4, dict(history_calls.counts)
