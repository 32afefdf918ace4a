"""Opening a 1,000-message conversation (to its first paint), and switching between two.

The real app runs in this process (offscreen) over the 200,000-message history. A
conversation is picked in the sidebar as a click would; the time runs from there to
the end of the first paint pass of the chat pane (:class:`bench.qtprobes.PaintProbe`).
"Open" starts from the most recent (ordinary) conversation each time; "switch"
alternates between the two long ones. Between measurements the process settles.
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
SWITCH_TITLE = "switch between two 1,000-message conversations"


async def _timed(window: MainWindow, probe: PaintProbe, conversation_id: int) -> float:
    probe.arm()
    select_conversation(window, conversation_id)
    await until(lambda: probe.done is not None, 30, "the first paint")
    elapsed = probe.elapsed_ms()
    assert elapsed is not None
    await settle(quiet=0.25)
    return elapsed


def run(ctx: Context) -> list[Figure]:
    history = ctx.history
    first, second = history.long_ids[:2]
    reps = ctx.reps(11, 1)

    async def driver(window: MainWindow) -> tuple[list[float], list[float]]:
        await settle()
        scroll = window.transcript.scroll_area
        probe = PaintProbe(scroll.viewport(), scroll.widget())
        opens, switches = [], []
        try:
            for _ in range(reps):
                select_conversation(window, history.latest_id)
                await settle(quiet=0.25)
                opens.append(await _timed(window, probe, first))
            for _ in range(reps):
                switches.append(await _timed(window, probe, second))
                switches.append(await _timed(window, probe, first))
        finally:
            probe.remove()
        return opens, switches

    opens, switches = ctx.qt.run_window(app_env(history.data_dir), driver)
    method = "in-process real app, offscreen; sidebar pick → end of first paint pass"
    return [
        Figure("open_long", OPEN_TITLE, median(opens), "ms", 150.0, detail={
            "samples_ms": rounded(opens, 1), "first_ms": round(opens[0], 1), "method": method}),
        Figure("switch_long", SWITCH_TITLE, median(switches), "ms", 100.0, detail={
            "samples_ms": rounded(switches, 1), "method": method}),
    ]
