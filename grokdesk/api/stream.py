"""Server-sent events of a chat completion → typed events, with every provider quirk.

The SSE framing (comment lines, CRLF, lines split across network reads) is left to
httpx-sse; this module decides what each ``data:`` payload means. Text is always
decoded as UTF-8 with replacement, whatever charset the server claims, so a broken
byte costs one character instead of the whole answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_sse import EventSource

from grokdesk.api.bodies import error_from_json, parse_usage, reasoning_of
from grokdesk.api.errors import InvalidResponseError, StreamError, StreamInterrupted, excerpt
from grokdesk.api.types import ContentDelta, Finish, ReasoningDelta, StreamEvent, UsageReport

log = logging.getLogger("grokdesk.api")

DONE = "[DONE]"
STALLED = "The answer was cut off: the service stopped sending"
CUT = "The answer was cut off: the connection ended early"
MAX_CHUNK_CHARS = 120
READ_PAUSE_S = 0.008
"""How long the body rests after a small network read, so the next takes all that came
meanwhile.

A fast server sends a chunk every millisecond or so; read as each arrives, the event loop
wakes, reads and parses once per chunk (most of the window's work while an answer
streams). A short rest turns that into one read of several chunks, far below what the
window's throttled redraw shows. After a large read more is waiting already: no rest."""
SMALL_READ = 16 * 1024


class ChunkParser:
    """Turns the payload of one SSE event into events, remembering how the stream stands.

    ``finished`` becomes true once any choice carried a ``finish_reason`` and ``done``
    once ``[DONE]`` arrived: together they tell a complete answer from a cut one.
    """

    def __init__(self, *, request_id: str | None = None) -> None:
        self.request_id = request_id
        self.finished = False
        self.done = False

    def feed(self, data: str, *, event: str = "message") -> list[StreamEvent]:
        """Events for one payload; raises StreamError or InvalidResponseError."""
        data = data.strip()
        if not data:
            return []
        if data == DONE:
            self.done = True
            return []
        try:
            chunk = json.loads(data)
        except ValueError:
            raise InvalidResponseError(
                f"The service sent a malformed chunk: {excerpt(data, MAX_CHUNK_CHARS)}",
                request_id=self.request_id,
            ) from None
        if not isinstance(chunk, dict):
            raise InvalidResponseError(
                "The service sent a chunk that is not an object: "
                f"{excerpt(data, MAX_CHUNK_CHARS)}",
                request_id=self.request_id,
            )
        if chunk.get("error") is not None or event == "error":
            self._raise_error(chunk)
        return self._events(chunk)

    def _raise_error(self, chunk: dict[str, Any]) -> None:
        found = error_from_json(chunk)
        error = chunk.get("error")
        code = error.get("code") if isinstance(error, dict) else chunk.get("code")
        raise StreamError(
            found.message if found and found.message else "unknown error",
            code=None if code is None else str(code),
            request_id=self.request_id,
        )

    def _events(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        choices = chunk.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        if isinstance(choice, dict):
            delta = choice.get("delta")
            if isinstance(delta, dict):
                reasoning = reasoning_of(delta)
                if reasoning:
                    events.append(ReasoningDelta(reasoning))
                content = delta.get("content")
                if isinstance(content, str) and content:
                    events.append(ContentDelta(content))
            reason = choice.get("finish_reason")
            if isinstance(reason, str) and reason and not self.finished:
                self.finished = True
                events.append(Finish(reason))
        usage = parse_usage(chunk)
        if usage is not None:
            events.append(UsageReport(usage))
        return events


async def iter_events(
    response: httpx.Response, *, request_id: str | None = None
) -> AsyncIterator[StreamEvent]:
    """Events of a streaming response, until ``[DONE]`` or the end of the body.

    Raises StreamError for an error the server put in the stream, StreamInterrupted
    when the body ends (or stalls past the read timeout) before the answer finished,
    InvalidResponseError for a chunk that is not JSON. Everything that arrived before
    the problem has been yielded by then.
    """
    parser = ChunkParser(request_id=request_id)
    response.encoding = "utf-8"
    response.stream = _ReadsInBatches(response.stream)
    sse_events = EventSource(response).aiter_sse()
    try:
        async for sse in sse_events:
            for event in parser.feed(sse.data, event=sse.event):
                yield event
            if parser.done:
                return
    except httpx.TimeoutException:
        raise StreamInterrupted(STALLED, request_id=request_id) from None
    except httpx.TransportError as exc:
        log.debug("stream ended by %s", type(exc).__name__)
        if not parser.finished:
            raise StreamInterrupted(CUT, request_id=request_id) from None
    finally:
        await sse_events.aclose()
    if not parser.finished:
        raise StreamInterrupted(CUT, request_id=request_id)
    log.debug("stream ended without [DONE] after finish_reason; treated as complete")


class _ReadsInBatches(httpx.AsyncByteStream):
    """A response body that rests :data:`READ_PAUSE_S` after each small read it hands on."""

    def __init__(self, body: httpx.AsyncByteStream | httpx.SyncByteStream) -> None:
        if not isinstance(body, httpx.AsyncByteStream):
            raise TypeError("a streamed response needs an async body")
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for data in self._body:
            yield data
            if len(data) < SMALL_READ:
                await asyncio.sleep(READ_PAUSE_S)

    async def aclose(self) -> None:
        await self._body.aclose()
