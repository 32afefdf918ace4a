"""ChatClient against the fake server: requests sent, answers read, streams cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path

import pytest

from grokdesk.api.client import ChatClient
from grokdesk.api.errors import InvalidResponseError, ServerError
from grokdesk.api.types import (
    ChatMessage,
    ChatRequest,
    ContentDelta,
    EffortStyle,
    Finish,
    ModelInfo,
    ReasoningDelta,
    ReasoningEffort,
    ResponseInfo,
    Usage,
)
from tests.api.conftest import MakeClient
from tests.api.helpers import KEY, REQUEST, collect, text_of
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

SAMPLE_RESPONSE = Path(__file__).parent / "fixtures" / "grok-3-mini-beta-response.json"
"""The non-streamed response printed on the provider's model page, as JSON."""


def sample_response() -> dict[str, object]:
    data = json.loads(SAMPLE_RESPONSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------- what is sent


async def test_stream_request_body_and_headers(fake_api: FakeAPI, client: ChatClient) -> None:
    await collect(client.stream(REQUEST))
    sent = fake_api.chat_requests[-1]
    assert sent.method == "POST"
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["accept"] == "text/event-stream"
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", sent.headers["x-client-request-id"])
    assert sent.body == {
        "model": "x-ai/grok-3-mini-beta",
        "messages": [{"role": "user", "content": "Hello there"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


async def test_each_request_gets_a_fresh_client_request_id(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    await collect(client.stream(REQUEST))
    await collect(client.stream(REQUEST))
    first, second = (r.headers["x-client-request-id"] for r in fake_api.chat_requests)
    assert first != second


async def test_no_authorization_without_a_key(
    fake_api: FakeAPI, make_client: MakeClient
) -> None:
    client = make_client(api_key=None)
    await client.complete(REQUEST)
    assert "authorization" not in fake_api.chat_requests[-1].headers


async def test_trailing_slash_of_base_url(fake_api: FakeAPI, make_client: MakeClient) -> None:
    client = make_client(base_url=fake_api.url + "/")
    await client.complete(REQUEST)
    assert fake_api.chat_requests[-1].path == "/v1/chat/completions"


@pytest.mark.parametrize(("effort", "style", "expected"), [
    ("high", "reasoning_object", {"reasoning": {"effort": "high"}}),
    ("low", "reasoning_effort", {"reasoning_effort": "low"}),
    ("low", "none", {}),
    (None, "reasoning_object", {}),
    (None, "reasoning_effort", {}),
])
async def test_reasoning_effort_spelling(
    fake_api: FakeAPI, client: ChatClient, effort: ReasoningEffort | None, style: EffortStyle,
    expected: dict[str, object],
) -> None:
    request = ChatRequest(REQUEST.model, REQUEST.messages, reasoning_effort=effort,
                          effort_style=style)
    await collect(client.stream(request))
    body = fake_api.last_body
    assert {k: body[k] for k in ("reasoning", "reasoning_effort") if k in body} == expected


async def test_sampling_parameters_and_no_forbidden_ones(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    request = ChatRequest(
        REQUEST.model,
        (ChatMessage("system", "Be brief."), ChatMessage("user", "Hi"),
         ChatMessage("assistant", "Hello!"), ChatMessage("user", "Again")),
        temperature=0.3, top_p=0.9, max_completion_tokens=512,
    )
    await client.complete(request)
    body = fake_api.last_body
    assert body["stream"] is False
    assert "stream_options" not in body
    assert (body["temperature"], body["top_p"]) == (0.3, 0.9)
    assert body["max_completion_tokens"] == 512
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    for forbidden in ("stop", "presence_penalty", "frequency_penalty", "max_tokens"):
        assert forbidden not in body


# --------------------------------------------------------------------------- non-streaming


async def test_complete_parses_the_providers_sample(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.completion(body=sample_response()))
    result = await client.complete(REQUEST)
    assert result.content.startswith("Hello! I'm Assistant")
    assert result.content.endswith("😊")
    assert result.reasoning.startswith('First, the user said "Hello."')
    assert result.finish_reason == "stop"
    assert result.usage == Usage(prompt_tokens=5, completion_tokens=19, total_tokens=24)
    assert result.model == "x-ai/grok-3-mini-beta"
    assert result.request_id is not None


async def test_complete_with_reasoning_field_null_content_and_cost(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    body = fake.completion_body(content=None, reasoning=None, finish_reason="length",
                                usage={"prompt_tokens": 3, "completion_tokens": 64,
                                       "completion_tokens_details": {"reasoning_tokens": 64}},
                                cost_usd=0.01, credits_used=None)
    body["choices"][0]["message"]["reasoning"] = "All the budget went here."
    fake_api.queue(fake.completion(body=body))
    result = await client.complete(REQUEST)
    assert (result.content, result.reasoning) == ("", "All the budget went here.")
    assert result.finish_reason == "length"
    assert result.usage == Usage(prompt_tokens=3, completion_tokens=64, reasoning_tokens=64,
                                 cost_usd=0.01)


async def test_complete_rejects_a_web_page(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.not_event_stream())
    with pytest.raises(InvalidResponseError, match="Welcome"):
        await client.complete(REQUEST)


async def test_complete_from_a_server_that_always_streams(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.stream(("think",), ("an", "swer")))
    result = await client.complete(REQUEST)
    assert (result.reasoning, result.content, result.finish_reason) == ("think", "answer", "stop")


# --------------------------------------------------------------------------- odd 200s


async def test_stream_rejects_a_200_that_is_not_an_event_stream(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.not_event_stream())
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, InvalidResponseError)
    assert "text/html" in error.message
    assert events == []


async def test_stream_treats_a_200_json_error_as_an_error(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.status(200, {"error": {"message": "Upstream timed out", "code": 502}}))
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, ServerError)
    assert error.status_code == 502
    assert "Upstream timed out" in error.message
    assert events == []
    assert fake_api.hits == 1


async def test_stream_accepts_a_json_completion_instead_of_a_stream(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.completion("Plain answer", "Plain thoughts"))
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert isinstance(events[0], ResponseInfo)
    assert events[1:3] == [ReasoningDelta("Plain thoughts"), ContentDelta("Plain answer")]
    assert Finish("stop") in events


# --------------------------------------------------------------------------- models


async def test_models_aimlapi_shape_keeps_chat_models(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.models_aimlapi(), path="/models")
    models = await client.list_models()
    assert models == [
        ModelInfo("x-ai/grok-3-mini-beta", "Grok 3 Mini Beta", 131000, ("grok-3-mini-beta",)),
        ModelInfo("x-ai/grok-3-beta", "Grok 3 Beta", 131000, ("grok-3-beta",)),
    ]
    assert fake_api.requests[-1].method == "GET"
    assert fake_api.requests[-1].path == "/v1/models"


async def test_models_bare_list(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.models_aimlapi(wrapped=False), path="/models")
    assert [m.id for m in await client.list_models()] == ["x-ai/grok-3-mini-beta",
                                                          "x-ai/grok-3-beta"]


async def test_models_openai_shape(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.models_openai(["grok-3-mini", "grok-3"]), path="/models")
    assert await client.list_models() == [ModelInfo("grok-3-mini", "grok-3-mini"),
                                          ModelInfo("grok-3", "grok-3")]


# --------------------------------------------------------------------------- cancellation


async def _read_some(client: ChatClient, started: asyncio.Event) -> None:
    async for event in client.stream(REQUEST):
        if isinstance(event, ContentDelta):
            started.set()


async def test_cancelling_the_task_closes_the_connection(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.endless_stream(max_seconds=20, delay=0.01))
    started = asyncio.Event()
    task = asyncio.create_task(_read_some(client, started))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancelled_at = asyncio.get_running_loop().time()
    closed = await asyncio.to_thread(fake_api.wait_for_early_close, 3.0)
    assert closed is not None, "the server kept writing to an open connection"
    assert closed.time - cancelled_at < 1.0


async def test_stopping_iteration_closes_the_connection(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.endless_stream(max_seconds=20, delay=0.01))
    async with contextlib.aclosing(client.stream(REQUEST)) as events:
        async for event in events:
            if isinstance(event, ContentDelta):
                break
    closed = await asyncio.to_thread(fake_api.wait_for_early_close, 3.0)
    assert closed is not None


async def test_breaking_out_without_aclosing_still_closes(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.endless_stream(max_seconds=20, delay=0.01))
    async for event in client.stream(REQUEST):
        if isinstance(event, ContentDelta):
            break
    closed = await asyncio.to_thread(fake_api.wait_for_early_close, 3.0)
    assert closed is not None


async def test_client_is_usable_after_a_cancelled_stream(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.endless_stream(max_seconds=20, delay=0.01))
    async with contextlib.aclosing(client.stream(REQUEST)) as events:
        async for _ in events:
            break
    events_after, error = await collect(client.stream(REQUEST))
    assert error is None
    assert "Hello there" in text_of(events_after)[1]


# --------------------------------------------------------------------------- lifecycle and key


async def test_async_context_manager_closes(fake_api: FakeAPI) -> None:
    async with ChatClient(fake_api.url, KEY) as client:
        await client.complete(REQUEST)
    with pytest.raises(RuntimeError):
        await client.complete(REQUEST)


def test_key_not_in_repr_or_str() -> None:
    client = ChatClient("https://api.example.com/v1/", KEY)
    assert KEY not in repr(client)
    assert KEY not in str(client)
    assert "api_key=set" in repr(client)
    assert "https://api.example.com/v1" in repr(client)
    asyncio.run(client.aclose())
