"""Exporting a 1,000-message conversation to a Markdown file (≤ 200 ms).

``grokdesk.export.export_conversations`` as the window and ``grokdesk export`` call it,
on one of the long conversations of the big history, with reasoning and usage
included (the largest file the options can make); the plain export is reported too.
"""

from __future__ import annotations

from bench.context import Context
from bench.fig_storage import timed_ms
from bench.report import Figure
from bench.stats import median, rounded
from grokdesk.export import ExportOptions, export_conversations
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

TITLE = "export a 1,000-message conversation to Markdown"


def run(ctx: Context) -> list[Figure]:
    reps = ctx.reps(9, 1)
    target = ctx.workdir("export") / "conversation.md"
    conversation_id = ctx.history.long_ids[0]
    history = History(open_database(ctx.history.db_path))
    try:
        def export(options: ExportOptions) -> None:
            export_conversations(history, [conversation_id], target, options)

        full = timed_ms(lambda: export(ExportOptions(include_reasoning=True,
                                                     include_usage=True)), reps)
        size_kib = target.stat().st_size / 1024
        plain = timed_ms(lambda: export(ExportOptions()), reps)
        messages = len(history.messages(conversation_id))
    finally:
        history.db.close()
    return [Figure("export_md", TITLE, median(full), "ms", 200.0, detail={
        "samples_ms": rounded(full), "plain_ms": round(median(plain), 1),
        "messages": messages, "file_kib": round(size_kib),
        "method": "export_conversations(..., include_reasoning=True, include_usage=True)"})]
