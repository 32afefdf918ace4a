"""Small helpers shared by the API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

from grokdesk.api.errors import APIError
from grokdesk.api.types import (
    ChatMessage,
    ChatRequest,
    ContentDelta,
    ReasoningDelta,
    StreamEvent,
)

KEY = "sk-test-SECRET-0123456789abcdef"
REQUEST = ChatRequest("x-ai/grok-3-mini-beta", (ChatMessage("user", "Hello there"),))


async def collect(events: AsyncIterator[StreamEvent]) -> tuple[list[StreamEvent], APIError | None]:
    """Every event of a stream, and the error that ended it (if any)."""
    seen: list[StreamEvent] = []
    try:
        async for event in events:
            seen.append(event)
    except APIError as exc:
        return seen, exc
    return seen, None


def text_of(events: list[StreamEvent]) -> tuple[str, str]:
    """The reasoning and the content the events spell out."""
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    content = "".join(e.text for e in events if isinstance(e, ContentDelta))
    return reasoning, content
