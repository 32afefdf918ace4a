"""Conversation titles: local from the first message, optionally from the model in the
background, where any failure quietly keeps the local one."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import pytest

from grokdesk.api.client import ChatClient
from grokdesk.chat.service import ChatService
from grokdesk.chat.titles import clean_model_title, suggest_title, title_from_text
from grokdesk.config import BUILTIN_PROFILES, ChatDefaults, NetworkPreferences, Settings
from grokdesk.secrets import KeyStore
from tests.providers.conftest import MakeService
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-title-test-0123456789abcdef"


@pytest.mark.parametrize(("text", "title"), [
    ("What is 2+2?", "What is 2+2?"),
    ("# **How** do I use `asyncio.timeout`?", "How do I use asyncio.timeout?"),
    ("> quoted [link](https://x.example) and ![a cat](c.png)", "quoted link and a cat"),
    ("```python\nprint(1)\n```\nWhy does this print 1?", "Why does this print 1?"),
    ("```\nonly code here\n```", "only code here"),
    ("my_var_name is _wrong_", "my_var_name is wrong"),
    ("- [ ] a task list item", "a task list item"),
    ("\u202eevil\u200b text\x07 here", "evil text here"),
    ("Explain the difference between threads and processes in Python, with examples "
     "please", "Explain the difference between threads and processes in…"),
    ("Supercalifragilisticexpialidocious" * 3, ("Supercalifragilisticexpialidocious" * 2)[:59]
     + "…"),
    ("   \n\n  ", "New chat"),
])
def test_local_titles(text: str, title: str) -> None:
    made = title_from_text(text)
    assert made == title
    assert len(made) <= 60


@pytest.mark.parametrize(("reply", "title"), [
    ("Async Timeouts in Python", "Async Timeouts in Python"),
    ('**Title:** "Async Timeouts in Python."', "Async Timeouts in Python"),
    ("<think>they want a title</think>\n\nThreads versus processes", "Threads versus processes"),
    ("One two three four five six seven eight", "One two three four five six"),
    ("\n\n  'Ça va?'\nsecond line", "Ça va"),
    ("", None),
    ("<think>never finished", None),
])
def test_model_titles_are_cleaned(reply: str, title: str | None) -> None:
    assert clean_model_title(reply) == title


@pytest.mark.parametrize("pad", range(70))
async def test_a_title_from_the_model_never_holds_the_key(fake_api: FakeAPI, pad: int) -> None:
    """The title is cut to 60 characters: the key is hidden before, wherever the cut falls
    (with no padding at all, the key alone would be the whole title)."""
    async with ChatClient(fake_api.url, KEY) as client:
        fake_api.queue(fake.completion(content="x" * pad + KEY, reasoning=None))
        title = await suggest_title(client, model=fake.MODEL, user_text="Hi", answer_text="Hello")
    assert title is not None and KEY[:6] not in title


async def test_suggest_title_asks_a_small_non_streamed_question(fake_api: FakeAPI) -> None:
    fake_api.queue(fake.completion("Async timeouts in Python", reasoning="short"))
    async with ChatClient(fake_api.url, KEY, max_retries=0) as client:
        title = await suggest_title(client, model="x-ai/grok-3-mini-beta",
                                    user_text="How do timeouts work in asyncio?",
                                    answer_text="Use asyncio.timeout(...).",
                                    effort_style="reasoning_object")
    assert title == "Async timeouts in Python"
    body = fake_api.last_body
    assert body["stream"] is False
    assert body["reasoning"] == {"effort": "low"}
    assert 0 < body["max_completion_tokens"] <= 2048
    prompt = body["messages"][-1]["content"]
    assert "at most 6 words" in prompt
    assert "How do timeouts work in asyncio?" in prompt and "asyncio.timeout" in prompt


async def test_suggest_title_never_blocks_long_and_never_raises(
        fake_api: FakeAPI, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.queue(fake.hang(5), fake.json_error(500, "boom"))
    async with ChatClient(fake_api.url, KEY, max_retries=0) as client:
        started = time.monotonic()
        with caplog.at_level(logging.DEBUG, logger="grokdesk.chat.titles"):
            slow = await suggest_title(client, model="m", user_text="q", answer_text="a",
                                       timeout=0.3)
            failed = await suggest_title(client, model="m", user_text="q", answer_text="a")
    assert (slow, failed) == (None, None)
    assert time.monotonic() - started < 2
    assert sum("no title from the model" in r.message for r in caplog.records) == 2
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


def _service(make_service: MakeService, fake_api: FakeAPI, *, model_titles: bool
             ) -> ChatService:
    profile = replace(BUILTIN_PROFILES["aimlapi"], base_url=fake_api.url)
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY)
    return make_service(Settings(profiles={**BUILTIN_PROFILES, "aimlapi": profile},
                                 defaults=ChatDefaults(model_titles=model_titles),
                                 network=NetworkPreferences(max_retries=0)), keys)


async def test_service_renames_after_the_first_answer_in_the_background(
        make_service: MakeService, fake_api: FakeAPI) -> None:
    service = _service(make_service, fake_api, model_titles=True)
    conversation = service.new_conversation()
    await service.send(conversation.id, "## How do *timeouts* work in asyncio?")
    local = service.conversation(conversation.id)
    assert local is not None and local.title == "How do timeouts work in asyncio?"

    fake_api.queue(fake.completion("Asyncio timeouts explained"))
    task = asyncio.create_task(service.suggest_title(conversation.id))
    assert not task.done(), "the caller is not held up"
    assert await task == "Asyncio timeouts explained"
    renamed = service.conversation(conversation.id)
    assert renamed is not None and renamed.title == "Asyncio timeouts explained"


async def test_a_failed_suggestion_keeps_the_local_title(make_service: MakeService,
                                                         fake_api: FakeAPI) -> None:
    service = _service(make_service, fake_api, model_titles=True)
    conversation = service.new_conversation()
    await service.send(conversation.id, "What is a monad?")
    fake_api.queue(fake.json_error(500, "title service down"))
    assert await service.suggest_title(conversation.id) is None
    kept = service.conversation(conversation.id)
    assert kept is not None and kept.title == "What is a monad?"


async def test_a_title_the_user_chose_is_not_overwritten(make_service: MakeService,
                                                         fake_api: FakeAPI) -> None:
    service = _service(make_service, fake_api, model_titles=True)
    conversation = service.new_conversation()
    await service.send(conversation.id, "What is a monad?")
    service.rename(conversation.id, "My monad notes")
    fake_api.queue(fake.completion("Monads explained"))
    assert await service.suggest_title(conversation.id) is None
    kept = service.conversation(conversation.id)
    assert kept is not None and kept.title == "My monad notes"


async def test_model_titles_are_off_unless_chosen(make_service: MakeService,
                                                  fake_api: FakeAPI) -> None:
    service = _service(make_service, fake_api, model_titles=False)
    conversation = service.new_conversation()
    await service.send(conversation.id, "What is a monad?")
    requests = len(fake_api.requests)
    assert await service.suggest_title(conversation.id) is None
    assert len(fake_api.requests) == requests, "no request is made"
    fake_api.queue(fake.completion("Monads in plain words"))
    assert await service.suggest_title(conversation.id, force=True) == "Monads in plain words"


async def test_no_suggestion_before_an_answer(make_service: MakeService,
                                              fake_api: FakeAPI) -> None:
    service = _service(make_service, fake_api, model_titles=True)
    conversation = service.new_conversation()
    assert await service.suggest_title(conversation.id) is None
    assert await service.suggest_title(12345) is None
    assert not fake_api.requests
