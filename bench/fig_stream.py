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
* A 1 MB line without a break point (random letters: the worst case for Qt's line
  breaker), in 256-character chunks at the same pace: the loop's max lateness from
  Send until the stream ends, and, without a budget, how long the final full render
  of that answer holds the loop.
* A math-heavy answer (paragraphs and three snippets of the LaTeX corpus at a time,
  about one equation per 150 characters) at the same pace, with the typesetting cache
  emptied before each run: the loop's lateness while equations are typeset in the
  window's thread and drawn once closed.
* The same, unpaced (the server writes as fast as it can): how much work the client
  and the window do per character. Raw httpx does no parsing beyond ``json.loads``
  and draws nothing, so this ratio stays below 1 for any real window; the budget
  (≥ 0.6×) bounds what the per-event path may cost.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
RATE_UNPACED_TITLE = "  same, unpaced stream (server as fast as it can)"
LONG_LINE_TITLE = "event-loop lateness while streaming a 1 MB unbroken line: max"
LONG_LINE_FINAL_TITLE = "  its final full render, when the stream ends (informational)"
MATH_TITLE = "event-loop lateness while streaming a math-heavy answer (cold typesetting)"
LONG_LINE_CHUNK = 256
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


def make_math_pieces(chunks: int, seed: int = 31) -> Pieces:
    """About ``chunks`` pieces: a little reasoning, then prose with equations every few lines."""
    pool = TextPool(seed)
    reasoning = pool.tokens(pool.reasoning() + " ")
    content: list[str] = []
    while len(reasoning) + len(content) < chunks:
        part = pool.rng.choice(pool.paragraphs) + "\n\n" + pool.math_part(3) + "\n\n"
        content += pool.tokens(part)
    return Pieces(reasoning, content)


def _new_answer() -> None:
    """Forget the highlighted code and the kept renders: every run streams the same
    question and answer, which a person never sends and receives twice, so no run may
    find the last one's blocks highlighted or its messages rendered."""
    from grokdesk.render.highlight import forget_highlights
    from grokdesk.ui.transcript import stored_renders

    forget_highlights()
    stored_renders.forget()


def _cold_math() -> None:
    """A new answer, with the typesetting cache and the drawn images emptied too, as in a
    fresh process."""
    from grokdesk.render.math.typeset import clear_cache
    from grokdesk.ui.transcript import math_images

    _new_answer()
    clear_cache()
    math_images.forget()


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


async def _type_question(window: MainWindow) -> None:
    """Type the question once before the runs, as a person types before pressing Send.

    Typing gets the app's client ready on a worker thread (``MainWindow._greet``), and
    that takes a few hundred milliseconds: a first run sent straight after ``set_text``
    would time building it, which the raw floor does before its clock starts. Settling
    waits until that thread has finished.
    """
    window.composer.set_text(QUESTION)
    await settle(quiet=0.3)


@dataclass(frozen=True, slots=True)
class WindowRun:
    """One answer streamed into the window: its rate and the loop's lateness meanwhile."""

    chars_per_s: float
    lateness: dict[str, object]


def _window_runs(ctx: Context, server: FakeServer, data_dir: Path, pieces: Pieces,
                 reps: int, pace_s: float,
                 before_each: Callable[[], None] | None = None) -> list[WindowRun]:
    """Send ``reps`` questions in one app session; each answer is ``pieces`` at ``pace_s``
    (``before_each`` runs before each, in the app's process)."""

    async def driver(window: MainWindow) -> list[WindowRun]:
        window.view.set_show_reasoning(True)
        scroll = window.transcript.scroll_area
        paint = PaintProbe(scroll.viewport(), scroll.widget())
        late = LatenessProbe(4, ctx.trace_late_ms)
        runs = []
        await _type_question(window)
        try:
            for _ in range(reps):
                server.queue_stream(pieces.reasoning, pieces.content, delay=pace_s)
                if before_each is not None:
                    before_each()
                await settle(quiet=0.3)
                late.start()
                started, painted = await _send_and_wait(window, paint)
                late.stop()
                runs.append(WindowRun(pieces.chars / (painted - started), late.summary()))
        finally:
            paint.remove()
        return runs

    return ctx.qt.run_window(app_env(data_dir, server.url), driver)


def long_line(chars: int, seed: int = 29) -> list[str]:
    """``chars`` random letters in chunks of LONG_LINE_CHUNK: one line, no break point."""
    rng = random.Random(seed)
    text = "".join(rng.choices(string.ascii_letters, k=chars))
    return [text[i : i + LONG_LINE_CHUNK] for i in range(0, chars, LONG_LINE_CHUNK)]


@dataclass(frozen=True, slots=True)
class LongLineRun:
    """Lateness while the line streamed, and the final render's hold on the loop."""

    lateness: dict[str, object]
    final_ms: float


