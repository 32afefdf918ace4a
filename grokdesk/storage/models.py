"""The history's records as plain dataclasses: callers never see sqlite rows.

The conversation-level records are defined here; the message-level ones
(:mod:`grokdesk.storage.message_records`) load when first asked for, so that the window's
first frame, which lists conversations only, does not build their classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from grokdesk.lazy_names import lazy_names

if TYPE_CHECKING:
    from grokdesk.storage.message_records import (
        MESSAGE_COLUMNS,
        ActivePath,
        DeletedSubtree,
        Message,
        MessageRole,
        MessageStatus,
        MessageTree,
        SearchHit,
        TokenUsage,
        UnknownUsage,
    )

__all__ = ["MESSAGE_COLUMNS", "ActivePath", "Conversation", "ConversationSettings",
           "DeletedSubtree", "Message", "MessageRole", "MessageStatus", "MessageTree",
           "SearchHit", "TokenUsage", "UnknownUsage", "new_uuid"]

__getattr__ = lazy_names(__name__, {
    "grokdesk.storage.message_records": (
        "MESSAGE_COLUMNS", "ActivePath", "DeletedSubtree", "Message", "MessageRole",
        "MessageStatus", "MessageTree", "SearchHit", "TokenUsage", "UnknownUsage"),
})


def new_uuid() -> str:
    """A fresh random id for a new record. ``uuid`` (and ``platform``, which it imports)
    loads when the first record is made, not before the window's first frame."""
    import uuid

    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class ConversationSettings:
    """Per-conversation choices; None means "use the profile's or the app's default"."""

    provider: str | None = None
    model: str | None = None
    system_prompt: str | None = None
    reasoning_effort: Literal["low", "high"] | None = None
    temperature: float | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    uuid: str
    title: str
    created_at: float
    updated_at: float
    pinned: bool = False
    settings: ConversationSettings = field(default_factory=ConversationSettings)
    message_count: int = 0
    """Messages on the active path: what is shown (other versions are not counted)."""
