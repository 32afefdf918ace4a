"""Switching branch in a 1,000-message conversation with 100 branch points (≤ 50 ms).

Measures the chat core's part of a switch: ``ChatService.select_branch`` (the newest leaf
below the chosen version, stored as the current leaf) plus the ``ActivePath`` it
publishes (the path read from the leaf up, with every message's versions). The tree is
built in a file of its own: a 900-message main line whose every ninth message has a
second version, itself continued by a short branch, 1,000 messages in all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.context import Context
from bench.fig_storage import timed_ms
from bench.report import Figure
from bench.stats import median, rounded
from grokdesk.storage.db import open_database
from grokdesk.storage.models import Message
from grokdesk.storage.repository import History

BUDGET_MS = 50.0
TEXT = "A paragraph of an answer with some words in it. " * 20


def _tree(size: int, branch_points: int) -> tuple[list[Message], list[int]]:
    """Messages in their own numbering, and the second version of each branch point."""
    main = size - branch_points
    messages = [Message(id=i + 1, uuid=f"main-{i}", conversation_id=0,
                        role="user" if i % 2 == 0 else "assistant", content=TEXT,
                        created_at=float(i), parent_id=i or None) for i in range(main)]
    step = max(1, main // branch_points)
    versions = []
    for k in range(branch_points):
        at = min(main - 1, k * step + 1)
        message = Message(id=main + k + 1, uuid=f"branch-{k}", conversation_id=0,
                          role=messages[at].role, content=TEXT, created_at=main + float(k),
                          parent_id=messages[at].parent_id)
        messages.append(message)
        versions.append(message.id)
    return messages, versions


def run(ctx: Context) -> list[Figure]:
    from grokdesk.chat.service import ChatService
    from grokdesk.config import Settings
    from grokdesk.secrets import KeyStore

    size, points = ctx.size(1000, 100), ctx.size(100, 10)
    reps = ctx.reps(15, 2)
    with tempfile.TemporaryDirectory() as folder:
        history = History(open_database(Path(folder) / "branches.sqlite3"))
        try:
            core = ChatService(history, Settings(), KeyStore())
            conversation = history.create_conversation("Branches")
            messages, versions = _tree(size, points)
            ids = history.insert_tree(conversation.id, messages, current_leaf_id=size - points)
            targets = [ids[v] for v in versions] + [ids[2]]
            turn = iter(range(10**9))

            def switch() -> None:
                changes = core.select_branch(targets[next(turn) % len(targets)])
                assert changes.paths[conversation.id].messages

            samples = timed_ms(switch, reps)
        finally:
            history.db.close()
    return [Figure("switch_branch", f"switch branch in a {size:,}-message conversation with "
                   f"{points} branch points (core)", median(samples), "ms", BUDGET_MS,
                   detail={"samples_ms": rounded(samples)})]