def _long_line_runs(ctx: Context, server: FakeServer, data_dir: Path, chunks: list[str],
                    reps: int) -> list[LongLineRun]:
    """Stream the long line ``reps`` times; lateness stops when the stream has ended."""

    async def one_run(window: MainWindow, paint: PaintProbe) -> LongLineRun:
        controller = window.controller
        late = LatenessProbe(4, ctx.trace_late_ms)
        finished = asyncio.Event()
        ended: list[float] = []

        def on_finished(_message: object) -> None:
            late.stop()
            ended.append(paint.arm())
            finished.set()

        server.queue_stream([], chunks, delay=PACE_S)
        await settle(quiet=0.3)
        controller.liveFinished.connect(on_finished)
        try:
            late.start()
            window.composer.set_text(QUESTION)
            window.composer.submit()
            await until(lambda: controller.busy, 10, "the turn to start")
            await asyncio.wait_for(finished.wait(), 300)
            await until(lambda: paint.done is not None, 60, "the final paint")
            await until(lambda: not controller.busy, 30, "the turn to end")
        finally:
            controller.liveFinished.disconnect(on_finished)
        assert paint.done is not None
        return LongLineRun(late.summary(), (paint.done - ended[0]) * 1000)

    async def driver(window: MainWindow) -> list[LongLineRun]:
        scroll = window.transcript.scroll_area
        paint = PaintProbe(scroll.viewport(), scroll.widget())
        await _type_question(window)
        try:
            return [await one_run(window, paint) for _ in range(reps)]
        finally:
            paint.remove()

    return ctx.qt.run_window(app_env(data_dir, server.url), driver)


async def _idle_lateness(seconds: float) -> dict[str, object]:
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


def _equations(pieces: Pieces) -> int:
    from grokdesk.render.markdown import _markdown_it

    def walk(tokens: list[Any]) -> int:
        return sum(token.type.startswith("math_") + walk(token.children or [])
                   for token in tokens)

    return walk(_markdown_it().parse("".join(pieces.content), {}))


def _median_of(runs: list[WindowRun], key: str) -> float:
    return median([float(run.lateness[key]) for run in runs])  # type: ignore[arg-type]


def run(ctx: Context) -> list[Figure]:
    data_dir = ctx.workdir("stream")
    conversation_size = ctx.size(1000, 100)
    build_single(db_path(data_dir), conversation_size)
    pieces = make_pieces(ctx.size(6000, 300))
    reps = ctx.reps(3, 1)
    with FakeServer() as server:
        idle = ctx.qt.run(_idle_lateness(ctx.size(2.0, 0.2)))
        paced = _window_runs(ctx, server, data_dir, pieces, reps, PACE_S, _new_answer)
        raw_paced = run_plain(_raw_rates(server, pieces, reps, PACE_S))
        math_pieces = make_math_pieces(ctx.size(3000, 300))
        math = _window_runs(ctx, server, data_dir, math_pieces, reps, PACE_S, _cold_math)
        unpaced = _window_runs(ctx, server, data_dir, pieces, reps, 0.0, _new_answer)
        raw_unpaced = run_plain(_raw_rates(server, pieces, reps, 0.0))
        line = long_line(ctx.size(1_000_000, 100_000))
        long_runs = _long_line_runs(ctx, server, data_dir, line, ctx.reps(2, 1))
    stream = {"chunks": pieces.chunks, "chars": pieces.chars,
              "conversation_messages": conversation_size, "pace_ms_per_chunk": PACE_S * 1000}
    runs = [run.lateness for run in paced]
    window, fast_window = [r.chars_per_s for r in paced], [r.chars_per_s for r in unpaced]
    long_line_detail = {"chars": sum(map(len, line)), "chunk_chars": LONG_LINE_CHUNK,
                        "pace_ms_per_chunk": PACE_S * 1000,
                        "runs": [r.lateness for r in long_runs]}
    return [
        Figure("lateness_p99", f"{LATE_TITLE}: p99", _median_of(paced, "p99_ms"), "ms", 16.0,
               detail={"runs": runs, "idle_lateness": idle, **stream}),
        Figure("lateness_max", f"{LATE_TITLE}: max", _median_of(paced, "max_ms"), "ms", 33.0,
               detail={"runs": runs, "unpaced_runs": [r.lateness for r in unpaced]}),
        Figure("math_lateness_p99", f"{MATH_TITLE}: p99", _median_of(math, "p99_ms"), "ms",
               16.0, detail={"runs": [r.lateness for r in math], "chunks": math_pieces.chunks,
                             "chars": math_pieces.chars,
                             "equations": _equations(math_pieces)}),
        Figure("math_lateness_max", f"{MATH_TITLE}: max", _median_of(math, "max_ms"), "ms",
               33.0, detail={"chars_per_s": rounded([r.chars_per_s for r in math], 0)}),
        Figure("lateness_long_line", LONG_LINE_TITLE,
               median([float(r.lateness["max_ms"]) for r in long_runs]),  # type: ignore[arg-type]
               "ms", 100.0,
               detail=long_line_detail),
        Figure("long_line_final", LONG_LINE_FINAL_TITLE,
               median([r.final_ms for r in long_runs]), "ms",
               detail={"samples_ms": rounded([r.final_ms for r in long_runs], 1)}),
        Figure("stream_rate", RATE_TITLE, median(window) / median(raw_paced), "×", 0.9,
               compare=">=", detail={
                   "window_chars_per_s": round(median(window)),
                   "raw_chars_per_s": round(median(raw_paced)),
                   "window_samples": rounded(window, 0), "raw_samples": rounded(raw_paced, 0),
                   **stream}),
        Figure("stream_rate_unpaced", RATE_UNPACED_TITLE,
               median(fast_window) / median(raw_unpaced), "×", 0.6, compare=">=", detail={
                   "window_chars_per_s": round(median(fast_window)),
                   "raw_chars_per_s": round(median(raw_unpaced)),
                   "window_samples": rounded(fast_window, 0),
                   "raw_samples": rounded(raw_unpaced, 0), "chunks": pieces.chunks,
                   "chars": pieces.chars, "pace_ms_per_chunk": 0}),
    ]
