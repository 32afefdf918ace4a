"""Full-text search over 200,000 messages and listing 10,000 conversations (≤ 50 ms each).

Calls the history's public methods (``History.search``, ``History.list_conversations``)
and the sidebar model (its first page, and a search typed into the sidebar) on the
cached big history. Each figure is the median of repeated calls after one warm-up
call, so the SQLite page cache is warm, as it is in a running app.

The queries cover what people type: a common word (in about half the messages), two
common words, a rare word (a handful of conversations), a two-letter term (too short
for the trigram index, so it falls back to LIKE) and a word that is nowhere.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from bench.context import Context
from bench.report import Figure
from bench.stats import median, rounded
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

BUDGET_MS = 50.0
RARE = ""
"""Stands for a rare word of the generated history, found at run time."""
QUERIES = (
    ("search_common", "common word", "function"),
    ("search_two_common", "two common words", "database index"),
    ("search_rare", "rare word", RARE),
    ("search_short", "two letters (LIKE fallback)", "qu"),
    ("search_none", "no match", "zyzzyvaq"),
)


def timed_ms(call: Callable[[], object], reps: int) -> list[float]:
    """Run ``call`` once to warm up, then ``reps`` times; the durations in ms."""
    call()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _rare_word(history: History, seed: int) -> str:
    """A made-up word that occurs in a few messages (the generator adds them)."""
    from bench.textgen import TextPool

    for word in TextPool(seed).rare:
        if len(word) >= 6 and history.search(word, limit=50):
            return word
    raise LookupError("no rare word occurs in the history")


def _figure(key: str, title: str, samples: list[float], **detail: object) -> Figure:
    return Figure(key, title, median(samples), "ms", BUDGET_MS,
                  detail={"samples_ms": rounded(samples), **detail})


def run(ctx: Context) -> list[Figure]:
    from grokdesk.chat.service import ChatService
    from grokdesk.config import Settings
    from grokdesk.secrets import KeyStore
    from grokdesk.ui.sidebar.model import ConversationListModel

    reps = ctx.reps(15, 2)
    history = History(open_database(ctx.history.db_path))
    core = ChatService(history, Settings(), KeyStore())
    try:
        total = history.count_conversations()
        figures = [
            _figure("list_all", f"list_conversations() of all {total:,}",
                    timed_ms(history.list_conversations, reps)),
            _figure("list_page", "list_conversations(limit=100): one sidebar page",
                    timed_ms(lambda: history.list_conversations(limit=100), reps)),
            _figure("list_last_page", "list_conversations(limit=100) at the end of the list",
                    timed_ms(lambda: history.list_conversations(
                        limit=100, offset=max(0, total - 100)), reps)),
            _figure("sidebar_first_page", "sidebar model: first page (count + 100 rows)",
                    timed_ms(lambda: ConversationListModel(core), reps)),
        ]
        for key, kind, query in QUERIES:
            query = query or _rare_word(history, ctx.history.spec.seed)
            hits = len(history.search(query))
            figures.append(_figure(
                key, f"search, {kind}: {query!r}",
                timed_ms(functools.partial(history.search, query), reps), hits=hits))
        model = ConversationListModel(core)

        def sidebar_search() -> None:
            model.set_query("function")
            model.set_query("")

        figures.append(_figure(
            "sidebar_search", "sidebar search 'function' (search + 200 rows) and clear",
            timed_ms(sidebar_search, reps)))
    finally:
        history.db.close()
    return figures
