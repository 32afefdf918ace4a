"""The unit of export and import: one conversation with every message of its tree.

It reuses the history's own dataclasses so every field the history holds travels.
Database ids are meaningless outside one history: in a record, ``Message.id`` and
``Message.parent_id`` only say which message follows which (the history's ids when
read from it, 1, 2, … when read from a file). A record built from a plain list (every
id 0) is numbered that way on creation, each message following the one before, so
formats and tests that know only lists need not care about trees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from grokdesk.storage.models import Conversation, Message

Progress = Callable[[int, int], bool | None]
"""Called as ``progress(done, total)``; returning ``False`` cancels the operation."""


def chained(messages: tuple[Message, ...]) -> tuple[Message, ...]:
    """A list as a tree: numbered 1, 2, … and each message the parent of the next."""
    return tuple(replace(m, id=i, parent_id=i - 1 or None)
                 for i, m in enumerate(messages, start=1))


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A conversation and every message of its tree, parents before children.

    ``current_leaf_id`` ends the active path (None: the last message that has no
    child). Messages without ids (all 0) are a list: see the module's docstring.
    """

    conversation: Conversation
    messages: tuple[Message, ...]
    current_leaf_id: int | None = None

    def __post_init__(self) -> None:
        if self.messages and all(m.id == 0 for m in self.messages):
            object.__setattr__(self, "messages", chained(self.messages))
        if self.current_leaf_id is None and self.messages:
            parents = {m.parent_id for m in self.messages}
            leaf = next((m.id for m in reversed(self.messages) if m.id not in parents), None)
            object.__setattr__(self, "current_leaf_id", leaf)

    def path(self) -> tuple[Message, ...]:
        """The active path: the root down to the current leaf."""
        by_id = {m.id: m for m in self.messages}
        found: list[Message] = []
        node = by_id.get(self.current_leaf_id) if self.current_leaf_id is not None else None
        while node is not None and len(found) <= len(by_id):
            found.append(node)
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        return tuple(reversed(found))

    def children(self) -> dict[int | None, list[Message]]:
        """Each message's children (None: the roots), oldest first as the history orders
        versions (``created_at``, then id)."""
        found: dict[int | None, list[Message]] = {}
        for message in self.messages:
            found.setdefault(message.parent_id, []).append(message)
        for versions in found.values():
            versions.sort(key=lambda m: (m.created_at, m.id))
        return found
