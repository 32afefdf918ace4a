"""The chat core over conversation trees: what each operation stores and the Changes it
publishes, so that views never read again what a change carries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from grokdesk.chat.changes import Changes
from grokdesk.chat.service import ChatService, TurnInProgressError
from grokdesk.config import Settings
from grokdesk.secrets import KeyStore
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History, RecordGoneError
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring


@pytest.fixture
async def service(tmp_path: Path, fake_api: FakeAPI,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ChatService]:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", "sk-tree-test-1234567890")
    db = open_database(tmp_path / "h.sqlite3")
    svc = ChatService(History(db), Settings(), keys)
    yield svc
    await svc.aclose()
    db.close()


@pytest.fixture
def published(service: ChatService) -> list[Changes]:
    seen: list[Changes] = []
    service.subscribe(seen.append)
    return seen


async def two_turns(service: ChatService, fake_api: FakeAPI) -> int:
    fake_api.queue(fake.stream([], ["a1"]), fake.stream([], ["a2"]))
    first = await service.send(None, "q1")
    await service.send(first.message.conversation_id, "q2")
    return first.message.conversation_id


async def test_regenerate_publishes_the_path_then_the_new_version(
        service: ChatService, fake_api: FakeAPI, published: list[Changes]) -> None:
    conversation_id = await two_turns(service, fake_api)
    old = service.messages(conversation_id)
    published.clear()
    fake_api.queue(fake.stream([], ["a2 again"]))
    turn = service.begin_regenerate(conversation_id, model="grok-other",
                                    reasoning_effort="high")
    assert [m.id for m in published[0].paths[conversation_id].messages] == [
        m.id for m in old[:-1]]
    outcome = await service.answer(turn)
    started = next(c for c in published if c.added)
    assert started.siblings == {outcome.message.id: (old[-1].id, outcome.message.id)}
    assert fake_api.last_body["model"] == "grok-other"
    assert fake_api.last_body["reasoning"] == {"effort": "high"}
    assert outcome.message.model == "grok-other" and outcome.message.reasoning_effort == "high"
    conversation = service.conversation(conversation_id)
    assert conversation is not None and conversation.settings.model is None


async def test_switching_a_branch_publishes_the_new_path(
        service: ChatService, fake_api: FakeAPI, published: list[Changes]) -> None:
    conversation_id = await two_turns(service, fake_api)
    old = service.messages(conversation_id)
    fake_api.queue(fake.stream([], ["a2 again"]))
    await service.regenerate(conversation_id)
    published.clear()
    changes = service.select_branch(old[-1].id)
    assert published == [changes]
    path = changes.paths[conversation_id]
    assert list(path.messages) == old and path.index_of(old[-1].id) == 0
    assert len(path.siblings_of(old[-1].id)) == 2


async def test_delete_publishes_what_went_and_restore_undoes_it(
        service: ChatService, fake_api: FakeAPI, published: list[Changes]) -> None:
    conversation_id = await two_turns(service, fake_api)
    old = service.messages(conversation_id)
    total_before = service.totals(conversation_id)
    changes = service.delete_message(old[1].id)
    assert changes.deleted is not None
    assert set(changes.removed) == {m.id for m in old[1:]}
    assert [m.id for m in changes.paths[conversation_id].messages] == [old[0].id]
    restored = service.restore_messages(changes.deleted)
    assert {m.id for m in restored.added} == {m.id for m in old[1:]}
    assert list(restored.paths[conversation_id].messages) == old
    assert restored.totals[conversation_id] == total_before
    assert service.delete_message(9999) == Changes()


async def test_fork_copies_the_path_up_to_a_message(
        service: ChatService, fake_api: FakeAPI, published: list[Changes]) -> None:
    conversation_id = await two_turns(service, fake_api)
    old = service.messages(conversation_id)
    fake_api.queue(fake.stream([], ["a1 again"]))
    await service.edit_and_resend(old[0].id, "q1 edited")
    changes = service.fork(old[1].id)  # on the branch that is no longer active
    [copy_id] = changes.created
    copied = service.messages(copy_id)
    assert [(m.role, m.content) for m in copied] == [("user", "q1"), ("assistant", "a1")]
    assert {m.id for m in copied}.isdisjoint(m.id for m in old)
    assert list(changes.paths[copy_id].messages) == copied
    assert [m.content for m in service.messages(conversation_id)] == ["q1 edited", "a1 again"]
    with pytest.raises(RecordGoneError):
        service.fork(9999)


async def test_a_search_hit_on_another_branch_can_be_made_current(
        service: ChatService, fake_api: FakeAPI) -> None:
    conversation_id = await two_turns(service, fake_api)
    old = service.messages(conversation_id)
    fake_api.queue(fake.stream([], ["something else"]))
    await service.edit_and_resend(old[0].id, "another start")
    [hit] = service.search("q2")
    assert hit.message_id == old[2].id
    service.select_branch(hit.message_id)
    assert service.messages(conversation_id) == old


async def test_one_turn_at_a_time_and_no_switch_while_answering(
        service: ChatService, fake_api: FakeAPI) -> None:
    conversation_id = await two_turns(service, fake_api)
    old = service.messages(conversation_id)
    turn = service.begin_regenerate(conversation_id)
    with pytest.raises(TurnInProgressError):
        service.begin_edit(old[0].id, "x")
    service.release(turn)
    fake_api.queue(fake.endless_stream())
    started: list[object] = []

    import asyncio

    task = asyncio.create_task(service.answer(service.begin_regenerate(conversation_id),
                                              on_start=started.append))
    while not started:
        await asyncio.sleep(0.01)
    with pytest.raises(TurnInProgressError):
        service.select_branch(old[-1].id)
    with pytest.raises(TurnInProgressError):
        service.delete_message(old[2].id)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert service.messages(conversation_id)[-1].status == "interrupted"


async def test_editing_an_answer_is_refused(service: ChatService, fake_api: FakeAPI) -> None:
    conversation_id = await two_turns(service, fake_api)
    answer = service.messages(conversation_id)[1]
    with pytest.raises(RecordGoneError):
        service.begin_edit(answer.id, "no")
    assert len(service.tree(conversation_id).messages) == 4
