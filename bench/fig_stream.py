"""Streaming into a 1,000-message conversation: event-loop lateness, and characters per second.

The real app runs in this process (offscreen) over a history holding one conversation
of 1,000 messages, with reasoning shown; the fake provider runs in its own process
and streams a long answer: about 40 % reasoning and 60 % Markdown with lists, tables
and code, in token-sized chunks (2-7 characters).

* The "fast stream" is paced at one chunk per millisecond: about 4,000 characters a
  second, several times what a real provider sends. Each run presses Send and waits
  until the answer is finished and its final render painted; meanwhile a 4 ms
  precise timer on the Qt loop records how late it fires (p99 and max per run).
* Characters per second: the window's rate is characters / (Send → final render
  painted); the floor is raw httpx reading the same stream, sending the very body
  the app sent, on a plain asyncio loop. This says whether the window keeps up.
* The same, unpaced (the server writes as fast as it can): how much work the client
  and the window do per character. Reported without a budget: raw httpx does no
  parsing beyond ``json.loads`` and draws nothing, so this ratio is far below 1 for
  any real window; it is the number to watch when the per-event path changes.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bench.appdriver import BENCH_KEY, app_env, settle, until
from bench.context import Context
from bench.datagen import build_single, db_path
from bench.fakeserver import FakeServer
from bench.qtprobes import LatenessProbe, PaintProbe
from bench.rawstream import read_stream, run_plain
from bench.report import Figure
from bench.stats import median, rounded
from bench.textgen import TextPool

if TYPE_CHECKING:
    from grokdesk.ui.main_window import MainWindow

LATE_TITLE = "event-loop lateness while streaming into 1,000 messages"
RATE_TITLE = "streamed chars rendered per second: window vs raw httpx (same paced stream)"
RATE_UNPACED_TITLE = "  same, unpaced stream (server as fast as it can; informational)"
PACE_S = 0.001
"""Seconds between chunks of the paced stream (the server sleeps this long)."""
QUESTION = "Explain how the cache and the index work, with code."


@dataclass(frozen=True, slots=True)
class Pieces:
    """The chunks of one streamed answer."""

    reasoning: list[str]
    content: list[str]

    @property
    def chunks(self) -> int:
        return len(self.reasoning) + len(self.content)

    @property
    def chars(self) -> int:
        return sum(map(len, self.reasoning)) + sum(map(len, self.content))


def make_pieces(chunks: int, seed: int = 23) -> Pieces:
    """About ``chunks`` token-sized pieces: 40 % reasoning, then 60 % Markdown answer."""
    pool = TextPool(seed)
    reasoning: list[str] = []
    while len(reasoning) < chunks * 4 // 10:
        reasoning += pool.tokens(pool.reasoning() + " ")
    content: list[str] = []
    while len(reasoning) + len(content) < chunks:
        content += pool.tokens(pool.assistant() + "\n\n")
    return Pieces(reasoning, content)


async def _send_and_wait(window: MainWindow, probe: PaintProbe) -> tuple[float, float]:
    """Press Send; return (start, end of the first paint after the answer finished)."""
    controller = window.controller
    finished = asyncio.Event()

    def on_finished(_message: object) -> None:
        probe.arm()
        finished.set()

    controller.liveFinished.connect(on_finished)
    try:
        started = time.perf_counter()
        window.composer.set_text(QUESTION)
        window.composer.submit()
        await until(lambda: controller.busy, 10, "the turn to start")
        await asyncio.wait_for(finished.wait(), 300)
        await until(lambda: probe.done is not None, 30, "the final paint")
        await until(lambda: not controller.busy, 30, "the turn to end")
    finally:
        controller.liveFinished.disconnect(on_finished)
    assert probe.done is not None
    return started, probe.done


@dataclass(frozen=True, slots=True)
class WindowRun:
    """One answer streamed into the window: its rate and the loop's lateness meanwhile."""

    chars_per_s: float
    lateness: dict[str, float]


