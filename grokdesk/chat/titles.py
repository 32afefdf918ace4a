"""Conversation titles: made locally from the first message, optionally asked of the model.

The local title is instant and free, so every conversation has one at once. A title
from the model reads better but costs a request, so it is a background extra that
never blocks and never fails loudly: whatever goes wrong, the local title stays.
Titles are shown in lists, so both kinds are reduced to one plain line: no Markdown,
no control or invisible characters.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Protocol

from grokdesk.api.types import ChatMessage, ChatRequest, Completion, EffortStyle
from grokdesk.errors import GrokdeskError, redact

log = logging.getLogger(__name__)

MAX_TITLE = 60
MAX_CHOSEN_TITLE = 200
MAX_MODEL_TITLE_WORDS = 6
DEFAULT_TITLE = "New chat"
TITLE_TIMEOUT = 30.0
TITLE_TOKEN_CAP = 1024
EXCERPT_CHARS = 1500
#: A title needs the start of a line; capping what the patterns below read keeps their
#: backtracking (nested prefixes, emphasis pairs) bounded on any text.
SCAN_CHARS = 1000

TITLE_PROMPT = (
    "Write a title for the conversation below: at most 6 words, in the language of the "
    "conversation, no quotes, no final punctuation. Reply with the title only.\n\n"
)

_FENCE = re.compile(r"^\s*(```|~~~)")
_LINE_PREFIX = re.compile(r"^(?:\s*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+|\[[ xX]\]\s+))+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_EMPHASIS = re.compile(
    r"(\*\*|~~|\*|`+)(?=\S)(.+?)(?<=\S)\1"
    r"|(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)"  # no intraword _ emphasis: snake_case
)
_LABEL = re.compile(r"^\s*(?:title|titre|titel|título)\s*:\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»「」`*"


def plain_line(text: str) -> str:
    """One line of ``text`` with Markdown markup, control and invisible characters removed."""
    line = _LINE_PREFIX.sub("", text[:SCAN_CHARS])
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _HTML_TAG.sub("", line)
    for _ in range(3):
        line = _EMPHASIS.sub(lambda m: m.group(2) or m.group(4), line)
    line = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in line if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", line).strip().strip("#").strip()


class BlankTitleError(GrokdeskError):
    """A title was chosen that has nothing to show."""

    hint = "type at least one letter, digit or sign; the old title stays"


def chosen_title(text: str) -> str:
    """A title the user typed, as the list shows it: one line, control and invisible
    characters out, runs of spaces as one, at most ``MAX_CHOSEN_TITLE`` characters.

    Markdown is left as typed: the user chose these characters. Raises BlankTitleError
    when nothing visible is left.
    """
    line = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text if unicodedata.category(c) != "Cf")
    title = " ".join(line.split())
    if not title:
        raise BlankTitleError("A conversation needs a title to show")
    return shorten_title(title, MAX_CHOSEN_TITLE)


def shorten_title(text: str, limit: int = MAX_TITLE) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-–—") + "…"


def title_from_text(text: str) -> str:
    """A short title from the first line of prose in the user's first message.

    Lines inside code fences are used only when the message has nothing else.
    """
    prose: list[str] = []
    code: list[str] = []
    in_fence = False
    for raw in text.splitlines():
        if _FENCE.match(raw[:SCAN_CHARS]):
            in_fence = not in_fence
            continue
        line = raw.strip() if in_fence else plain_line(raw)
        if line:
            (code if in_fence else prose).append(line)
        if prose:
            break
    lines = prose or code
    return shorten_title(" ".join(lines[0].split())) if lines else DEFAULT_TITLE


def clean_model_title(text: str) -> str | None:
    """The title in a model's reply, or None when there is none worth showing.

    Models add reasoning tags, labels, quotes, Markdown and a full stop; more than
    six words are cut to six. A key the reply quotes is hidden before anything is cut.
    """
    from grokdesk.chat.think import split_think  # the stream's modules come with a send

    _, answer = split_think(redact(text))
    for raw in answer.splitlines():
        line = _LABEL.sub("", plain_line(raw))
        for _ in range(2):
            line = line.strip(_QUOTES + " ").rstrip(".!?:;,。")
        if line:
            words = line.split()
            return shorten_title(" ".join(words[:MAX_MODEL_TITLE_WORDS]))
    return None


class Completer(Protocol):
    """What a title request needs of the API client."""

    async def complete(self, request: ChatRequest) -> Completion: ...


def title_request(model: str, user_text: str, answer_text: str,
                  effort_style: EffortStyle) -> ChatRequest:
    """A small, non-streamed request for a title, at low reasoning effort where supported."""
    excerpt = (f"User: {user_text.strip()[:EXCERPT_CHARS]}\n\n"
               f"Assistant: {answer_text.strip()[:EXCERPT_CHARS]}")
    return ChatRequest(
        model=model,
        messages=(ChatMessage("user", TITLE_PROMPT + excerpt),),
        reasoning_effort="low" if effort_style != "none" else None,
        effort_style=effort_style,
        max_completion_tokens=TITLE_TOKEN_CAP,
    )


async def suggest_title(client: Completer, *, model: str, user_text: str, answer_text: str,
                        effort_style: EffortStyle = "none",
                        timeout: float = TITLE_TIMEOUT) -> str | None:
    """Ask the model for a title of the first exchange; None on any failure.

    Meant for a background task after the first answer. Failures are logged at
    debug level only: the local title is already there and stays.
    Cancelling the task cancels the request.
    """
    import asyncio  # here, not at the top: the window paints before it needs asyncio

    request = title_request(model, user_text, answer_text, effort_style)
    try:
        async with asyncio.timeout(timeout):
            completion = await client.complete(request)
    except (GrokdeskError, TimeoutError) as exc:
        log.debug("no title from the model: %s", getattr(exc, "message", None) or exc)
        return None
    title = clean_model_title(completion.content)
    if title is None:
        log.debug("no title from the model: the reply was empty")
    return title
