"""Filling a history quickly and comparing what two histories hold."""

from __future__ import annotations

from dataclasses import replace

from grokdesk.api.types import Usage
from grokdesk.export import store
from grokdesk.export.records import ConversationRecord
from grokdesk.storage.models import Conversation, ConversationSettings, Message
from grokdesk.storage.repository import History


def fill(history: History, conversations: int, messages: int = 4) -> None:
    """Conversations written through History's own API, in one transaction."""
    with history.batch():
        for n in range(conversations):
            settings = ConversationSettings(provider="xai", model="grok-3-mini",
                                            reasoning_effort="low" if n % 2 else None)
            conversation = history.create_conversation(f"Chat {n}: `code` & <html>", settings,
                                                       created_at=1_700_000_000.0 + n)
            for i in range(messages):
                if i % 2 == 0:
                    history.add_message(conversation.id, "user", f"question {n}.{i}\r\nline",
                                        created_at=1_700_000_000.0 + n + i)
                    continue
                answer = history.start_assistant_message(conversation.id, "grok-3-mini",
                                                         "high" if n % 2 else None)
                history.finish_message(
                    answer.id, content=f"answer {n}.{i}\n```py\nx = {i}\n```",
                    reasoning=f"thinking {n}.{i} </details>", status="complete",
                    finish_reason="stop", usage=Usage(10, 20, 15, 30, 0.0001),
                    request_id=f"req-{n}-{i}", reasoning_started_at=1.0,
                    content_started_at=2.0)


def contents(history: History) -> list[tuple[Conversation, tuple[Message, ...]]]:
    """Everything a user would call "the history", without database ids, in a stable order."""
    found: list[tuple[Conversation, tuple[Message, ...]]] = []
    for record in store.iter_records(history, store.resolve_ids(history, None)):
        conversation = replace(record.conversation, id=0)
        places = {m.id: index for index, m in enumerate(record.messages)}
        found.append((conversation, tuple(_plain(m, places) for m in record.messages)))
    return sorted(found, key=lambda item: item[0].uuid)


def _plain(message: Message, places: dict[int, int]) -> Message:
    """The message without database ids; its parent named by its place in the path."""
    parent = None if message.parent_id is None else places.get(message.parent_id, -1)
    return replace(message, id=0, conversation_id=0, parent_id=parent)


def texts(record: ConversationRecord) -> list[tuple[str, str, str]]:
    return [(m.role, m.content, m.reasoning) for m in record.messages]
