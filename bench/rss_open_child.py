"""Child process of fig_rss_open: the real app opens a long conversation, then reports RSS.

``python -m bench.rss_open_child DATA_DIR CONVERSATION_ID`` prints one JSON line. It
runs ``grokdesk.app.run_window`` (what ``grokdesk`` runs) with a driver that waits
until the start-up is over, picks the conversation in the sidebar, waits for its
first paint and for the process to be idle again, and reads VmRSS.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bench.appdriver import QtSession, app_env, select_conversation, settle, until
from bench.procstat import rss_mib
from bench.qtprobes import PaintProbe


def main(argv: list[str]) -> int:
    data_dir, conversation_id = Path(argv[0]), int(argv[1])
    session = QtSession()

    async def driver(window: object) -> dict[str, float]:
        from grokdesk.ui.main_window import MainWindow

        assert isinstance(window, MainWindow)
        await settle()
        before = rss_mib(os.getpid())
        scroll = window.transcript.scroll_area
        probe = PaintProbe(scroll.viewport(), scroll.widget())
        probe.arm()
        select_conversation(window, conversation_id)
        await until(lambda: probe.done is not None, 30, "the first paint")
        await settle()
        return {"rss_before_mib": round(before, 1), "rss_after_mib": round(rss_mib(os.getpid()), 1),
                "first_paint_ms": round(probe.elapsed_ms() or 0.0, 1),
                "messages": len(window.transcript.messages),
                "built_views": len(window.transcript.built_views())}

    try:
        result = session.run_window(app_env(data_dir), driver)
    finally:
        session.close()
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
