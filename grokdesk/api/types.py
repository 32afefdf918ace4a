"""Typed requests, stream events and results, so nothing above the API layer touches raw JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]
ReasoningEffort = Literal["low", "high"]
EffortStyle = Literal["reasoning_object", "reasoning_effort", "none"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message sent to the model (reasoning is never sent back)."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """Everything one chat completion needs, minus the connection details.

    ``reasoning_effort`` None means "provider default": nothing is sent.
    ``effort_style`` says how the provider wants the effort spelled.
    Penalties and ``stop`` are deliberately absent: reasoning models reject them.
    """

    model: str
    messages: tuple[ChatMessage, ...]
    reasoning_effort: ReasoningEffort | None = None
    effort_style: EffortStyle = "reasoning_object"
    temperature: float | None = None
    top_p: float | None = None
    max_completion_tokens: int | None = None

    @property
    def sent_effort(self) -> ReasoningEffort | None:
        """The effort this request actually sends: None when the provider takes none."""
        return None if self.effort_style == "none" else self.reasoning_effort

    def to_json(self, *, stream: bool) -> dict[str, object]:
        """The request body as the provider expects it."""
        body: dict[str, object] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        if self.sent_effort is not None:
            if self.effort_style == "reasoning_object":
                body["reasoning"] = {"effort": self.sent_effort}
            else:
                body["reasoning_effort"] = self.sent_effort
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.top_p is not None:
            body["top_p"] = self.top_p
        if self.max_completion_tokens is not None:
            body["max_completion_tokens"] = self.max_completion_tokens
        return body


@dataclass(frozen=True, slots=True)
class Usage:
    """Token accounting as the provider reported it; any field may be unknown.

    ``total_tokens`` is kept as reported, never computed: providers disagree on
    whether completion tokens include reasoning tokens.
    """

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None
    credits_used: float | None = None


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning text."""

    text: str


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """A piece of the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Usage, usually in the last chunk of a stream."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class Finish:
    """The model said why it stopped (stop, length, content_filter, tool_calls)."""

    reason: str


@dataclass(frozen=True, slots=True)
class ResponseInfo:
    """Facts from the response headers, first event of every stream."""

    request_id: str | None = None
    model: str | None = None


StreamEvent = ReasoningDelta | ContentDelta | UsageReport | Finish | ResponseInfo


@dataclass(frozen=True, slots=True)
class Completion:
    """A whole (non-streamed) answer."""

    content: str
    reasoning: str
    finish_reason: str | None
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    request_id: str | None = None

    def events(self) -> list[StreamEvent]:
        """The answer as the events a stream would have given, for one code path."""
        events: list[StreamEvent] = [ResponseInfo(self.request_id, self.model)]
        if self.reasoning:
            events.append(ReasoningDelta(self.reasoning))
        if self.content:
            events.append(ContentDelta(self.content))
        if self.finish_reason:
            events.append(Finish(self.finish_reason))
        events.append(UsageReport(self.usage))
        return events


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A chat model the provider offers, for the model picker."""

    id: str
    name: str
    context_length: int | None = None
    aliases: tuple[str, ...] = ()
