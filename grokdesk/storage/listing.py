"""Many conversations from plain rows, built as fast as Python allows.

Listing every conversation (10,000 in the benchmark, ``grokdesk list --all`` and the
outside-change check) is mostly building objects once SQLite has handed over the rows.
Two things made it slow, measured on that listing:

* A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``:
  1.5 µs per conversation against 0.35 µs unfrozen. The slots' own descriptors set the
  same fields for about half that, and the objects stay frozen for everyone else.
* 20,000 new container objects (the rows and the conversations) set off collections
  of the whole heap partway through, which find nothing to free: these objects hold no
  cycles. The collector waits until the list is built.

Equal settings are shared, as few distinct ones exist.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from grokdesk.storage.db import Database, translated_errors
from grokdesk.storage.models import Conversation, ConversationSettings

CONVERSATION_SELECT = """
SELECT c.id, c.uuid, c.title, c.created_at, c.updated_at, c.pinned, c.provider, c.model,
       c.system_prompt, c.reasoning_effort, c.temperature, c.message_count
FROM conversations AS c WHERE c.import_batch IS NULL
"""
"""Every listed conversation's columns, in :func:`conversations_from_rows` order; a caller
adds its own ``AND …`` condition or ``ORDER BY``."""

_SETTERS: tuple[Callable[[Conversation, Any], None], ...] = tuple(
    getattr(Conversation, field.name).__set__ for field in fields(Conversation))
"""The slot descriptors' setters, in field order (``id`` … ``message_count``)."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside (it resumes as it was, even on errors)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def list_conversations(db: Database, limit: int | None = None, offset: int = 0
                       ) -> list[Conversation]:
    """Pinned first, then most recent activity first; one query, counts included.

    The cost of a long listing is building the objects, so rows come as plain tuples:
    ``sqlite3.Row`` lookups by name cost more. The window's first frame reads its page
    here, on the database, before the rest of the history's code is loaded.
    """
    sql = (CONVERSATION_SELECT
           + "ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?")
    with translated_errors(db.path), collector_paused():
        cursor = db.connection.execute(sql, (-1 if limit is None else limit, offset))
        cursor.row_factory = None
        return conversations_from_rows(cursor.fetchall())


def count_conversations(db: Database) -> int:
    """All conversations less those of unfinished imports: both counted from indexes,
    where filtering the table reads every row (3-6 ms for 10,000, before the first frame)."""
    row = db.fetchone(
        "SELECT (SELECT COUNT(*) FROM conversations)"
        " - (SELECT COUNT(*) FROM conversations WHERE import_batch IS NOT NULL)")
    return 0 if row is None else int(row[0])


def conversations_from_rows(rows: Iterable[Sequence[Any]]) -> list[Conversation]:
    """Conversations from rows (plain tuples or ``sqlite3.Row``) in
    :data:`CONVERSATION_SELECT` column order: id, uuid, title, created_at,
    updated_at, pinned, provider, model, system_prompt, reasoning_effort, temperature,
    message_count. The one place that turns those columns into a conversation."""
    set_id, set_uuid, set_title, set_created, set_updated, set_pinned, set_settings, \
        set_count = _SETTERS
    new = object.__new__
    settings_seen: dict[tuple[Any, ...], ConversationSettings] = {}
    built: list[Conversation] = []
    append = built.append
    for row in rows:
        key = tuple(row[6:11])
        settings = settings_seen.get(key)
        if settings is None:
            provider, model, system_prompt, effort, temperature = key
            settings = settings_seen[key] = ConversationSettings(
                provider=provider, model=model, system_prompt=system_prompt,
                reasoning_effort=effort if effort in ("low", "high") else None,
                temperature=temperature)
        conversation = new(Conversation)
        set_id(conversation, row[0])
        set_uuid(conversation, row[1])
        set_title(conversation, row[2])
        set_created(conversation, row[3])
        set_updated(conversation, row[4])
        set_pinned(conversation, bool(row[5]))
        set_settings(conversation, settings)
        set_count(conversation, row[11])
        append(conversation)
    return built
