"""The records the chat core hands to its faces.

The window and the command line see conversations, messages and search hits only
as these immutable values; where they are stored stays the core's business (the
import contracts forbid ``grokdesk.ui`` to import ``grokdesk.storage``).
"""

from __future__ import annotations

from grokdesk.storage.models import (
    Conversation,
    ConversationSettings,
    Message,
    MessageRole,
    MessageStatus,
    SearchHit,
)

__all__ = ["Conversation", "ConversationSettings", "Message", "MessageRole", "MessageStatus",
           "SearchHit"]
