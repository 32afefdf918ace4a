"""What an operation changed in the history, reported as data.

Every write the chat core makes returns (and publishes) a :class:`Changes`: the new
state of each conversation it touched, the messages added, updated or removed, and
the usage totals that moved. Views apply it as it is; none of them asks the history
again for what a change already carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from grokdesk.storage.models import ActivePath, Conversation, DeletedSubtree, Message


@dataclass(frozen=True, slots=True)
class Totals:
    """A conversation's token use and cost, summed over its answers."""

    tokens: int = 0
    cost_usd: float | None = None


@dataclass(frozen=True, slots=True)
class Changes:
    """One operation's effect on the history.

    ``conversations`` holds the new state of every conversation created or changed;
    ``created`` says which of them are new. ``reloaded`` means too much changed to
    say row by row (an import, another process writing): views read their data again.

    Conversations are trees: ``paths`` gives a conversation's whole new active path when
    it was replaced rather than extended (a branch switched, a regenerate or edit begun,
    a subtree deleted or restored); a view shows that path instead of patching rows.
    ``siblings`` gives, for a message added where other versions exist, every version
    at its place (oldest first, itself included). ``deleted`` is what a delete took
    away, for :meth:`ChatService.restore_messages` (Undo).
    """

    conversations: tuple[Conversation, ...] = ()
    created: frozenset[int] = frozenset()
    removed_conversations: tuple[int, ...] = ()
    added: tuple[Message, ...] = ()
    updated: tuple[Message, ...] = ()
    removed: tuple[int, ...] = ()
    totals: Mapping[int, Totals] = field(default_factory=lambda: MappingProxyType({}))
    reloaded: bool = False
    paths: Mapping[int, ActivePath] = field(default_factory=lambda: MappingProxyType({}))
    siblings: Mapping[int, tuple[int, ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    deleted: DeletedSubtree | None = None

    def conversation(self, conversation_id: int | None) -> Conversation | None:
        """The new state of ``conversation_id`` if this change touched it."""
        for conversation in self.conversations:
            if conversation.id == conversation_id:
                return conversation
        return None

    def __bool__(self) -> bool:
        return bool(self.conversations or self.removed_conversations or self.added
                    or self.updated or self.removed or self.totals or self.reloaded
                    or self.paths or self.siblings or self.deleted is not None)


NOTHING = Changes()
