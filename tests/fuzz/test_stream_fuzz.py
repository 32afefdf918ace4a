"""The stream parser against random chunk boundaries, noise lines, garbage and cuts:
only grokdesk's typed API errors may come out, and whatever arrived is never altered."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from grokdesk.api.errors import InvalidResponseError, StreamError, StreamInterrupted
from grokdesk.api.stream import ChunkParser, iter_events
from grokdesk.api.types import ContentDelta, Finish, ReasoningDelta, StreamEvent, UsageReport
from tests.fuzz.common import FUZZ

TYPED = (InvalidResponseError, StreamError, StreamInterrupted)
NOISE_LINES = [": OPENROUTER PROCESSING", ":", "id: 42", "retry: 1000", "event: message",
               "unknown-field: x", "data", "data:"]


class Pieces(httpx.AsyncByteStream):
    """A response body delivered in exactly these pieces, optionally ending in a transport
    error the way a cut connection does."""

    def __init__(self, pieces: Sequence[bytes], cut: bool = False) -> None:
        self.pieces = pieces
        self.cut = cut

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece
        if self.cut:
            raise httpx.RemoteProtocolError("peer closed connection")

    async def aclose(self) -> None:
        return None


@dataclass
class Outcome:
    content: str
    reasoning: str
    finished: bool
    error: Exception | None


def run(pieces: Sequence[bytes], *, cut: bool = False) -> Outcome:
    """Feed ``pieces`` through ``iter_events``; a hang fails via the deadline."""

    async def consume() -> Outcome:
        response = httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  stream=Pieces(pieces, cut))
        events: list[StreamEvent] = []
        error: Exception | None = None
        try:
            async for event in iter_events(response):
                events.append(event)
        except TYPED as exc:
            error = exc
        return Outcome("".join(e.text for e in events if isinstance(e, ContentDelta)),
                       "".join(e.text for e in events if isinstance(e, ReasoningDelta)),
                       any(isinstance(e, Finish) for e in events), error)

    return asyncio.run(asyncio.wait_for(consume(), 30))


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "gen-1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


@dataclass
class Answer:
    reasoning: list[str]
    content: list[str]
    body: bytes


@st.composite
def answers(draw: st.DrawFn, *, finish: bool = True) -> Answer:
    """A well-formed streamed answer with the quirks providers have, as bytes."""
    reasoning = draw(st.lists(st.text(min_size=1, max_size=12), max_size=4))
    content = draw(st.lists(st.text(min_size=1, max_size=12), max_size=6))
    key = draw(st.sampled_from(["reasoning_content", "reasoning"]))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    ascii_only = draw(st.booleans())
    chunks: list[dict[str, Any]] = [_chunk({"role": "assistant", "content": None})]
    chunks += [_chunk({key: r, "content": None}) for r in reasoning]
    chunks += [_chunk({"content": c}) for c in content]
    if finish:
        chunks.append(_chunk({}, "stop"))
    if draw(st.booleans()):
        chunks.append({"id": "gen-1", "choices": [], "usage": {"prompt_tokens": 1}})
    lines: list[str] = []
    for chunk in chunks:
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(st.sampled_from(NOISE_LINES[:6])) + eol)
        if draw(st.booleans()):
            lines.append(f"data: {json.dumps(_chunk({}))}{eol}{eol}")
        lines.append(f"data: {json.dumps(chunk, ensure_ascii=ascii_only)}{eol}{eol}")
    if draw(st.booleans()):
        lines.append(f"data: [DONE]{eol}{eol}")
    return Answer(reasoning, content, "".join(lines).encode())


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    """``body`` in pieces at ``cuts`` (positions may fall inside UTF-8 characters)."""
    points = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


cut_points = st.lists(st.integers(min_value=0, max_value=10**6), max_size=40)


@FUZZ
@given(answers(), cut_points)
def test_chunk_boundaries_never_change_the_answer(answer: Answer, cuts: list[int]) -> None:
    outcome = run(split(answer.body, cuts))
    assert outcome.error is None, outcome.error
    assert outcome.finished
    assert outcome.content == "".join(answer.content)
    assert outcome.reasoning == "".join(answer.reasoning)


@FUZZ
@given(answers(), st.integers(min_value=0, max_value=10**6), cut_points, st.booleans())
def test_a_cut_anywhere_keeps_a_prefix_and_says_so(answer: Answer, at: int, cuts: list[int],
                                                   transport_error: bool) -> None:
    body = answer.body[: at % (len(answer.body) + 1)]
    outcome = run(split(body, cuts), cut=transport_error)
    full_content, full_reasoning = "".join(answer.content), "".join(answer.reasoning)
    assert full_content.startswith(outcome.content)
    assert full_reasoning.startswith(outcome.reasoning)
    if outcome.finished:
        assert outcome.error is None
        assert (outcome.content, outcome.reasoning) == (full_content, full_reasoning)
    else:
        assert isinstance(outcome.error, StreamInterrupted | InvalidResponseError)


garbage_lines = st.one_of(
    st.sampled_from(NOISE_LINES),
    st.text(max_size=40).map(lambda t: "data: " + t),
    st.text(max_size=40),
    st.sampled_from(["data: {", "data: []", "data: null", "data: 42", "data: \"x\"",
                     'data: {"choices": 5}', 'data: {"choices": [{"delta": 7}]}',
                     'data: {"choices": [{"delta": {"content": 7}}]}',
                     'data: {"error": null, "choices": [null]}', 'data: {"usage": "x"}',
                     'data: {"error": {"message": 5}}', 'data: {"error": "quota"}',
                     "event: error", 'data: {"meta": {"usage": []}}']),
)


@FUZZ
@given(answers(), st.lists(st.tuples(st.integers(0, 10**6), garbage_lines), max_size=6),
       cut_points)
def test_garbage_lines_raise_only_typed_errors(answer: Answer,
                                               inserts: list[tuple[int, str]],
                                               cuts: list[int]) -> None:
    lines = answer.body.decode().splitlines(keepends=True)
    for position, garbage in inserts:
        lines.insert(position % (len(lines) + 1), garbage + "\n\n")
    outcome = run(split("".join(lines).encode(), cuts))
    assert outcome.error is None or isinstance(outcome.error, TYPED)


@FUZZ
@given(st.lists(st.binary(max_size=64), max_size=20), st.booleans())
def test_random_bytes_raise_only_typed_errors(pieces: list[bytes], cut: bool) -> None:
    outcome = run(pieces, cut=cut)
    assert outcome.error is None or isinstance(outcome.error, TYPED)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["choices", "delta", "content", "reasoning", "reasoning_content",
                         "finish_reason", "usage", "error", "message", "code", "meta",
                         "prompt_tokens", "completion_tokens_details", "x"]),
        inner, max_size=5),
    max_leaves=20)


@FUZZ
@given(st.one_of(st.text(max_size=200), json_values.map(json.dumps)),
       st.sampled_from(["message", "error", "ping", ""]))
def test_any_payload_gives_events_or_a_typed_error(data: str, event: str) -> None:
    parser = ChunkParser()
    try:
        events = parser.feed(data, event=event)
    except (InvalidResponseError, StreamError):
        return
    assert all(isinstance(e, ReasoningDelta | ContentDelta | Finish | UsageReport)
               for e in events)
