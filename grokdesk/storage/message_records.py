"""The history's message-level records: messages, paths, trees and search hits.

Loaded on first use through :mod:`grokdesk.storage.models`, which names them for
everyone: the window's first frame lists conversations and needs none of these.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, Protocol

MessageStatus = Literal["complete", "streaming", "interrupted", "error"]
MessageRole = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    uuid: str
    conversation_id: int
    role: MessageRole
    content: str
    reasoning: str = ""
    model: str | None = None
    status: MessageStatus = "complete"
    finish_reason: str | None = None
    error: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None
    request_id: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    reasoning_started_at: float | None = None
    content_started_at: float | None = None
    finished_at: float | None = None
    reasoning_effort: str | None = None
    """The effort the answer's request asked for; None when none was sent."""
    parent_id: int | None = None
    """The message this one follows (None for a first message): messages form a tree."""

    @property
    def reasoning_seconds(self) -> float | None:
        """How long the model thought before answering, when both times are known."""
        if self.reasoning_started_at is None:
            return None
        end = self.content_started_at or self.finished_at
        return None if end is None else max(0.0, end - self.reasoning_started_at)


MESSAGE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Message))
"""The ``messages`` columns, named and ordered as Message's fields (the table adds
``position``): every query and insert of messages is built from this one list."""


class TokenUsage(Protocol):
    """An answer's token use and cost as a message stores them; any part may be unknown.

    A protocol, so that the API layer's ``Usage`` is stored as it is while storage
    imports nothing of the API.
    """

    @property
    def prompt_tokens(self) -> int | None: ...

    @property
    def completion_tokens(self) -> int | None: ...

    @property
    def reasoning_tokens(self) -> int | None: ...

    @property
    def total_tokens(self) -> int | None: ...

    @property
    def cost_usd(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class UnknownUsage:
    """A :class:`TokenUsage` with nothing known: what an answer without a report stores."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A conversation matching a search; ``message_id`` None means only the title matched.

    ``snippet`` is plain one-line text; ``highlights`` are the ``(start, end)`` offsets of
    the matched words in it, so a view can emphasise them without parsing markup.
    """

    conversation_id: int
    conversation_title: str
    message_id: int | None
    snippet: str
    updated_at: float
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class ActivePath:
    """A conversation's active path: root to current leaf, as the window shows it.

    ``sibling_ids[i]`` are the ids of every version at ``messages[i]``'s place (the
    children of its parent, itself included), oldest first; one id means no versions.
    ``complete`` is false for the path's end only (its first message is not the root).
    """

    conversation_id: int
    messages: tuple[Message, ...]
    sibling_ids: tuple[tuple[int, ...], ...]
    complete: bool = True

    @property
    def current_leaf_id(self) -> int | None:
        return self.messages[-1].id if self.messages else None

    def siblings_of(self, message_id: int) -> tuple[int, ...]:
        """The versions at ``message_id``'s place (``()`` when it is not on the path)."""
        for message, siblings in zip(self.messages, self.sibling_ids, strict=True):
            if message.id == message_id:
                return siblings
        return ()

    def index_of(self, message_id: int) -> int:
        """``message_id``'s index among its versions (0: the oldest); -1 off the path."""
        siblings = self.siblings_of(message_id)
        return siblings.index(message_id) if siblings else -1


@dataclass(frozen=True, slots=True)
class MessageTree:
    """Every message of a conversation, every branch, in insertion order; ``parent_id``
    links them and ``current_leaf_id`` ends the active path (None: no messages)."""

    conversation_id: int
    current_leaf_id: int | None
    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class DeletedSubtree:
    """What deleting a message took away, kept so that Undo can put it back.

    ``messages`` start with the deleted message and list parents before children;
    ``previous_leaf_id`` is the current leaf before the delete.
    """

    conversation_id: int
    messages: tuple[Message, ...]
    previous_leaf_id: int | None

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(m.id for m in self.messages)
