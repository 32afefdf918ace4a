"""Switching branch in a 1,000-message conversation with 100 branch points (≤ 50 ms).

Measures the chat core's part of a switch: ``ChatService.select_branch`` (the newest leaf
below the chosen version, stored as the current leaf) plus the ``ActivePath`` it
publishes (the path read from the leaf up, with every message's versions). The
conversation is the first long one of the benchmark history (:mod:`bench.datagen`:
1,000 messages on its active path, 100 of them with an older version, some of those
continued by their own answer), so the figure is taken among 200,000 other messages.
The switches alternate between older versions spread along the path (their paths are
shorter) and back to the main line's leaf; the figure is the median of the switches
back, each of which reads the whole 1,000-message path. The main line is current
again at the end, as the other figures expect.
"""

from __future__ import annotations

import time

from bench.context import Context
from bench.report import Figure
from bench.stats import median, rounded
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

BUDGET_MS = 50.0


def _older_versions(history: History, conversation_id: int) -> tuple[list[int], int]:
    """Every version on the active path that is not current, and the current leaf."""
    path = history.active_path(conversation_id)
    others = [v for message, versions in zip(path.messages, path.sibling_ids, strict=True)
              for v in versions if v != message.id]
    leaf = path.current_leaf_id
    assert leaf is not None and others, "the benchmark history has no branches"
    return others, leaf


def run(ctx: Context) -> list[Figure]:
    from grokdesk.chat.service import ChatService
    from grokdesk.config import Settings
    from grokdesk.secrets import KeyStore

    reps = ctx.reps(15, 2)
    conversation_id = ctx.history.long_ids[0]
    history = History(open_database(ctx.history.db_path))
    try:
        core = ChatService(history, Settings(), KeyStore())
        others, leaf = _older_versions(history, conversation_id)
        size = len(history.tree(conversation_id).messages)
        path_size = len(history.messages(conversation_id))

        def switch(target: int) -> float:
            started = time.perf_counter()
            changes = core.select_branch(target)
            elapsed = (time.perf_counter() - started) * 1000
            assert changes.paths[conversation_id].messages
            return elapsed

        away: list[float] = []
        back: list[float] = []
        try:
            switch(others[-1])  # warm-up
            switch(leaf)
            for k in range(reps):
                away.append(switch(others[k * len(others) // reps]))
                back.append(switch(leaf))
        finally:
            history.select_branch(leaf)
    finally:
        history.db.close()
    return [Figure("switch_branch", f"switch branch in a {path_size:,}-message conversation "
                   f"with {len(others)} branch points (core)", median(back), "ms",
                   BUDGET_MS, detail={"samples_ms": rounded(back),
                                      "to_older_versions_ms": rounded(away),
                                      "messages": size, "path_messages": path_size})]
