"""Time to first token through grokdesk's ChatClient vs raw httpx, same loopback server.

Both read the fake provider's default streamed answer (reasoning first) from the same
server process, alternately (201 pairs), on a plain asyncio loop, each with one client kept
open as the app keeps its own. The time runs from starting the request to the first
reasoning or answer text; both then read the stream to its end.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator
from typing import cast

import httpx

from bench.appdriver import BENCH_KEY
from bench.context import Context
from bench.fakeserver import FakeServer
from bench.rawstream import read_stream, run_plain
from bench.report import Figure
from bench.stats import median, rounded
from grokdesk.api.client import ChatClient
from grokdesk.api.types import (
    ChatMessage,
    ChatRequest,
    ContentDelta,
    ReasoningDelta,
    StreamEvent,
)

TITLE = "time to first token: grokdesk ChatClient vs raw httpx"
MODEL = "x-ai/grok-3-mini-beta"


async def client_ttft(client: ChatClient, request: ChatRequest) -> float:
    """Seconds from ``stream()`` to the first text event; the rest is read and dropped."""
    first: float | None = None
    started = time.perf_counter()
    stream = cast("AsyncGenerator[StreamEvent, None]", client.stream(request))
    async with contextlib.aclosing(stream) as events:
        async for event in events:
            if first is None and isinstance(event, ReasoningDelta | ContentDelta) and event.text:
                first = time.perf_counter()
    if first is None:
        raise RuntimeError("the stream had no text")
    return first - started


async def _measure(url: str, reps: int) -> tuple[list[float], list[float]]:
    request = ChatRequest(MODEL, (ChatMessage("user", "How fast is the first token?"),))
    body = request.to_json(stream=True)
    ours, raws = [], []
    async with ChatClient(url, BENCH_KEY, max_retries=0) as client, httpx.AsyncClient() as http:
        await client_ttft(client, request)
        await read_stream(http, f"{url}/chat/completions", body, BENCH_KEY)
        for _ in range(reps):
            ours.append(await client_ttft(client, request))
            raws.append((await read_stream(http, f"{url}/chat/completions", body,
                                           BENCH_KEY)).first_s)
    return ours, raws


def run(ctx: Context) -> list[Figure]:
    with FakeServer() as server:
        ours, raws = run_plain(_measure(server.url, ctx.reps(201, 3)))
    ours_ms, raws_ms = [s * 1000 for s in ours], [s * 1000 for s in raws]
    return [Figure("ttft", TITLE, median(ours_ms) / median(raws_ms), "×", 1.1, detail={
        "grokdesk_ms": round(median(ours_ms), 3), "raw_httpx_ms": round(median(raws_ms), 3),
        "median_of_paired_ratios": round(median([a / b for a, b in zip(ours, raws, strict=True)]),
                                         3),
        "grokdesk_samples_ms": rounded(ours_ms), "raw_samples_ms": rounded(raws_ms)})]
