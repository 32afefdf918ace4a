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

from grokdesk.storage.models import Conversation, ConversationSettings

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


def conversations_from_rows(rows: Iterable[Sequence[Any]]) -> list[Conversation]:
    """Conversations from rows (plain tuples or ``sqlite3.Row``) in
    ``repository._CONVERSATION_SELECT`` column order: id, uuid, title, created_at,
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
