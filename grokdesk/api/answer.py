"""One answer as it arrives: the single place that collects a stream's events.

The client collects a non-streamed reply from a server that streams anyway with it,
the chat core stores what it holds, and the window and the command line read it
while the answer streams. A new event kind is taught here once.
"""

from __future__ import annotations

from grokdesk.api.types import (
    Completion,
    ContentDelta,
    Finish,
    ReasoningDelta,
    ResponseInfo,
    StreamEvent,
    Usage,
    UsageReport,
)


class AnswerSoFar:
    """The text, reasoning and facts of one answer so far.

    ``content`` and ``reasoning`` only ever grow (chunks are appended, never
    changed), so a reader can remember how many chunks it has taken and read only
    the new ones.
    """

    def __init__(self, request_id: str | None = None) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.request_id = request_id
        self.model: str | None = None
        self.reasoning_started_at: float | None = None
        self.content_started_at: float | None = None

    def take(self, event: StreamEvent, now: float | None = None) -> None:
        """Add one event; ``now`` stamps when reasoning and answer text first came."""
        if isinstance(event, ReasoningDelta):
            if self.reasoning_started_at is None and now is not None:
                self.reasoning_started_at = now
            self.reasoning.append(event.text)
        elif isinstance(event, ContentDelta):
            if self.content_started_at is None and event.text and now is not None:
                self.content_started_at = now
            self.content.append(event.text)
        elif isinstance(event, UsageReport):
            self.usage = event.usage
        elif isinstance(event, Finish):
            self.finish_reason = event.reason
        elif isinstance(event, ResponseInfo):
            self.request_id = event.request_id or self.request_id
            self.model = event.model or self.model

    @property
    def content_text(self) -> str:
        return "".join(self.content)

    @property
    def reasoning_text(self) -> str:
        return "".join(self.reasoning)

    def completion(self) -> Completion:
        """The whole answer, once the stream has ended."""
        return Completion(self.content_text, self.reasoning_text, self.finish_reason,
                          self.usage or Usage(), model=self.model,
                          request_id=self.request_id)
