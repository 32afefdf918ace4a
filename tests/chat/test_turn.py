"""A turn against the real fake server and a real SQLite file: what arrives is what is kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from grokdesk.api.client import ChatClient
from grokdesk.api.errors import AuthError, StreamError, StreamInterrupted
from grokdesk.api.types import ChatMessage, ChatRequest, ContentDelta, ReasoningDelta, StreamEvent
from grokdesk.chat.turn import REASONING_ATE_THE_LIMIT, run_turn
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

REQUEST = ChatRequest("x-ai/grok-3-mini-beta", (ChatMessage("user", "Hi"),))


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    db = open_database(tmp_path / "history.sqlite3")
    yield History(db)
    db.close()


@pytest.fixture
async def client(fake_api: FakeAPI) -> AsyncIterator[ChatClient]:
    async with ChatClient(fake_api.url, "sk-test-turn-key", backoff_base=0.01,
                          read_timeout=2.0) as c:
        yield c


def _conversation(history: History) -> int:
    conversation = history.create_conversation("Test")
    history.add_message(conversation.id, "user", "Hi")
    return conversation.id


async def test_reasoning_and_answer_are_streamed_and_stored(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.stream(["Let me ", "think."], ["Hello", " there!"]))
    events: list[StreamEvent] = []
    conversation_id = _conversation(history)
    outcome = await run_turn(history, client, conversation_id, REQUEST, listener=events.append)
    assert outcome.ok and outcome.warning is None
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Let me ", "think."]
    assert [e.text for e in events if isinstance(e, ContentDelta)] == ["Hello", " there!"]
    stored = history.messages(conversation_id)[-1]
    assert stored == outcome.message
    assert (stored.role, stored.content, stored.reasoning) == ("assistant", "Hello there!",
                                                               "Let me think.")
    assert stored.status == "complete" and stored.finish_reason == "stop"
    assert stored.reasoning_tokens is not None and stored.cost_usd == pytest.approx(0.000123)
    assert stored.reasoning_started_at is not None and stored.content_started_at is not None


async def test_partial_answer_reaches_the_database_while_streaming(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.stream(["r"] * 3, ["word "] * 30, delay=0.01))
    conversation_id = _conversation(history)
    seen: list[str] = []

    def check(event: StreamEvent) -> None:
        if isinstance(event, ContentDelta) and len(seen) == 20:
            live = history.messages(conversation_id)[-1]
            assert live.status == "streaming"
            assert live.content.startswith("word ")
        if isinstance(event, ContentDelta):
            seen.append(event.text)

    await run_turn(history, client, conversation_id, REQUEST, listener=check,
                   flush_interval=0.05)
    assert len(seen) == 30


async def test_cut_connection_keeps_the_partial_answer_as_interrupted(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.cut_stream(after=4, reasoning=["a", "b"], content=["one ", "two ",
                                                                            "three"]))
    outcome = await run_turn(history, client, _conversation(history), REQUEST)
    assert isinstance(outcome.error, StreamInterrupted)
    assert outcome.message.status == "interrupted"
    assert outcome.message.content == "one "
    assert outcome.message.reasoning == "ab"
    assert "partial answer was kept" in (outcome.message.error or "")


async def test_in_stream_error_keeps_text_and_the_servers_message(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.error_stream(after=4, message="Upstream overloaded",
                                     reasoning=["a"], content=["x", "y", "z"]))
    outcome = await run_turn(history, client, _conversation(history), REQUEST)
    assert isinstance(outcome.error, StreamError)
    assert outcome.message.status == "interrupted"
    assert outcome.message.content == "xy"
    assert "Upstream overloaded" in (outcome.message.error or "")


async def test_error_before_any_text_is_stored_as_error(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.json_error(401, "Invalid API key"))
    conversation_id = _conversation(history)
    outcome = await run_turn(history, client, conversation_id, REQUEST)
    assert isinstance(outcome.error, AuthError)
    stored = history.messages(conversation_id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[-1].status == "error" and stored[-1].content == ""
    assert "Invalid API key" in (stored[-1].error or "")


async def test_cancelling_keeps_the_partial_answer_and_closes_the_connection(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.endless_stream(max_seconds=20, delay=0.01))
    conversation_id = _conversation(history)
    got_text = asyncio.Event()

    def listener(event: StreamEvent) -> None:
        if isinstance(event, ContentDelta | ReasoningDelta):
            got_text.set()

    task = asyncio.create_task(run_turn(history, client, conversation_id, REQUEST,
                                        listener=listener))
    await asyncio.wait_for(got_text.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stored = history.messages(conversation_id)[-1]
    assert stored.status == "interrupted"
    assert stored.content or stored.reasoning
    assert fake_api.wait_for_early_close(5) is not None


async def test_length_with_an_empty_answer_says_the_limit_went_to_reasoning(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.stream(["thinking hard"], [], finish_reason="length"))
    outcome = await run_turn(history, client, _conversation(history), REQUEST)
    assert outcome.ok
    assert outcome.warning == REASONING_ATE_THE_LIMIT
    assert outcome.message.finish_reason == "length"


async def test_non_streaming_turn_stores_reasoning(
    history: History, client: ChatClient, fake_api: FakeAPI
) -> None:
    fake_api.queue(fake.completion("The answer.", "Some reasoning."))
    events: list[StreamEvent] = []
    outcome = await run_turn(history, client, _conversation(history), REQUEST,
                             listener=events.append, stream=False)
    assert outcome.message.content == "The answer."
    assert outcome.message.reasoning == "Some reasoning."
    assert any(isinstance(e, ContentDelta) for e in events)
    assert fake_api.last_body["stream"] is False


async def test_a_failed_flush_does_not_stop_later_ones(
    history: History, client: ChatClient, fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grokdesk.storage.db import DatabaseBusyError

    calls: list[str] = []
    real = history.save_partial

    def flaky(message_id: int, content: str, reasoning: str, **kwargs: float | None) -> None:
        calls.append(content)
        if len(calls) == 1:
            raise DatabaseBusyError("The history is busy")
        real(message_id, content, reasoning, **kwargs)

    monkeypatch.setattr(history, "save_partial", flaky)
    fake_api.queue(fake.stream([], ["word "] * 40, delay=0.01))
    outcome = await run_turn(history, client, _conversation(history), REQUEST,
                             flush_interval=0.03)
    assert outcome.ok and len(calls) >= 3
