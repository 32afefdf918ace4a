"""The stream parser against the provider's quirks, served by a real HTTP server."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grokdesk.api.client import ChatClient
from grokdesk.api.errors import InvalidResponseError, StreamError, StreamInterrupted
from grokdesk.api.stream import ChunkParser, iter_events
from grokdesk.api.types import (
    ContentDelta,
    Finish,
    ReasoningDelta,
    ResponseInfo,
    StreamEvent,
    Usage,
    UsageReport,
)
from tests.api.conftest import MakeClient
from tests.api.helpers import REQUEST, collect, text_of
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

REASONING = ("First, the user greets me. ", "I should greet back.")
CONTENT = ("Hello", "! How can ", "I help?")


def without_info(events: list[StreamEvent]) -> list[StreamEvent]:
    assert isinstance(events[0], ResponseInfo), "ResponseInfo must come first"
    return events[1:]


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
async def test_reasoning_then_answer_with_either_field_name(
    fake_api: FakeAPI, client: ChatClient, key: str
) -> None:
    fake_api.queue(fake.stream(REASONING, CONTENT, reasoning_key=key))
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    body = without_info(events)
    assert body[:5] == [ReasoningDelta(REASONING[0]), ReasoningDelta(REASONING[1]),
                        ContentDelta("Hello"), ContentDelta("! How can "), ContentDelta("I help?")]
    assert body[5] == Finish("stop")
    assert isinstance(body[6], UsageReport)


async def test_usage_with_reasoning_tokens_and_cost(fake_api: FakeAPI, client: ChatClient) -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 40, "total_tokens": 49,
             "completion_tokens_details": {"reasoning_tokens": 31}}
    fake_api.queue(fake.stream(REASONING, CONTENT, usage=usage, cost_usd=0.0021,
                               credits_used=4200))
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert events[-1] == UsageReport(Usage(prompt_tokens=9, completion_tokens=40,
                                           reasoning_tokens=31, total_tokens=49,
                                           cost_usd=0.0021, credits_used=4200.0))


async def test_response_info_carries_the_request_id(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.stream(headers={"x-inference-id": "inf-abc"}))
    events, _ = await collect(client.stream(REQUEST))
    info = events[0]
    assert isinstance(info, ResponseInfo)
    assert info.request_id == "inf-abc"
    assert info.model == REQUEST.model


@pytest.mark.parametrize("options", [
    {"crlf": True},
    {"keepalive": True},
    {"empty_deltas": True},
    {"split": "json"},
    {"crlf": True, "keepalive": True, "empty_deltas": True, "split": "json"},
], ids=["crlf", "keepalive", "empty-deltas", "json-split", "all"])
async def test_framing_quirks_do_not_change_the_events(
    fake_api: FakeAPI, client: ChatClient, options: dict[str, object]
) -> None:
    fake_api.queue(fake.stream(REASONING, CONTENT), fake.stream(REASONING, CONTENT, **options))
    plain, _ = await collect(client.stream(REQUEST))
    quirky, error = await collect(client.stream(REQUEST))
    assert error is None
    assert without_info(quirky) == without_info(plain)


async def test_multibyte_utf8_split_across_writes(fake_api: FakeAPI, client: ChatClient) -> None:
    content = ("Café ", "€100 ", "😀 ", "日本語")
    fake_api.queue(fake.stream(("Ünïcödé reasoning",), content, split="utf8"))
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert text_of(events) == ("Ünïcödé reasoning", "Café €100 😀 日本語")


async def test_invalid_utf8_bytes_are_replaced(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.invalid_utf8_stream())
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert text_of(events)[1] == "bad \ufffd\ufffd bytes"


async def test_finish_without_done_is_complete(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.stream(REASONING, CONTENT, done=False))
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert Finish("stop") in events


async def test_end_without_done_or_finish_is_interrupted(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.stream(REASONING, CONTENT, done=False, finish_reason=None, usage=False))
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, StreamInterrupted)
    assert text_of(events) == ("".join(REASONING), "".join(CONTENT))


async def test_cut_connection_keeps_the_partial_answer(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.cut_stream(after=4, reasoning=REASONING, content=CONTENT))
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, StreamInterrupted)
    assert "connection ended early" in error.message
    assert text_of(events) == ("".join(REASONING), "Hello")
    assert error.request_id is not None


@pytest.mark.parametrize("shape", ["choices", "bare", "text"])
async def test_in_stream_error_after_partial_answer(
    fake_api: FakeAPI, client: ChatClient, shape: fake.ErrorShape
) -> None:
    fake_api.queue(fake.error_stream(after=3, message="Provider overloaded", code=503,
                                     shape=shape, reasoning=REASONING, content=CONTENT))
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, StreamError)
    assert "Provider overloaded" in error.message
    assert error.code == (None if shape == "text" else "503")
    assert text_of(events) == ("".join(REASONING), "")


async def test_sse_error_event_type(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.raw_stream([
        'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n',
        'event: error\ndata: {"message":"quota exceeded"}\n\n',
    ]))
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, StreamError)
    assert "quota exceeded" in error.message
    assert text_of(events)[1] == "Hi"


async def test_malformed_chunk_is_invalid_response(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.malformed_stream(after=2, reasoning=REASONING))
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, InvalidResponseError)
    assert "malformed chunk" in error.message
    assert text_of(events)[0] == REASONING[0]


async def test_stall_mid_stream_is_interrupted(
    fake_api: FakeAPI, make_client: MakeClient
) -> None:
    client = make_client(read_timeout=0.3)
    fake_api.queue(fake.stalled_stream(after=3, seconds=10, reasoning=REASONING))
    loop = asyncio.get_running_loop()
    start = loop.time()
    events, error = await collect(client.stream(REQUEST))
    assert isinstance(error, StreamInterrupted)
    assert "stopped sending" in error.message
    assert text_of(events)[0] == "".join(REASONING)
    assert loop.time() - start < 3


async def test_nothing_after_done_is_read(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.raw_stream([
        'data: {"choices":[{"delta":{"content":"A"},"finish_reason":null}]}\n\n',
        "data: [DONE]\n\n",
        'data: {"choices":[{"delta":{"content":"ghost"}}]}\n\n',
    ]))
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert text_of(events)[1] == "A"


# --------------------------------------------------------------------------- the parser alone


def test_parser_ignores_null_error_and_empty_choices() -> None:
    parser = ChunkParser()
    assert parser.feed('{"error": null, "choices": [{"delta": {"content": null}}]}') == []
    assert parser.feed('{"choices": [], "usage": null}') == []
    assert parser.feed('{"choices": [{"delta": {}}]}') == []


def test_parser_finish_is_reported_once() -> None:
    parser = ChunkParser()
    first = parser.feed('{"choices": [{"delta": {}, "finish_reason": "length"}]}')
    again = parser.feed('{"choices": [{"delta": {}, "finish_reason": "length"}]}')
    assert first == [Finish("length")]
    assert again == []
    assert parser.finished


def test_parser_usage_only_from_meta() -> None:
    events = ChunkParser().feed('{"choices": [], "meta": {"usage": {"usd_spent": "0.5"}}}')
    assert events == [UsageReport(Usage(cost_usd=0.5))]


def test_parser_rejects_json_that_is_not_an_object() -> None:
    with pytest.raises(InvalidResponseError):
        ChunkParser().feed("[1, 2]")


# --------------------------------------------------------------------------- random boundaries


class _Pieces(httpx.AsyncByteStream):
    def __init__(self, pieces: Sequence[bytes]) -> None:
        self._pieces = pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece


def _wire_bytes() -> bytes:
    chunks = [
        {"choices": [{"delta": {"role": "assistant", "content": None}}]},
        {"choices": [{"delta": {"reasoning_content": "Ünïcode 😀 thoughts", "content": None}}]},
        {"choices": [{"delta": {}}]},
        {"choices": [{"delta": {"content": "Answer: 日本語 €"}}]},
        {"choices": [{"delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2,
                                  "completion_tokens_details": {"reasoning_tokens": 1}}},
    ]
    lines = [": keep-alive\r\n\r\n"]
    lines += [f"data: {json.dumps(c, ensure_ascii=False)}\r\n\r\n" for c in chunks]
    lines.append("data: [DONE]\r\n\r\n")
    return "".join(lines).encode()


WIRE = _wire_bytes()


async def _parse(pieces: Sequence[bytes]) -> list[StreamEvent]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"},
                              stream=_Pieces(pieces))
    return [event async for event in iter_events(response)]


@functools.cache
def whole() -> list[StreamEvent]:
    """The events of the sample when it arrives in one piece."""
    return asyncio.run(_parse([WIRE]))


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.integers(min_value=0, max_value=len(WIRE)), max_size=40))
def test_chunk_boundaries_do_not_matter(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    pieces = [WIRE[a:b] for a, b in zip([0, *points], [*points, len(WIRE)], strict=True)]
    assert asyncio.run(_parse([p for p in pieces if p])) == whole()


def test_expected_events_of_the_wire_sample() -> None:
    expected = [
        ReasoningDelta("Ünïcode 😀 thoughts"),
        ContentDelta("Answer: 日本語 €"),
        Finish("stop"),
        UsageReport(Usage(prompt_tokens=1, completion_tokens=2, reasoning_tokens=1)),
    ]
    assert whole() == expected


class _CountedBody(httpx.AsyncByteStream):
    """A response body that counts the network reads it hands on."""

    def __init__(self, body: httpx.AsyncByteStream) -> None:
        self.body = body
        self.reads = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for data in self.body:
            self.reads += 1
            yield data

    async def aclose(self) -> None:
        await self.body.aclose()


async def test_a_fast_trickle_is_read_a_few_chunks_at_a_time(fake_api: FakeAPI) -> None:
    """One read per chunk would wake the window's loop for each; a rest after a small read
    lets the next take what came meanwhile. Nothing is lost or reordered."""
    content = tuple(f"word{i} " for i in range(150))
    fake_api.queue(fake.stream((), content, delay=0.001))
    async with httpx.AsyncClient() as http, http.stream(
        "POST", f"{fake_api.url}/chat/completions", json={"stream": True}
    ) as response:
        assert isinstance(response.stream, httpx.AsyncByteStream)
        counted = _CountedBody(response.stream)
        response.stream = counted
        events = [event async for event in iter_events(response)]
    assert text_of(events) == ("", "".join(content))
    assert Finish("stop") in events
    assert counted.reads < len(content) / 3
