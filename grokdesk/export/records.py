"""The unit of export and import: one conversation with its messages, in order.

It reuses the history's own dataclasses so every field the history holds travels;
database ids (``Conversation.id``, ``Message.id``, ``Message.conversation_id``) are
meaningless outside one history and are 0 in records read from files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grokdesk.storage.models import Conversation, Message

Progress = Callable[[int, int], bool | None]
"""Called as ``progress(done, total)``; returning ``False`` cancels the operation."""


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A conversation and its messages, oldest first."""

    conversation: Conversation
    messages: tuple[Message, ...]
