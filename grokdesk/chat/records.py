"""The records the chat core hands to its faces.

The window and the command line see conversations, messages and search hits only
as these immutable values; where they are stored stays the core's business (the
import contracts forbid ``grokdesk.ui`` to import ``grokdesk.storage``). The message-level
ones load when first asked for, as in :mod:`grokdesk.storage.models`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grokdesk.lazy_names import lazy_names
from grokdesk.storage.models import Conversation, ConversationSettings

if TYPE_CHECKING:
    from grokdesk.storage.message_records import (
        ActivePath,
        DeletedSubtree,
        Message,
        MessageRole,
        MessageStatus,
        MessageTree,
        SearchHit,
    )

__all__ = ["ActivePath", "Conversation", "ConversationSettings", "DeletedSubtree", "Message",
           "MessageRole", "MessageStatus", "MessageTree", "SearchHit", "sidebar_order"]

__getattr__ = lazy_names(__name__, {
    "grokdesk.storage.message_records": (
        "ActivePath", "DeletedSubtree", "Message", "MessageRole", "MessageStatus",
        "MessageTree", "SearchHit"),
})


def sidebar_order(conversation: Conversation) -> tuple[bool, float, int]:
    """The order conversations are listed in: pinned first, then latest activity.

    The history sorts its pages the same way (``ORDER BY pinned DESC, updated_at
    DESC, id DESC``), so a changed row can be put in place without reading a page again.
    """
    return (not conversation.pinned, -conversation.updated_at, -conversation.id)
