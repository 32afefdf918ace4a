"""One conversation as a Markdown file that reads well on GitHub and in Obsidian and imports back.

Layout (docs/export-format.md has the full description)::

    ---                                   front matter: one-line quoted YAML values
    title: "…"
    …
    ---

    # Title

    <!-- grokdesk:message role="user" uuid="…" created="…" -->
    ## User · 2025-01-02 10:00 UTC

    <details><summary>Reasoning</summary> … </details>     (assistant, on request)

    the message, verbatim

    <!-- grokdesk:end -->
    *Usage: …*                                             (on request)

    <details><summary>Other versions (N)</summary>         (when the message has some)
    <!-- grokdesk:message … parent="…" -->  each older version and what followed it
    </details>

The HTML comments are invisible when rendered and make parsing exact: the text of a
message runs from the blank line after its heading to the blank line before its end
marker, and any line of message text that starts like a marker is escaped with one
more backslash. Carriage returns cannot survive every editor and Git checkout, so a
text written with consistent CRLF is written with LF and flagged for restoration; any
other CR (bare, or mixed line endings) is normalised to LF.

Conversations are trees: the file follows the active path, and the other versions of
a message (with every message below each) are folded under it, each naming its parent
by uuid. Their text is model output inside a ``<details>`` block, so text that could
close the block or open a code fence over its end goes in a code fence of its own.
"""

from __future__ import annotations

import math
import re
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import TypeVar
from urllib.parse import quote as url_quote
from urllib.parse import unquote as url_unquote

from grokdesk import __version__, timestamps
from grokdesk.export import fences, frontmatter
from grokdesk.export.errors import MalformedFileError, NewerFormatError, UnknownFormatError
from grokdesk.export.lines import describe, too_long
from grokdesk.export.records import ConversationRecord
from grokdesk.money import format_usd
from grokdesk.storage.models import (
    Conversation,
    ConversationSettings,
    Message,
    MessageRole,
    MessageStatus,
    new_uuid,
)

FORMAT_NAME = "grokdesk-markdown"
FORMAT_VERSION = 2
LIST_VERSION = 1
"""A file without other versions is exactly a version 1 file and says so."""

END_MARKER = f"{fences.MARKER_PREFIX}end -->"
DETAILS_OPEN = "<details><summary>Reasoning</summary>"
DETAILS_CLOSE = "</details>"
VERSIONS_OPEN = "<details><summary>Other versions ({count})</summary>"
ROLE_LABELS: dict[str, str] = {"user": "User", "assistant": "Assistant", "system": "System"}
ROLES: tuple[MessageRole, ...] = ("system", "user", "assistant")
STATUSES: tuple[MessageStatus, ...] = ("complete", "streaming", "interrupted", "error")
USAGE_FIELDS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens")

MESSAGE_OPEN = f"{fences.MARKER_PREFIX}message"
MARKER_CLOSE = " -->"
# Applied at consecutive positions of a marker line, so nothing can backtrack across them.
_ATTRIBUTE = re.compile(r' ([a-z_]+)="([^"]*)"')
_HEADING_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~&$!{}])")
# HTML in reasoning could close <details> early: such reasoning goes in a code block.
_HTML_LIKE = re.compile(r"<[A-Za-z/!?]")
_ATTR_SAFE = "-._~:+@/ ()',;=&$#[]?*"
# What percent-encoding leaves as it is: most values (ids, times, numbers) skip it.
_ATTR_UNCHANGED = re.compile(r"[A-Za-z0-9_.~:+@/ ()',;=&$#\[\]?*-]*")
# Embedding, override and isolate controls would reorder the rest of a heading line.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_Choice = TypeVar("_Choice", bound=str)


# --------------------------------------------------------------------------- writing


