"""The floors for streaming: plain httpx reading a chat stream, on a plain asyncio loop.

No grokdesk code and no Qt: an ``httpx.AsyncClient``, ``aiter_lines`` and one
``json.loads`` per ``data:`` line to find the text. That is the least any client must
do to show the stream, so it is what the app's client and window are measured against.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
REASONING_KEYS = ("reasoning_content", "reasoning")


@dataclass(frozen=True, slots=True)
class RawRead:
    """Seconds to the first text, seconds to ``[DONE]``, and characters of text read."""

    first_s: float
    total_s: float
    chars: int


def run_plain(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on a fresh plain asyncio loop (not the Qt one), then close it."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _text(payload: str) -> str:
    chunk = json.loads(payload)
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    delta = choices[0].get("delta") or {}
    parts = [delta.get(key) for key in (*REASONING_KEYS, "content")]
    return "".join(p for p in parts if isinstance(p, str))


async def read_stream(http: httpx.AsyncClient, url: str, body: dict[str, Any],
                      key: str) -> RawRead:
    """POST ``body`` to ``url`` and read the event stream to its end."""
    headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
    first: float | None = None
    chars = 0
    started = time.perf_counter()
    async with http.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                break
            text = _text(payload)
            if text and first is None:
                first = time.perf_counter()
            chars += len(text)
    done = time.perf_counter()
    return RawRead((first or done) - started, done - started, chars)
