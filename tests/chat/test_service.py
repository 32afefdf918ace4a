"""The chat service: requests built from the history, multi-turn, regenerate, edit, keys."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from grokdesk.chat.service import ChatService
from grokdesk.config import BUILTIN_PROFILES, ChatDefaults, Settings
from grokdesk.secrets import KeyStore, MissingKeyError
from grokdesk.storage.db import open_database
from grokdesk.storage.models import ConversationSettings, Message
from grokdesk.storage.repository import History
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-service-test-1234567890"


@pytest.fixture
async def service(tmp_path: Path, fake_api: FakeAPI,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ChatService]:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY)
    db = open_database(tmp_path / "h.sqlite3")
    svc = ChatService(History(db), Settings(), keys)
    yield svc
    await svc.aclose()
    db.close()


async def test_multi_turn_sends_the_whole_history(service: ChatService,
                                                  fake_api: FakeAPI) -> None:
    conversation = service.new_conversation()
    first = await service.send(conversation.id, "What is 2+2?")
    assert first.ok
    second = await service.send(conversation.id, "And times 3?")
    assert second.ok
    sent = fake_api.chat_requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == "What is 2+2?"
    assert sent[1]["content"] == first.message.content
    assert "reasoning" not in str(sent[1].keys())
    assert fake_api.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"
    renamed = service.conversation(conversation.id)
    assert renamed is not None and renamed.title == "What is 2+2?"


async def test_request_carries_the_conversation_settings(service: ChatService,
                                                         fake_api: FakeAPI) -> None:
    conversation = service.new_conversation(ConversationSettings(
        provider="aimlapi", model="x-ai/grok-3-mini-beta", system_prompt="Be terse.",
        reasoning_effort="high", temperature=0.2), title="S")
    await service.send(conversation.id, "Hi")
    body = fake_api.last_body
    assert body["messages"][0] == {"role": "system", "content": "Be terse."}
    assert body["reasoning"] == {"effort": "high"}
    assert body["temperature"] == 0.2
    assert body["model"] == "x-ai/grok-3-mini-beta"
    for forbidden in ("stop", "presence_penalty", "frequency_penalty", "reasoning_effort"):
        assert forbidden not in body
    answer = service.messages(conversation.id)[-1]
    assert answer.reasoning_effort == "high", "the answer records the effort it was asked with"


async def test_xai_profile_sends_reasoning_effort_flat(tmp_path: Path, fake_api: FakeAPI,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    keys = KeyStore(MemoryKeyring())
    keys.store("xai", KEY)
    db = open_database(tmp_path / "x.sqlite3")
    svc = ChatService(History(db), Settings(active_profile="xai",
                                            defaults=ChatDefaults(reasoning_effort="low")), keys)
    conversation = svc.new_conversation()
    await svc.send(conversation.id, "Hi")
    await svc.aclose()
    db.close()
    assert fake_api.last_body["reasoning_effort"] == "low"
    assert "reasoning" not in fake_api.last_body
    assert fake_api.last_body["model"] == BUILTIN_PROFILES["xai"].model


async def test_default_effort_sends_nothing(service: ChatService, fake_api: FakeAPI) -> None:
    outcome = await service.send(service.new_conversation().id, "Hi")
    assert "reasoning" not in fake_api.last_body
    assert "reasoning_effort" not in fake_api.last_body
    assert outcome.message.reasoning_effort is None


async def test_an_effort_the_provider_takes_no_effort_for_is_not_recorded(
        tmp_path: Path, fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    db = open_database(tmp_path / "l.sqlite3")
    svc = ChatService(History(db), Settings(active_profile="ollama"), KeyStore(MemoryKeyring()))
    conversation = svc.new_conversation(ConversationSettings(
        provider="ollama", reasoning_effort="high"), title="Local")
    outcome = await svc.send(conversation.id, "Hi")
    await svc.aclose()
    db.close()
    assert "reasoning" not in fake_api.last_body and "reasoning_effort" not in fake_api.last_body
    assert outcome.message.reasoning_effort is None, "nothing was sent, so nothing is shown"


async def test_regenerate_adds_a_version_and_keeps_the_old_one(service: ChatService,
                                                                fake_api: FakeAPI) -> None:
    conversation = service.new_conversation()
    fake_api.queue(fake.stream([], ["first answer"]), fake.stream([], ["second answer"]))
    first = await service.send(conversation.id, "Hi")
    second = await service.regenerate(conversation.id)
    messages = service.messages(conversation.id)
    assert [(m.role, m.content) for m in messages] == [("user", "Hi"),
                                                       ("assistant", "second answer")]
    assert service.active_path(conversation.id).sibling_ids[-1] == (first.message.id,
                                                                    second.message.id)
    assert [m["content"] for m in fake_api.last_body["messages"]] == ["Hi"]


async def test_failed_answer_then_retry_succeeds(service: ChatService,
                                                 fake_api: FakeAPI) -> None:
    conversation = service.new_conversation()
    fake_api.queue(fake.json_error(400, "bad"), fake.stream([], ["ok now"]))
    failed = await service.send(conversation.id, "Hi")
    assert failed.error is not None and failed.message.status == "error"
    retried = await service.regenerate(conversation.id)
    assert retried.ok
    messages = service.messages(conversation.id)
    assert [(m.role, m.content, m.status) for m in messages] == [
        ("user", "Hi", "complete"), ("assistant", "ok now", "complete")]
    assert [m["role"] for m in fake_api.last_body["messages"]] == ["user"]
    assert service.active_path(conversation.id).sibling_ids[-1] == (failed.message.id,
                                                                    retried.message.id)


async def test_edit_and_resend_adds_a_version_and_keeps_what_followed(
        service: ChatService, fake_api: FakeAPI) -> None:
    conversation = service.new_conversation()
    await service.send(conversation.id, "first question")
    await service.send(conversation.id, "second question")
    before = service.messages(conversation.id)
    fake_api.queue(fake.stream([], ["edited answer"]))
    await service.edit_and_resend(before[0].id, "better question")
    messages = service.messages(conversation.id)
    assert [(m.role, m.content) for m in messages] == [("user", "better question"),
                                                       ("assistant", "edited answer")]
    assert [m["content"] for m in fake_api.last_body["messages"]] == ["better question"]
    service.select_branch(before[0].id)
    assert service.messages(conversation.id) == before


async def test_missing_key_stores_nothing(tmp_path: Path) -> None:
    db = open_database(tmp_path / "k.sqlite3")
    svc = ChatService(History(db), Settings(), KeyStore(MemoryKeyring()))
    conversation = svc.new_conversation()
    with pytest.raises(MissingKeyError) as info:
        await svc.send(conversation.id, "Hello")
    assert "grokdesk key set" in info.value.describe()
    assert svc.messages(conversation.id) == []
    db.close()


async def test_keyless_local_profile_sends_no_authorization(tmp_path: Path, fake_api: FakeAPI,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    db = open_database(tmp_path / "l.sqlite3")
    svc = ChatService(History(db), Settings(active_profile="ollama"), KeyStore(MemoryKeyring()))
    outcome = await svc.send(svc.new_conversation().id, "Hi")
    await svc.aclose()
    db.close()
    assert outcome.ok
    assert "authorization" not in fake_api.chat_requests[-1].headers


async def test_a_conversation_longer_than_the_context_sends_its_newest_part(
        service: ChatService, fake_api: FakeAPI) -> None:
    conversation = service.new_conversation()
    history = service._history
    with history.batch():
        for n in range(300):
            history.add_message(conversation.id, "user", f"question {n} " + "x" * 1500)
            history.add_message(conversation.id, "assistant", f"answer {n} " + "y" * 1500)
    outcome = await service.send(conversation.id, "And now?")
    assert outcome.ok
    sent = fake_api.last_body["messages"]
    assert sent[-1] == {"role": "user", "content": "And now?"}
    assert sent[0]["role"] == "user" and sent[0]["content"].startswith("question ")
    assert 10 < len(sent) < 601
    assert len(history.messages(conversation.id)) == 602, "the history keeps everything"


async def test_a_long_path_is_read_a_piece_per_turn_of_the_loop_and_sent_whole(
        service: ChatService, fake_api: FakeAPI) -> None:
    conversation = service.new_conversation()
    history = service._history
    with history.batch():
        for n in range(260):
            history.add_message(conversation.id, "user", f"question {n}")
            history.add_message(conversation.id, "assistant", f"answer {n}")
    turns = 0

    async def count_turns() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    counting = asyncio.ensure_future(count_turns())
    read = history.path_pieces
    pieces: list[int] = []

    def counted(conversation_id: int, size: int) -> Iterator[list[Message]]:
        for piece in read(conversation_id, size):
            pieces.append(turns)
            yield piece

    history.path_pieces = counted  # type: ignore[method-assign]
    try:
        outcome = await service.send(conversation.id, "And now?")
    finally:
        counting.cancel()
    assert outcome.ok
    assert len(pieces) == 3 and len(set(pieces)) == 3, "each piece in a turn of its own"
    sent = fake_api.last_body["messages"]
    assert [m["content"] for m in sent] == [
        m.content for m in history.messages(conversation.id)[:-1]]


async def test_a_send_checks_the_key_at_once_and_builds_its_client_off_the_loop_thread(
        service: ChatService, fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first client imports httpx and loads the trust store (a fifth of a second): a
    window's Send, before the warm-up has built it, would freeze on it."""
    from grokdesk.chat import service as service_module

    built_on: list[str] = []
    build = service_module.build_client

    def recorded(*args: object, **options: object) -> object:
        built_on.append(threading.current_thread().name)
        return build(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(service_module, "build_client", recorded)
    conversation = service.new_conversation()
    turn = service.begin_send(conversation.id, "Hello?")
    assert built_on == [], "nothing built to check the key and the settings"
    outcome = await service.answer(turn)
    assert outcome.ok and outcome.message.content
    assert built_on and threading.main_thread().name not in built_on
    assert len(fake_api.chat_requests) == 1