def _window_runs(ctx: Context, server: FakeServer, data_dir: Path, pieces: Pieces,
                 reps: int, pace_s: float) -> list[WindowRun]:
    """Send ``reps`` questions in one app session; each answer is ``pieces`` at ``pace_s``."""

    async def driver(window: MainWindow) -> list[WindowRun]:
        window.set_show_reasoning(True)
        scroll = window.transcript.scroll_area
        paint = PaintProbe(scroll.viewport(), scroll.widget())
        late = LatenessProbe(4)
        runs = []
        try:
            for _ in range(reps):
                server.queue_stream(pieces.reasoning, pieces.content, delay=pace_s)
                await settle(quiet=0.3)
                late.start()
                started, painted = await _send_and_wait(window, paint)
                late.stop()
                runs.append(WindowRun(pieces.chars / (painted - started), late.summary()))
        finally:
            paint.remove()
        return runs

    return ctx.qt.run_window(app_env(data_dir, server.url), driver)


async def _idle_lateness(seconds: float) -> dict[str, float]:
    """The loop's lateness with nothing to do: what this machine's noise alone adds."""
    probe = LatenessProbe(4)
    probe.start()
    await asyncio.sleep(seconds)
    probe.stop()
    return probe.summary()


async def _raw_rates(server: FakeServer, pieces: Pieces, reps: int, pace_s: float
                     ) -> list[float]:
    """Raw httpx reading the same answer, sending the body the app sent for it."""
    body = server.last_chat_body()
    rates = []
    async with httpx.AsyncClient(timeout=60) as http:
        for _ in range(reps):
            server.queue_stream(pieces.reasoning, pieces.content, delay=pace_s)
            read = await read_stream(http, f"{server.url}/chat/completions", body, BENCH_KEY)
            if read.chars != pieces.chars:
                raise RuntimeError(f"raw read {read.chars} chars of {pieces.chars}")
            rates.append(read.chars / read.total_s)
    return rates


def _median_of(runs: list[WindowRun], key: str) -> float:
    return median([run.lateness[key] for run in runs])


def run(ctx: Context) -> list[Figure]:
    data_dir = ctx.workdir("stream")
    conversation_size = ctx.size(1000, 100)
    build_single(db_path(data_dir), conversation_size)
    pieces = make_pieces(ctx.size(6000, 300))
    reps = ctx.reps(3, 1)
    with FakeServer() as server:
        idle = ctx.qt.run(_idle_lateness(ctx.size(2.0, 0.2)))
        paced = _window_runs(ctx, server, data_dir, pieces, reps, PACE_S)
        raw_paced = run_plain(_raw_rates(server, pieces, reps, PACE_S))
        unpaced = _window_runs(ctx, server, data_dir, pieces, reps, 0.0)
        raw_unpaced = run_plain(_raw_rates(server, pieces, reps, 0.0))
    stream = {"chunks": pieces.chunks, "chars": pieces.chars,
              "conversation_messages": conversation_size, "pace_ms_per_chunk": PACE_S * 1000}
    runs = [run.lateness for run in paced]
    window, fast_window = [r.chars_per_s for r in paced], [r.chars_per_s for r in unpaced]
    return [
        Figure("lateness_p99", f"{LATE_TITLE}: p99", _median_of(paced, "p99_ms"), "ms", 16.0,
               detail={"runs": runs, "idle_lateness": idle, **stream}),
        Figure("lateness_max", f"{LATE_TITLE}: max", _median_of(paced, "max_ms"), "ms", 50.0,
               detail={"runs": runs, "unpaced_runs": [r.lateness for r in unpaced]}),
        Figure("stream_rate", RATE_TITLE, median(window) / median(raw_paced), "×", 0.9,
               compare=">=", detail={
                   "window_chars_per_s": round(median(window)),
                   "raw_chars_per_s": round(median(raw_paced)),
                   "window_samples": rounded(window, 0), "raw_samples": rounded(raw_paced, 0),
                   **stream}),
        Figure("stream_rate_unpaced", RATE_UNPACED_TITLE,
               median(fast_window) / median(raw_unpaced), "×", detail={
                   "window_chars_per_s": round(median(fast_window)),
                   "raw_chars_per_s": round(median(raw_unpaced)),
                   "window_samples": rounded(fast_window, 0),
                   "raw_samples": rounded(raw_unpaced, 0), "chunks": pieces.chunks,
                   "chars": pieces.chars, "pace_ms_per_chunk": 0}),
    ]
