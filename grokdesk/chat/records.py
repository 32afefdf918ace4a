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
           "MessageRole", "MessageStatus", "MessageTree", "SearchHit"]
