"""One turn: stream an answer, persisting it as it arrives, and record how it ended.

Written once for both faces. The caller gets every stream event through a listener
(the GUI turns them into signals, the CLI prints them) and a :class:`TurnOutcome` at
the end. The partial answer reaches the database at least every ``flush_interval``
seconds, so a crash loses at most that much; whatever happens — an error, a cut
connection, the user pressing Stop — what arrived is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from grokdesk.api.errors import APIError
from grokdesk.api.types import (
    ChatRequest,
    Completion,
    ContentDelta,
    Finish,
    ReasoningDelta,
    ResponseInfo,
    StreamEvent,
    Usage,
    UsageReport,
)
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.models import Message, MessageStatus
from grokdesk.storage.repository import History

REASONING_ATE_THE_LIMIT = (
    "The token limit was spent on reasoning before an answer was written: raise the "
    "maximum completion tokens or lower the reasoning effort"
)
CANCELLED_TEXT = "Stopped"

log = logging.getLogger(__name__)


class StreamingClient(Protocol):
    """What a turn needs of the API client."""

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    async def complete(self, request: ChatRequest) -> Completion: ...


TurnListener = Callable[[StreamEvent], None]


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """How a turn ended: the stored answer, the error if any, and a note for the user."""

    message: Message
    error: APIError | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _Accumulator:
    """Collects the answer in plain Python; the view and the database read from here."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.request_id: str | None = None
        self.model: str | None = None
        self.reasoning_started_at: float | None = None
        self.content_started_at: float | None = None

    def take(self, event: StreamEvent, now: float) -> None:
        if isinstance(event, ReasoningDelta):
            if self.reasoning_started_at is None:
                self.reasoning_started_at = now
            self.reasoning.append(event.text)
        elif isinstance(event, ContentDelta):
            if self.content_started_at is None and event.text:
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


async def run_turn(
    history: History,
    client: StreamingClient,
    conversation_id: int,
    request: ChatRequest,
    *,
    listener: TurnListener | None = None,
    on_start: Callable[[Message], None] | None = None,
    stream: bool = True,
    flush_interval: float = 1.0,
    clock: Callable[[], float] = time.time,
) -> TurnOutcome:
    """Ask for one answer to ``request`` and store it in ``conversation_id``.

    ``on_start`` receives the stored (still empty) answer before the request goes
    out, so a view can show it at once. Cancelling the task running this coroutine
    stops the stream, keeps the partial answer as ``interrupted`` and re-raises
    ``CancelledError``.
    """
    message = history.start_assistant_message(conversation_id, request.model,
                                              request.sent_effort)
    if on_start is not None:
        on_start(message)
    acc = _Accumulator()

    def finish(status: MessageStatus, error: str | None = None) -> Message:
        return history.finish_message(
            message.id,
            content=acc.content_text,
            reasoning=acc.reasoning_text,
            status=status,
            finish_reason=acc.finish_reason,
            error=error,
            usage=acc.usage,
            request_id=acc.request_id,
            model=acc.model or request.model,
            reasoning_started_at=acc.reasoning_started_at,
            content_started_at=acc.content_started_at,
        )

    async def keep_saving() -> None:
        """Flush the partial answer on a clock, not per event: bounded loss on a crash,
        and a heartbeat that tells the other process this answer is still alive."""
        while True:
            await asyncio.sleep(flush_interval)
            try:
                history.save_partial(
                    message.id, acc.content_text, acc.reasoning_text,
                    reasoning_started_at=acc.reasoning_started_at,
                    content_started_at=acc.content_started_at,
                )
            except DatabaseError as exc:
                log.warning("Could not save the partial answer (will retry): %s", exc)

    saver = asyncio.create_task(keep_saving())
    try:
        events = client.stream(request) if stream else _completion_events(client, request)
        async for event in events:
            acc.take(event, clock())
            if listener is not None:
                listener(event)
    except asyncio.CancelledError:
        finish("interrupted", CANCELLED_TEXT)
        raise
    except APIError as exc:
        status: MessageStatus = "interrupted" if acc.content or acc.reasoning else "error"
        return TurnOutcome(finish(status, exc.describe()), exc)
    finally:
        saver.cancel()
    final = finish("complete")
    return TurnOutcome(final, warning=warning_for(final))


async def _completion_events(client: StreamingClient, request: ChatRequest
                             ) -> AsyncIterator[StreamEvent]:
    """A non-streamed answer, delivered as the events a stream would give."""
    completion = await client.complete(request)
    for event in completion.events():
        yield event


def warning_for(message: Message) -> str | None:
    """What to tell the user about a complete answer that is not what they hoped."""
    if message.finish_reason == "length" and not message.content.strip():
        return REASONING_ATE_THE_LIMIT
    return None
