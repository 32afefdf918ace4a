"""The conversation a window opens with: the newest one, read before the chat core exists.

At start-up the app reads it straight from the history, the way the sidebar's first
page is read (``grokdesk.app.FirstPages``), and the window paints it before the chat
core, its controller and their modules are imported; the core then takes over what is
on screen (:meth:`grokdesk.ui.window.open_chat.OpenChat.adopt`) without drawing it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from grokdesk.chat.records import ActivePath, Conversation

OPENING_MESSAGES = 40
"""How much of a path's end a conversation opens with: more than the tallest pane holds
(the pane builds only what it shows of them)."""


class ConversationReader(Protocol):
    """What the opening is read through: the history, before the chat core exists."""

    def latest_conversation(self) -> Conversation | None: ...

    def active_path(self, conversation_id: int, last: int | None = None) -> ActivePath: ...


class Opening:
    """The newest conversation and its path's last :data:`OPENING_MESSAGES` messages."""

    __slots__ = ("conversation", "path")

    def __init__(self, conversation: Conversation, path: ActivePath) -> None:
        self.conversation = conversation
        self.path = path


def read_opening(reader: ConversationReader) -> Opening | None:
    """The newest conversation with its path's end; None when there is none (a new chat)."""
    conversation = reader.latest_conversation()
    if conversation is None:
        return None
    return Opening(conversation, reader.active_path(conversation.id, OPENING_MESSAGES))


def versions_of(path: ActivePath) -> dict[int, tuple[int, ...]]:
    """Each message on ``path`` with every version at its place."""
    return {m.id: versions for m, versions in zip(path.messages, path.sibling_ids, strict=True)}
