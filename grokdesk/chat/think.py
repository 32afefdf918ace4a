"""Reasoning written into the answer as ``<think>…</think>`` (local models), split out.

Only a ``<think>`` at the very start of the answer (after optional whitespace) opens
reasoning, so an answer that talks *about* the tag later keeps it as text. A tag may
arrive cut across chunks anywhere; the splitter holds back at most the few characters
that could still become a tag. An unterminated ``<think>`` at the end means the model
stopped while reasoning: what came after the tag is reasoning. When the service
already sends reasoning in its own field, the answer is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Literal

from grokdesk.api.errors import APIError
from grokdesk.api.types import (
    ChatRequest,
    Completion,
    ContentDelta,
    Finish,
    ReasoningDelta,
    StreamEvent,
)
from grokdesk.chat.turn import StreamingClient

log = logging.getLogger(__name__)

OPEN = "<think>"
CLOSE = "</think>"

_State = Literal["start", "think_lead", "think", "answer_lead", "text"]


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is a proper beginning of ``tag``."""
    for size in range(min(len(text), len(tag) - 1), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


class ThinkSplitter:
    """Turns the answer's ContentDelta events into ReasoningDelta and ContentDelta.

    Feed every event of a stream in order with :meth:`feed`, then call :meth:`finish`.
    Whitespace right after ``<think>`` and right after ``</think>`` is dropped.
    """

    def __init__(self) -> None:
        self._state: _State = "start"
        self._buffer = ""
        self._lead: list[str] = []
        """Whitespace before anything else, kept apart so that a stream of blank chunks
        costs linear time; it is the answer's if no ``<think>`` follows."""

    def feed(self, event: StreamEvent) -> list[StreamEvent]:
        """The events ``event`` stands for (possibly none yet, while a tag may be forming)."""
        if isinstance(event, ContentDelta):
            return self._text(event.text)
        if isinstance(event, ReasoningDelta) and self._state == "start":
            # The service separates reasoning itself: the answer is only an answer.
            return [event, *self._give_up()]
        if isinstance(event, Finish):
            return [*self.finish(), event]
        return [event]

    def finish(self) -> list[StreamEvent]:
        """What is still held back, at the end of the answer."""
        held, self._buffer = self._held(), ""
        state, self._state = self._state, "text"
        if state == "think" and held:
            return [ReasoningDelta(held)]
        if state == "start" and held:
            return [ContentDelta(held)]
        return []

    def _give_up(self) -> list[StreamEvent]:
        held, self._buffer, self._state = self._held(), "", "text"
        return [ContentDelta(held)] if held else []

    def _held(self) -> str:
        lead, self._lead = "".join(self._lead), []
        return lead + self._buffer

    def _text(self, text: str) -> list[StreamEvent]:
        if self._state == "text":
            return [ContentDelta(text)] if text else []
        if self._state == "start":
            return self._start(text)
        self._buffer += text
        if self._state in ("think_lead", "think"):
            return self._think()
        return self._answer_lead()

    def _start(self, text: str) -> list[StreamEvent]:
        if not self._buffer:
            stripped = text.lstrip()
            self._lead.append(text[: len(text) - len(stripped)])
            text = stripped
        self._buffer += text
        if OPEN.startswith(self._buffer):
            if self._buffer != OPEN:
                return []
        elif not self._buffer.startswith(OPEN):
            return self._give_up()
        self._buffer, self._lead = self._buffer[len(OPEN):], []
        self._state = "think_lead"
        return self._think()

    def _think(self) -> list[StreamEvent]:
        if self._state == "think_lead":
            self._buffer = self._buffer.lstrip()
            if not self._buffer:
                return []
            self._state = "think"
        events: list[StreamEvent] = []
        end = self._buffer.find(CLOSE)
        if end >= 0:
            reasoning, rest = self._buffer[:end], self._buffer[end + len(CLOSE):]
            if reasoning:
                events.append(ReasoningDelta(reasoning))
            self._buffer, self._state = rest, "answer_lead"
            return events + self._answer_lead()
        keep = _partial_suffix(self._buffer, CLOSE)
        ready = self._buffer[: len(self._buffer) - keep]
        self._buffer = self._buffer[len(ready):]
        return [ReasoningDelta(ready)] if ready else []

    def _answer_lead(self) -> list[StreamEvent]:
        self._buffer = self._buffer.lstrip()
        if not self._buffer:
            return []
        return self._give_up()


def split_think(text: str) -> tuple[str, str]:
    """``(reasoning, answer)`` of a whole answer, by the same rules as the stream."""
    splitter = ThinkSplitter()
    events = splitter.feed(ContentDelta(text)) + splitter.finish()
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    content = "".join(e.text for e in events if isinstance(e, ContentDelta))
    return reasoning, content


class ThinkTagClient:
    """A client whose answers have any leading ``<think>`` block moved into the reasoning.

    Wraps what a turn talks to, so the turn itself stays unaware of the convention.
    """

    def __init__(self, inner: StreamingClient) -> None:
        self._inner = inner

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        splitter = ThinkSplitter()
        events = self._inner.stream(request)
        try:
            async for event in events:
                for out in splitter.feed(event):
                    yield out
        except APIError:
            # What arrived before the failure is kept, tag or not.
            for out in splitter.finish():
                yield out
            raise
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
        for out in splitter.finish():
            yield out

    async def complete(self, request: ChatRequest) -> Completion:
        completion = await self._inner.complete(request)
        if completion.reasoning:
            return completion
        reasoning, content = split_think(completion.content)
        return replace(completion, reasoning=reasoning, content=content)
