"""The records the chat core hands to its faces.

The window and the command line see conversations, messages and search hits only
as these immutable values; where they are stored stays the core's business (the
import contracts forbid ``grokdesk.ui`` to import ``grokdesk.storage``).
"""

from __future__ import annotations

from grokdesk.storage.models import (
    ActivePath,
    Conversation,
    ConversationSettings,
    DeletedSubtree,
    Message,
    MessageRole,
    MessageStatus,
    MessageTree,
    SearchHit,
)

__all__ = ["ActivePath", "Conversation", "ConversationSettings", "DeletedSubtree", "Message",
           "MessageRole", "MessageStatus", "MessageTree", "SearchHit", "sidebar_order"]


def sidebar_order(conversation: Conversation) -> tuple[bool, float, int]:
    """The order conversations are listed in: pinned first, then latest activity.

    The history sorts its pages the same way (``ORDER BY pinned DESC, updated_at
    DESC, id DESC``), so a changed row can be put in place without reading a page again.
    """
    return (not conversation.pinned, -conversation.updated_at, -conversation.id)
