"""Opening a 1,000-message conversation (to its first paint), and switching between two.

The real app runs in this process (offscreen) over the 200,000-message history. A
conversation is picked in the sidebar as a click would; the time runs from there to
the end of the first paint pass of the chat pane (:class:`bench.qtprobes.PaintProbe`).
"Open" starts from the most recent (ordinary) conversation each time; "switch"
alternates between the two long ones. Between measurements the process settles.

One answer in five has math. Math typeset before is drawn in the first paint (the
open figure's later samples); math never typeset shows as its source first and is
typeset in a thread. "Math drawn" opens with the typesetting cache emptied each time
and runs until no shown message waits for its math and the pane has painted again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.appdriver import app_env, select_conversation, settle, until
from bench.context import Context
from bench.qtprobes import PaintProbe
from bench.report import Figure
from bench.stats import median, rounded

if TYPE_CHECKING:
    from grokdesk.ui.main_window import MainWindow

OPEN_TITLE = "open a 1,000-message conversation (first paint)"
MATH_TITLE = "  same, math typeset from cold: until it is drawn (informational)"
SWITCH_TITLE = "switch between two 1,000-message conversations"


async def _timed(window: MainWindow, probe: PaintProbe, conversation_id: int) -> float:
    """Open a conversation as for the first time in a session: nothing of it kept
    rendered (``ui.transcript.stored_renders``), though switching back would find it."""
    from grokdesk.ui.transcript import stored_renders

    stored_renders.forget()
    probe.arm()
    select_conversation(window, conversation_id)
    await until(lambda: probe.done is not None, 30, "the first paint")
    elapsed = probe.elapsed_ms()
    assert elapsed is not None
    await settle(quiet=0.25)
    return elapsed


def _waiting_for_math(window: MainWindow) -> bool:
    return any(view.body.waiting_for_math for view in window.transcript.built_views())


def _equations_shown(window: MainWindow) -> int:
    from grokdesk.render.math import IMAGE_SCHEME

    return sum(view.body.stable.toHtml().count(f'src="{IMAGE_SCHEME}:')
               for view in window.transcript.built_views())


async def _timed_math(window: MainWindow, probe: PaintProbe, conversation_id: int) -> float:
    """Open with nothing typeset; the time until the first paint pass after the math is
    typeset (the render that shows it repaints the pane). With no math on screen (a smoke
    history may have none) that is the first paint.
    """
    from grokdesk.render.math.typeset import clear_cache
    from grokdesk.ui.transcript import math_images, stored_renders

    clear_cache()
    math_images.forget()
    stored_renders.forget()
    started = probe.arm()
    select_conversation(window, conversation_id)
    await until(lambda: probe.done is not None, 30, "the first paint")
    while _waiting_for_math(window):  # each paint pass until one after the math came
        probe.arm()
        await until(lambda: probe.done is not None, 60, "a paint with math")
    assert probe.done is not None
    painted = probe.done
    await settle(quiet=0.25)
    return (painted - started) * 1000


def run(ctx: Context) -> list[Figure]:
    history = ctx.history
    first, second = history.long_ids[:2]
    reps = ctx.reps(11, 1)

    async def driver(window: MainWindow) -> tuple[list[float], list[float], list[float], int]:
        await settle()
        scroll = window.transcript.scroll_area
        probe = PaintProbe(scroll.viewport(), scroll.widget())
        opens, switches, maths = [], [], []
        try:
            for _ in range(reps):
                select_conversation(window, history.latest_id)
                await settle(quiet=0.25)
                opens.append(await _timed(window, probe, first))
            equations = _equations_shown(window)
            for _ in range(reps):
                switches.append(await _timed(window, probe, second))
                switches.append(await _timed(window, probe, first))
            for _ in range(ctx.reps(5, 1)):
                select_conversation(window, history.latest_id)
                await settle(quiet=0.25)
                maths.append(await _timed_math(window, probe, first))
        finally:
            probe.remove()
        return opens, switches, maths, equations

    opens, switches, maths, equations = ctx.qt.run_window(app_env(history.data_dir), driver)
    method = "in-process real app, offscreen; sidebar pick → end of first paint pass"
    return [
        Figure("open_long", OPEN_TITLE, median(opens), "ms", 150.0, detail={
            "samples_ms": rounded(opens, 1), "first_ms": round(opens[0], 1), "method": method}),
        Figure("open_math", MATH_TITLE, median(maths), "ms", detail={
            "samples_ms": rounded(maths, 1), "equations_shown": equations,
            "method": "typesetting cache emptied; sidebar pick → math typeset → next paint"}),
        Figure("switch_long", SWITCH_TITLE, median(switches), "ms", 100.0, detail={
            "samples_ms": rounded(switches, 1), "method": method}),
    ]