def _iso(timestamp: float, tz: tzinfo | None) -> str:
    moment = timestamps.local_moment(timestamp, tz)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _exact_iso(timestamp: float) -> str:
    moment = timestamps.local_moment(timestamp, UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _shown_time(timestamp: float, tz: tzinfo | None) -> str:
    return timestamps.format_time(timestamp, "%Y-%m-%d %H:%M %Z", tz)


def escape_inline(text: str) -> str:
    """Text for a heading: one line, Markdown and Obsidian syntax characters escaped."""
    one_line = " ".join(_BIDI_CONTROLS.sub("", text).split())
    return _HEADING_SPECIALS.sub(r"\\\1", one_line)


def _split_line_endings(text: str) -> tuple[str, bool]:
    """``text`` with LF line ends, and whether it was consistently CRLF (to restore it)."""
    if "\r" not in text:
        return text, False
    lf = text.replace("\r\n", "\n")
    if "\r" not in lf and lf.count("\n") == text.count("\r\n"):
        return lf, True
    return lf.replace("\r", "\n"), False


def _attributes(values: dict[str, str | None]) -> str:
    return "".join(f' {key}="{attribute_value(value)}"'
                   for key, value in values.items() if value is not None)


def attribute_value(value: str) -> str:
    """``value`` percent-encoded for a marker attribute (no quote, no line break left)."""
    if _ATTR_UNCHANGED.fullmatch(value):
        return value
    return url_quote(value, safe=_ATTR_SAFE)


def _number(value: float | None) -> str | None:
    return None if value is None else repr(value)


def _usage_line(message: Message) -> str | None:
    parts: list[str] = []
    if message.prompt_tokens is not None:
        parts.append(f"{message.prompt_tokens} prompt")
    if message.completion_tokens is not None:
        completion = f"{message.completion_tokens} completion"
        if message.reasoning_tokens is not None:
            completion += f" ({message.reasoning_tokens} reasoning)"
        parts.append(completion)
    elif message.reasoning_tokens is not None:
        parts.append(f"{message.reasoning_tokens} reasoning")
    if message.total_tokens is not None:
        parts.append(f"{message.total_tokens} total")
    line = " · ".join(parts)
    if message.cost_usd is not None:
        line += ("; " if line else "") + format_usd(message.cost_usd)
    return f"*Tokens: {line}*" if line else None


def _status_line(message: Message) -> str | None:
    if message.status == "complete":
        return None
    label = {"interrupted": "Interrupted", "error": "Failed", "streaming": "Unfinished"}
    note = label[message.status]
    if message.error:
        note += f": {' '.join(message.error.split())}"
    return f"*{escape_inline(note)}*"


def _reasoning_block(reasoning: str) -> tuple[str, str]:
    """The ``<details>`` block for ``reasoning`` and how it was written (markdown or fenced)."""
    text = fences.escape_markers(reasoning)
    if _HTML_LIKE.search(text) is None and fences.unclosed_fence(text) is None:
        return f"{DETAILS_OPEN}\n\n{text}\n\n{DETAILS_CLOSE}\n\n", "markdown"
    fence = fences.fence_for(text)
    return f"{DETAILS_OPEN}\n\n{fence}text\n{text}\n{fence}\n\n{DETAILS_CLOSE}\n\n", "fenced"


def _folded_content(content: str) -> tuple[str, str | None]:
    """Content for inside a ``<details>`` block: in a code fence (and "fenced") when it
    could close the block or leave a code fence open over its end."""
    if _HTML_LIKE.search(content) is None and fences.unclosed_fence(content) is None:
        return content, None
    fence = fences.fence_for(content)
    return f"{fence}text\n{content}\n{fence}", "fenced"


def _message_section(message: Message, *, include_reasoning: bool, include_usage: bool,
                     tz: tzinfo | None, parent: str | None = None) -> str:
    """One message; ``parent`` (a uuid, "" for a root) marks a folded version."""
    content, content_crlf = _split_line_endings(message.content)
    content = fences.escape_markers(content)
    content_mode = None
    if parent is not None:
        content, content_mode = _folded_content(content)
    reasoning, reasoning_crlf = _split_line_endings(message.reasoning)
    details, reasoning_mode = (_reasoning_block(reasoning)
                               if include_reasoning and reasoning else ("", None))
    closing_fence = fences.unclosed_fence(content)
    attributes: dict[str, str | None] = {
        "role": message.role,
        "uuid": message.uuid,
        "parent": parent,
        "content": content_mode,
        "created": _exact_iso(message.created_at),
        "model": message.model,
        "status": None if message.status == "complete" else message.status,
        "error": message.error,
        "reasoning": reasoning_mode,
        "reasoning_eol": "crlf" if reasoning_mode and reasoning_crlf else None,
        "content_eol": "crlf" if content_crlf else None,
        "closed_fence": "yes" if closing_fence else None,
    }
    if include_usage:
        attributes |= {name: _number(getattr(message, name)) for name in USAGE_FIELDS}
        attributes["cost_usd"] = _number(message.cost_usd)
    heading = [ROLE_LABELS[message.role]]
    if message.role == "assistant" and message.model:
        heading.append(escape_inline(message.model))
    heading.append(_shown_time(message.created_at, tz))
    parts = [
        f"{fences.MARKER_PREFIX}message{_attributes(attributes)} -->\n",
        f"## {' · '.join(heading)}\n\n",
        details,
        f"{content}\n",
        f"{closing_fence}\n" if closing_fence else "",
        f"\n{END_MARKER}\n",
    ]
    notes = [_status_line(message), _usage_line(message) if include_usage else None]
    parts.extend(f"\n{note}\n" for note in notes if note)
    return "".join(parts)


def _shown_path(record: ConversationRecord, children: dict[int | None, list[Message]]
                ) -> list[Message]:
    """The active path, continued to the newest leaf below when the current leaf has
    children, as choosing a branch does, so every other message is in some version's
    subtree."""
    path = list(record.path())
    below = children.get(path[-1].id if path else None, [])
    while below:
        newest = max(below, key=lambda m: (m.created_at, m.id))
        path.append(newest)
        below = children.get(newest.id, [])
    return path


def _subtree(top: Message, children: dict[int | None, list[Message]]) -> list[Message]:
    """``top`` and every message below it, parents first."""
    found: list[Message] = []
    stack = [top]
    while stack:
        message = stack.pop()
        found.append(message)
        stack.extend(reversed(children.get(message.id, [])))
    return found


def _body(record: ConversationRecord, section: Callable[..., str]) -> tuple[list[str], bool]:
    """The sections of the active path, each followed by its other versions folded; and
    whether there were any."""
    children = record.children()
    uuids = {m.id: m.uuid for m in record.messages}
    sections: list[str] = []
    any_folded = False
    for message in _shown_path(record, children):
        sections.append(section(message))
        others = [m for m in children.get(message.parent_id, []) if m.id != message.id]
        if not others:
            continue
        any_folded = True
        folded = [section(m, parent="" if m.parent_id is None else uuids[m.parent_id])
                  for other in others for m in _subtree(other, children)]
        sections.append(VERSIONS_OPEN.format(count=len(others)) + "\n\n"
                        + "\n".join(folded) + f"\n{DETAILS_CLOSE}\n")
    return sections, any_folded


def to_markdown(record: ConversationRecord, *, include_reasoning: bool = False,
                include_usage: bool = False, tz: tzinfo | None = None) -> str:
    """Render one conversation; ``tz`` is the zone for the times shown (default: local)."""
    conversation = record.conversation
    settings = conversation.settings
    fields: dict[str, str | int | float | None] = {
        "title": conversation.title,
        "created": _iso(conversation.created_at, tz),
        "updated": _iso(conversation.updated_at, tz),
        "provider": settings.provider,
        "model": settings.model,
    }
    if settings.reasoning_effort is not None:
        fields["reasoning_effort"] = settings.reasoning_effort
    if settings.temperature is not None:
        fields["temperature"] = settings.temperature
    if settings.system_prompt is not None:
        fields["system_prompt"] = settings.system_prompt

    def section(message: Message, parent: str | None = None) -> str:
        return _message_section(message, include_reasoning=include_reasoning,
                                include_usage=include_usage, tz=tz, parent=parent)

    sections, folded = _body(record, section)
    fields |= {
        "app_version": __version__,
        "uuid": conversation.uuid,
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION if folded else LIST_VERSION,
    }
    title = escape_inline(conversation.title) or "Untitled"
    return frontmatter.dump(fields) + f"\n# {title}\n\n" + "\n".join(sections)


# --------------------------------------------------------------------------- reading


class _Reader:
    """Parses one document; every complaint names the line, so a user can find it."""

    def __init__(self, text: str, source: str | None) -> None:
        self.source = source
        self.text = text.removeprefix("\ufeff").replace("\r\n", "\n")
        self.lines = self.text.split("\n")

    def fail(self, line_index: int, message: str) -> MalformedFileError:
        return MalformedFileError(f"line {line_index + 1}: {message}", source=self.source)

    def read(self) -> ConversationRecord:
        fields, body_start = self._front_matter()
        markers = [i for i in range(body_start, len(self.lines))
                   if self.lines[i].startswith(fences.MARKER_PREFIX)]
        messages: list[Message] = []
        numbers: dict[str, int] = {}
        main_line: int | None = None
        for position in range(0, len(markers), 2):
            start = markers[position]
            if position + 1 >= len(markers):
                raise self.fail(start, "this message has no `<!-- grokdesk:end -->` line")
            message, parent = self._message(start, markers[position + 1])
            number = len(messages) + 1
            if message.uuid in numbers:
                raise self.fail(start, f"the message {message.uuid} appears twice")
            if parent is None:  # on the active path: it follows the one before
                parent_id, main_line = main_line, number
            elif parent == "":
                parent_id = None
            elif parent in numbers:
                parent_id = numbers[parent]
            else:
                raise self.fail(start, f"the parent {parent} is not a message before it")
            numbers[message.uuid] = number
            messages.append(replace(message, id=number, parent_id=parent_id))
        return ConversationRecord(self._conversation(fields), tuple(messages), main_line)

    def _front_matter(self) -> tuple[dict[str, str | None], int]:
        try:
            parsed = frontmatter.split(self.text)
        except frontmatter.FrontMatterError as exc:
            raise MalformedFileError(f"front matter {exc}", source=self.source) from None
        if parsed is None or parsed[0].get("format") != FORMAT_NAME:
            raise UnknownFormatError(
                "this Markdown was not exported by grokdesk (its front matter has no "
                f"`format: {FORMAT_NAME}`), so it cannot be split into messages reliably",
                source=self.source)
        fields, body_start = parsed
        version = fields.get("format_version")
        if version is None or not version.isdigit():
            raise MalformedFileError("the front matter has no valid `format_version`",
                                     source=self.source)
        if int(version) > FORMAT_VERSION:
            raise NewerFormatError(
                f"this is grokdesk Markdown version {version}, written by a newer grokdesk; "
                f"this one reads version {FORMAT_VERSION}", source=self.source)
        return fields, body_start

    def _timestamp(self, value: str | None, what: str, line_index: int,
                   default: float | None = None) -> float:
        if value is None:
            if default is None:
                raise self.fail(line_index, f"{what} is missing")
            return default
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(line_index, f"{what} is not an ISO 8601 time: {value!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            seconds = moment.timestamp()
        except (OverflowError, ValueError):
            seconds = math.nan
        if not timestamps.is_representable(seconds):
            raise self.fail(line_index, f"{what} should be {timestamps.RANGE_TEXT}, "
                                        f"not {value!r}")
        return seconds

    def _conversation(self, fields: dict[str, str | None]) -> Conversation:
        title = fields.get("title")
        if title is None:
            raise MalformedFileError("the front matter has no `title`", source=self.source)
        created = self._timestamp(fields.get("created"), "`created`", 0)
        updated = self._timestamp(fields.get("updated"), "`updated`", 0, default=created)
        effort = fields.get("reasoning_effort")
        if effort not in (None, "low", "high"):
            raise MalformedFileError(f"`reasoning_effort` must be low or high, not {effort!r}",
                                     source=self.source)
        temperature = self._float(fields.get("temperature"), "`temperature`", 0)
        settings = ConversationSettings(
            provider=fields.get("provider"),
            model=fields.get("model"),
            system_prompt=fields.get("system_prompt"),
            reasoning_effort="low" if effort == "low" else "high" if effort == "high" else None,
            temperature=temperature,
        )
        return Conversation(id=0, uuid=self._uuid(fields.get("uuid"), 0), title=title,
                            created_at=created, updated_at=updated, settings=settings)

    def _uuid(self, value: str | None, line_index: int) -> str:
        if value is None:
            return new_uuid()
        try:
            return str(uuidlib.UUID(value))
        except ValueError:
            raise self.fail(line_index, f"{value!r} is not a UUID") from None

    def _float(self, value: str | None, what: str, line_index: int) -> float | None:
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.fail(line_index, f"{what} is not a number: {value!r}") from None
        if not math.isfinite(number):
            raise self.fail(line_index, f"{what} is not a finite number")
        return number

    def _int(self, value: str | None, what: str, line_index: int) -> int | None:
        if value is None:
            return None
        digits = value.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
            raise self.fail(line_index, f"{what} is not a whole number: {value[:40]!r}")
        number = int(value)
        if not -(2**63) <= number < 2**63:
            raise self.fail(line_index, f"{what} is too large: {value!r}")
        return number

    def _attributes(self, index: int) -> dict[str, str]:
        line = self.lines[index]
        if too_long(line):
            raise MalformedFileError(describe(index + 1), source=self.source)
        if not (line.startswith(MESSAGE_OPEN) and line.endswith(MARKER_CLOSE)):
            raise self.fail(index, "expected a `<!-- grokdesk:message … -->` line")
        inner = line[len(MESSAGE_OPEN):len(line) - len(MARKER_CLOSE)]
        attributes: dict[str, str] = {}
        position = 0
        while position < len(inner):
            found = _ATTRIBUTE.match(inner, position)
            if found is None:
                raise self.fail(index, "expected a `<!-- grokdesk:message … -->` line")
            attributes[found.group(1)] = url_unquote(found.group(2))
            position = found.end()
        return attributes

    def _choice(self, value: str | None, allowed: tuple[_Choice, ...], what: str,
                index: int) -> _Choice:
        for option in allowed:
            if value == option:
                return option
        raise self.fail(index, f"{what} must be one of {', '.join(allowed)}, not {value!r}")

    def _reasoning(self, body: list[str], index: int, mode: str) -> tuple[str, int]:
        """The reasoning at the start of ``body`` and how many lines it took."""
        if body[:2] != [DETAILS_OPEN, ""]:
            raise self.fail(index, f"expected `{DETAILS_OPEN}` and a blank line")
        if mode == "markdown":
            end = body.index(DETAILS_CLOSE, 2) if DETAILS_CLOSE in body[2:] else -1
            if end < 3 or body[end - 1] != "":
                raise self.fail(index, f"the reasoning has no `{DETAILS_CLOSE}` line")
            text, after = "\n".join(body[2:end - 1]), end + 1
        elif mode == "fenced":
            fence = body[2].removesuffix("text") if len(body) > 2 else ""
            if len(fence) < 3 or fence.strip("`") or not body[2].endswith("text"):
                raise self.fail(index, "expected a code fence opening the reasoning")
            if fence not in body[3:]:
                raise self.fail(index, "the reasoning's code fence is never closed")
            close = body.index(fence, 3)
            if body[close + 1:close + 3] != ["", DETAILS_CLOSE]:
                raise self.fail(index, f"expected `{DETAILS_CLOSE}` after the reasoning")
            text, after = "\n".join(body[3:close]), close + 3
        else:
            raise self.fail(index, f"unknown reasoning layout {mode!r}")
        if body[after:after + 1] != [""]:
            raise self.fail(index, f"expected a blank line after `{DETAILS_CLOSE}`")
        return text, after + 1

    def _message(self, start: int, end: int) -> tuple[Message, str | None]:
        """The message between two marker lines, and its ``parent`` attribute (None:
        it is on the active path)."""
        attrs = self._attributes(start)
        if self.lines[end] != END_MARKER:
            raise self.fail(end, f"expected `{END_MARKER}` before the next message")
        if not self.lines[start + 1].startswith("## ") or self.lines[start + 2] != "":
            raise self.fail(start + 1, "expected a `## Role` heading and a blank line")
        body = self.lines[start + 3:end]
        reasoning = ""
        if "reasoning" in attrs:
            reasoning, used = self._reasoning(body, start + 3, attrs["reasoning"])
            reasoning = _restore(reasoning, attrs.get("reasoning_eol"))
            body = body[used:]
        if not body or body[-1] != "":
            raise self.fail(end, "expected a blank line before the end marker")
        body = body[:-1]
        if attrs.get("closed_fence") == "yes":
            if not body:
                raise self.fail(end, "the closing fence added on export is missing")
            body = body[:-1]
        if "content" in attrs:
            body = self._unfenced(body, end, attrs["content"])
        created = self._timestamp(attrs.get("created"), "`created`", start)
        return Message(
            id=0,
            uuid=self._uuid(attrs.get("uuid"), start),
            conversation_id=0,
            role=self._choice(attrs.get("role"), ROLES, "role", start),
            content=_restore("\n".join(body), attrs.get("content_eol")),
            reasoning=reasoning,
            model=attrs.get("model"),
            status=self._choice(attrs.get("status", "complete"), STATUSES, "status", start),
            error=attrs.get("error"),
            cost_usd=self._float(attrs.get("cost_usd"), "cost_usd", start),
            prompt_tokens=self._int(attrs.get("prompt_tokens"), "prompt_tokens", start),
            completion_tokens=self._int(attrs.get("completion_tokens"), "completion_tokens",
                                        start),
            reasoning_tokens=self._int(attrs.get("reasoning_tokens"), "reasoning_tokens", start),
            total_tokens=self._int(attrs.get("total_tokens"), "total_tokens", start),
            created_at=created,
            updated_at=created,
        ), attrs.get("parent")

    def _unfenced(self, body: list[str], end: int, mode: str) -> list[str]:
        """The content lines inside the code fence a folded version was written in."""
        if mode != "fenced":
            raise self.fail(end, f"unknown content layout {mode!r}")
        fence = body[0].removesuffix("text") if body else ""
        if (len(body) < 2 or not body[0].endswith("text") or len(fence) < 3
                or fence.strip("`") or body[-1] != fence):
            raise self.fail(end, "expected the content in a code fence")
        return body[1:-1]


def _restore(text: str, eol: str | None) -> str:
    text = fences.unescape_markers(text)
    return text.replace("\n", "\r\n") if eol == "crlf" else text


def from_markdown(text: str, *, source: str | None = None) -> ConversationRecord:
    """Read one grokdesk Markdown export; refuse anything else with a typed error."""
    return _Reader(text, source).read()

