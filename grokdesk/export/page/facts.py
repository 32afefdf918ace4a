"""The words around a message on the exported page: role line, small print, status.

Plain text out (the caller escapes it). Times carry their zone, because a page is read
later and elsewhere; the window's own small print says "10:04" instead.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from grokdesk import timestamps
from grokdesk.money import format_usd
from grokdesk.storage.models import Message

ROLE_LABELS = {"user": "User", "assistant": "Assistant", "system": "System"}
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_STATUS = {"interrupted": "Interrupted", "error": "Failed", "streaming": "Unfinished"}


def one_line(text: str) -> str:
    """``text`` on one line, without the bidi controls that would reorder what follows."""
    return " ".join(_BIDI_CONTROLS.sub("", text).split())


def shown_time(timestamp: float, tz: tzinfo | None) -> str:
    return timestamps.format_time(timestamp, "%Y-%m-%d %H:%M %Z", tz)


def iso_time(timestamp: float, tz: tzinfo | None) -> str:
    moment = timestamps.local_moment(timestamp, tz)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def tokens_text(message: Message) -> str | None:
    parts = [f"{count:,} {name}" for count, name in (
        (message.prompt_tokens, "prompt"), (message.completion_tokens, "completion"),
        (message.reasoning_tokens, "reasoning")) if count is not None]
    return " / ".join(parts) + " tokens" if parts else None


def small_print(message: Message) -> str:
    """An answer's facts: model · effort · tokens · cost · how long it took."""
    parts: list[str] = []
    if message.model:
        parts.append(one_line(message.model))
    if message.reasoning_effort:
        parts.append(f"effort {one_line(message.reasoning_effort)}")
    tokens = tokens_text(message)
    if tokens:
        parts.append(tokens)
    if message.cost_usd is not None:
        parts.append(format_usd(message.cost_usd))
    if message.finished_at is not None and message.created_at:
        took = max(0.0, message.finished_at - message.created_at)
        parts.append(f"took {timestamps.duration_text(took)}")
    return " · ".join(parts)


def reasoning_title(message: Message) -> str:
    seconds = message.reasoning_seconds
    if seconds is None:
        return "Reasoning"
    return f"Reasoning · thought for {timestamps.duration_text(seconds)}"


def status_text(message: Message) -> str | None:
    """Why an answer is not complete (with its error), or None when it is."""
    if message.status == "complete":
        return None
    note = _STATUS.get(message.status, message.status)
    return f"{note}: {one_line(message.error)}" if message.error else note
