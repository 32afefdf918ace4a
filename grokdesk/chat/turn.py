"""One turn: stream an answer, persisting it as it arrives, and record how it ended.

Written once for both faces. The caller gets every stream event through a listener
(the GUI turns them into signals, the CLI prints them) and a :class:`TurnOutcome` at
the end. The partial answer reaches the database at least every ``flush_interval``
seconds, so a crash loses at most that much; whatever happens — an error, a cut
connection, the user pressing Stop — what arrived is kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from grokdesk.api.answer import AnswerSoFar
from grokdesk.api.errors import APIError
from grokdesk.api.types import (
    ChatRequest,
    Completion,
    StreamEvent,
)
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.models import Message, MessageStatus
from grokdesk.storage.repository import AT_LEAF, History, Place

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
    """How a turn ended: the stored answer, the error if any, and a note for the user.

    ``title_due`` says the chat core wants a title suggested now (the first answer of
    a chat, with ``[defaults] model_titles`` on); each face schedules it its own way.
    """

    message: Message
    error: APIError | None = None
    warning: str | None = None
    title_due: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class LiveAnswer(AnswerSoFar):
    """The one answer being streamed: its stored placeholder and what it said so far.

    Owned by the turn; the window draws from it and the store saves from it, so a
    view that opens while the answer streams reads it instead of replaying events.
    """

    def __init__(self, message: Message) -> None:
        super().__init__()
        self.message = message
        self.final: Message | None = None
        """The answer as stored when the turn ended, however it ended."""

    @property
    def conversation_id(self) -> int:
        return self.message.conversation_id


async def run_turn(
    history: History,
    client: StreamingClient,
    conversation_id: int,
    request: ChatRequest,
    *,
    listener: TurnListener | None = None,
    on_start: Callable[[LiveAnswer], None] | None = None,
    stream: bool = True,
    flush_interval: float = 1.0,
    clock: Callable[[], float] = time.time,
    parent_id: int | Place | None = AT_LEAF,
) -> TurnOutcome:
    """Ask for one answer to ``request`` and store it in ``conversation_id``.

    ``on_start`` receives the live answer (its stored, still empty message) before
    the request goes out, so a view can show it at once; ``listener`` is told of each
    event after the live answer has taken it. Cancelling the task running this coroutine
    stops the stream, keeps the partial answer as ``interrupted`` and re-raises
    ``CancelledError``. The answer follows ``parent_id`` (by default the current leaf)
    and becomes the current leaf.
    """
    import asyncio  # here, not at the top: the window paints before it needs asyncio

    message = history.start_assistant_message(conversation_id, request.model,
                                              request.sent_effort, parent_id=parent_id)
    acc = LiveAnswer(message)
    if on_start is not None:
        on_start(acc)

    def finish(status: MessageStatus, error: str | None = None) -> Message:
        acc.final = history.finish_message(
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
        return acc.final

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
