"""Words for a message's small print: role, model, tokens, cost and time.

Pure functions over :class:`Message`, so the wording is tested without widgets and
the same facts read the same everywhere in the pane.
"""

from __future__ import annotations

import time
from datetime import datetime

from grokdesk.chat.records import Message
from grokdesk.money import format_usd
from grokdesk.timestamps import duration_text, local_moment

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "System"}


def role_label(message: Message) -> str:
    return ROLE_LABELS.get(message.role, message.role.title())


def format_clock(timestamp: float, now: float | None = None) -> str:
    """Time of day for today's messages, date and time for older ones."""
    when = local_moment(timestamp)
    today = datetime.fromtimestamp(time.time() if now is None else now).date()
    if when.date() == today:
        return when.strftime("%H:%M")
    if when.year == today.year:
        return when.strftime("%d %b %H:%M")
    return when.strftime("%d %b %Y %H:%M")


def format_tokens(message: Message) -> str | None:
    """Prompt, completion and reasoning tokens, each only when known."""
    parts = []
    if message.prompt_tokens is not None:
        parts.append(f"{message.prompt_tokens:,} prompt")
    if message.completion_tokens is not None:
        parts.append(f"{message.completion_tokens:,} completion")
    if message.reasoning_tokens is not None:
        parts.append(f"{message.reasoning_tokens:,} reasoning")
    if not parts:
        return None
    return " / ".join(parts) + " tokens"


def took_seconds(message: Message) -> float | None:
    """From the request to the last token, when both ends are known."""
    if message.finished_at is None or not message.created_at:
        return None
    return max(0.0, message.finished_at - message.created_at)


def footer_text(message: Message, now: float | None = None) -> str:
    """The answer's small print: model · effort · tokens · cost · time · duration."""
    parts: list[str] = []
    if message.role == "assistant" and message.model:
        parts.append(message.model)
    if message.role == "assistant" and message.reasoning_effort:
        parts.append(f"effort {message.reasoning_effort}")
    if message.role == "assistant":
        tokens = format_tokens(message)
        if tokens:
            parts.append(tokens)
        if message.cost_usd is not None:
            parts.append(format_usd(message.cost_usd))
    if message.created_at:
        parts.append(format_clock(message.created_at, now))
    took = took_seconds(message) if message.role == "assistant" else None
    if took is not None:
        parts.append(duration_text(took))
    return " · ".join(parts)


def thinking_text(elapsed: float) -> str:
    return f"Thinking… {round(elapsed)}s"


def thought_text(seconds: float | None, tokens: int | None) -> str:
    """The reasoning block's title once the answer has started."""
    title = "Thought" if seconds is None else f"Thought for {max(1, round(seconds))} s"
    if tokens is not None:
        title += f" · {tokens:,} reasoning tokens"
    return title
