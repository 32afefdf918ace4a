"""A branched conversation for the window's tests of message versions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from grokdesk.storage.models import ConversationSettings, UnknownUsage
from grokdesk.storage.repository import History


@dataclass
class Tree:
    """Name a cat → Tom. → Why? → Zanzibar short.   (the older branch)
                 → Luna.                              (the newer one: current)"""

    conversation: int = 0
    question: int = 0
    tom: int = 0
    why: int = 0
    because: int = 0
    luna: int = 0


def branched(tree: Tree, *, newer_chat: bool = False) -> Callable[[History], None]:
    """A ``prepare`` for ``make_window`` that stores the tree and fills in ``tree``'s ids;
    ``newer_chat`` adds a newer conversation, so the window opens that one first."""

    def prepare(history: History) -> None:
        chat = history.create_conversation("Names", ConversationSettings(provider="aimlapi"))
        start = time.time() - 600
        tree.conversation = chat.id
        tree.question = history.add_message(chat.id, "user", "Name a cat",
                                            created_at=start).id
        tree.tom = history.add_message(
            chat.id, "assistant", "Tom.", model="x-ai/grok-3-mini-beta",
            reasoning_effort="low", created_at=start + 1,
            usage=UnknownUsage(prompt_tokens=12, completion_tokens=3, cost_usd=0.0001)).id
        tree.why = history.add_message(chat.id, "user", "Why?", created_at=start + 2).id
        tree.because = history.add_message(chat.id, "assistant", "Zanzibar short.",
                                           created_at=start + 3).id
        tree.luna = history.add_message(
            chat.id, "assistant", "Luna.", parent_id=tree.question, model="x-ai/grok-3-beta",
            reasoning_effort="high", created_at=start + 4,
            usage=UnknownUsage(prompt_tokens=12, completion_tokens=5, cost_usd=0.0042)).id
        if newer_chat:
            time.sleep(0.01)
            other = history.create_conversation("Other", ConversationSettings(provider="aimlapi"))
            history.add_message(other.id, "user", "something else")
    return prepare
