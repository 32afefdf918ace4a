"""grokdesk's lossless JSON export: every field of every conversation and message, versioned.

The document is validated completely before anything is returned, so an importer
that receives records can write them without meeting a surprise half-way. Unknown
keys are ignored (a newer grokdesk may add optional fields within a version); a
higher ``version`` is refused. docs/export-format.md describes each field.

Version 2 keeps the whole tree: each message names its parent by uuid and each
conversation its current leaf. Version 1 (a list per conversation) is read as a chain.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from grokdesk import __version__, timestamps
from grokdesk.export.errors import MalformedFileError, NewerFormatError, UnknownFormatError
from grokdesk.export.records import ConversationRecord
from grokdesk.storage.models import Conversation, ConversationSettings, Message

FORMAT_NAME = "grokdesk-export"
FORMAT_VERSION = 2

ROLES = ("system", "user", "assistant")
STATUSES = ("complete", "streaming", "interrupted", "error")
EFFORTS = ("low", "high")
USAGE_FIELDS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens")
TIMING_FIELDS = ("reasoning_started_at", "content_started_at", "finished_at")

_SURROGATE = re.compile("[\ud800-\udfff]")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_T = TypeVar("_T")


# --------------------------------------------------------------------------- writing


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity; an impossible number is better lost than the file."""
    return value if value is None or math.isfinite(value) else None


def _time_or_none(value: float | None) -> float | None:
    """An optional time that is no date would make the backup unreadable: it is dropped."""
    return value if value is None or timestamps.is_representable(value) else None


def _settings(settings: ConversationSettings) -> dict[str, Any]:
    return {
        "provider": settings.provider,
        "model": settings.model,
        "system_prompt": settings.system_prompt,
        "reasoning_effort": settings.reasoning_effort,
        "temperature": _finite(settings.temperature),
    }


def message_to_json(message: Message, parent_uuid: str | None = None) -> dict[str, Any]:
    """One message with every field except its database ids; its parent by uuid."""
    usage: dict[str, Any] = {name: getattr(message, name) for name in USAGE_FIELDS}
    usage["cost_usd"] = _finite(message.cost_usd)
    return {
        "uuid": message.uuid,
        "parent_uuid": parent_uuid,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "model": message.model,
        "status": message.status,
        "finish_reason": message.finish_reason,
        "error": message.error,
        "request_id": message.request_id,
        "reasoning_effort": message.reasoning_effort,
        "usage": usage,
        "created_at": timestamps.clamp(message.created_at),
        "updated_at": timestamps.clamp(message.updated_at),
        "timing": {name: _time_or_none(getattr(message, name)) for name in TIMING_FIELDS},
    }


def conversation_to_json(record: ConversationRecord) -> dict[str, Any]:
    """One conversation with its settings and every message, parents first."""
    conversation = record.conversation
    uuids: dict[int | None, str] = {m.id: m.uuid for m in record.messages}
    return {
        "uuid": conversation.uuid,
        "title": conversation.title,
        "created_at": timestamps.clamp(conversation.created_at),
        "updated_at": timestamps.clamp(conversation.updated_at),
        "pinned": conversation.pinned,
        "settings": _settings(conversation.settings),
        "current_leaf_uuid": uuids.get(record.current_leaf_id),
        "messages": [message_to_json(m, uuids.get(m.parent_id)) for m in record.messages],
    }


def to_json_document(records: Iterable[ConversationRecord], *,
                     exported_at: float | None = None) -> dict[str, Any]:
    """The whole export document as plain data."""
    moment = (datetime.now(UTC) if exported_at is None
              else datetime.fromtimestamp(exported_at, UTC))
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "app_version": __version__,
        "conversations": [conversation_to_json(r) for r in records],
    }


def to_json(records: Iterable[ConversationRecord], *, exported_at: float | None = None) -> str:
    """The export document as text (UTF-8 friendly, ends with a newline)."""
    document = to_json_document(records, exported_at=exported_at)
    return json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- reading


class _Node:
    """A JSON object being validated; ``path`` says where it is, for error messages."""

    def __init__(self, data: object, path: str, source: str | None) -> None:
        if not isinstance(data, dict):
            raise MalformedFileError(f"{path} should be an object", source=source)
        self.data: dict[str, object] = data
        self.path = path
        self.source = source

    def fail(self, key: str, expected: str) -> MalformedFileError:
        got = self.data.get(key, None)
        shown = "missing" if key not in self.data else f"got {type(got).__name__} {got!r}"[:80]
        return MalformedFileError(f"{self.path}.{key} should be {expected} ({shown})",
                                  source=self.source)

    def _get(self, key: str, kind: type[_T] | tuple[type, ...], expected: str,
             required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, expected)
            return None
        if isinstance(value, bool) and kind is not bool:
            raise self.fail(key, expected)
        if not isinstance(value, kind):
            raise self.fail(key, expected)
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        value: str | None = self._get(key, str, "a string", required)
        if value is not None and _SURROGATE.search(value):
            raise self.fail(key, "valid Unicode text")
        return value

    def required_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def identifier(self, key: str) -> str:
        value = self.required_text(key)
        if not value.strip():
            raise self.fail(key, "a non-empty identifier")
        return value

    def number(self, key: str, *, required: bool = False) -> float | None:
        value = self._get(key, (int, float), "a number", required)
        if value is None:
            return None
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float
            raise self.fail(key, "a finite number") from None
        if not math.isfinite(number):
            raise self.fail(key, "a finite number")
        return number

    def time(self, key: str, *, required: bool = False) -> float | None:
        """A Unix time that dates can be made of (Markdown export shows it as a date)."""
        value = self.number(key, required=required)
        if value is not None and not timestamps.is_representable(self.data[key]):
            raise self.fail(key, f"a Unix time: {timestamps.RANGE_TEXT}")
        return value

    def required_time(self, key: str) -> float:
        value = self.time(key, required=True)
        assert value is not None
        return value

    def integer(self, key: str) -> int | None:
        value: int | None = self._get(key, int, "a whole number", False)
        if value is not None and not _INT64_MIN <= value <= _INT64_MAX:
            raise self.fail(key, "a whole number the history can store (64 bits)")
        return value

    def flag(self, key: str) -> bool:
        value: bool | None = self._get(key, bool, "true or false", False)
        return bool(value)

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None) -> str | None:
        value = self.text(key)
        if value is None:
            return default
        if value not in allowed:
            raise self.fail(key, "one of " + ", ".join(allowed))
        return value

    def child(self, key: str) -> _Node:
        value = self.data.get(key)
        return _Node({} if value is None else value, f"{self.path}.{key}", self.source)

    def items(self, key: str) -> list[_Node]:
        value = self.data.get(key)
        if not isinstance(value, list):
            raise self.fail(key, "a list")
        return [_Node(item, f"{self.path}.{key}[{i}]", self.source)
                for i, item in enumerate(value)]


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _message(node: _Node) -> Message:
    usage = node.child("usage")
    timing = node.child("timing")
    role = node.choice("role", ROLES, None)
    if role is None:
        raise node.fail("role", "one of " + ", ".join(ROLES))
    created = node.required_time("created_at")
    return Message(
        id=0,
        uuid=node.identifier("uuid"),
        conversation_id=0,
        role=role,  # type: ignore[arg-type]  # checked against ROLES above
        content=node.required_text("content"),
        reasoning=node.text("reasoning") or "",
        model=node.text("model"),
        status=node.choice("status", STATUSES, "complete"),  # type: ignore[arg-type]
        finish_reason=node.text("finish_reason"),
        error=node.text("error"),
        request_id=node.text("request_id"),
        prompt_tokens=usage.integer("prompt_tokens"),
        completion_tokens=usage.integer("completion_tokens"),
        reasoning_tokens=usage.integer("reasoning_tokens"),
        total_tokens=usage.integer("total_tokens"),
        cost_usd=usage.number("cost_usd"),
        created_at=created,
        updated_at=_or(node.time("updated_at"), created),
        reasoning_started_at=timing.time("reasoning_started_at"),
        content_started_at=timing.time("content_started_at"),
        finished_at=timing.time("finished_at"),
        reasoning_effort=node.text("reasoning_effort"),
    )


def _tree(node: _Node, messages: list[Message], parents: list[str | None]
          ) -> tuple[tuple[Message, ...], int | None]:
    """The messages numbered 1, 2, … in the file's order with their parents linked by
    uuid (parents before children, whatever order the file used), and the number of
    the current leaf. A parent outside the conversation or a loop refuses the file."""
    number = {m.uuid: i for i, m in enumerate(messages, start=1)}
    children: dict[int | None, list[Message]] = {}
    for index, (message, parent) in enumerate(zip(messages, parents, strict=True)):
        if parent is not None and parent not in number:
            raise MalformedFileError(
                f"{node.path}.messages[{index}].parent_uuid {parent} is not a message of "
                "this conversation", source=node.source)
        linked = replace(message, id=index + 1,
                         parent_id=None if parent is None else number[parent])
        children.setdefault(linked.parent_id, []).append(linked)
    ordered: list[Message] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        message = stack.pop()
        ordered.append(message)
        stack.extend(reversed(children.get(message.id, [])))
    if len(ordered) != len(messages):
        placed = {m.id for m in ordered}
        first = min(i for i in range(1, len(messages) + 1) if i not in placed)
        raise MalformedFileError(f"{node.path}.messages[{first - 1}]: its parents loop back "
                                 "to it", source=node.source)
    if all(m.parent_id is None or m.parent_id < m.id for m in ordered):
        ordered.sort(key=lambda m: m.id)  # already parents first: keep the file's order
    leaf_uuid = node.text("current_leaf_uuid")
    if leaf_uuid is not None and leaf_uuid not in number:
        raise node.fail("current_leaf_uuid", "the uuid of a message of this conversation")
    return tuple(ordered), None if leaf_uuid is None else number[leaf_uuid]


def _conversation(node: _Node, version: int) -> ConversationRecord:
    settings = node.child("settings")
    created = node.required_time("created_at")
    conversation = Conversation(
        id=0,
        uuid=node.identifier("uuid"),
        title=node.required_text("title"),
        created_at=created,
        updated_at=_or(node.time("updated_at"), created),
        pinned=node.flag("pinned"),
        settings=ConversationSettings(
            provider=settings.text("provider"),
            model=settings.text("model"),
            system_prompt=settings.text("system_prompt"),
            reasoning_effort=settings.choice("reasoning_effort", EFFORTS, None),  # type: ignore[arg-type]
            temperature=settings.number("temperature"),
        ),
    )
    items = node.items("messages")
    messages = [_message(m) for m in items]
    if version < 2:
        return ConversationRecord(conversation, tuple(messages))
    tree, leaf = _tree(node, messages, [m.text("parent_uuid") for m in items])
    return ConversationRecord(conversation, tree, leaf)


def _check_unique(records: list[ConversationRecord], source: str | None) -> None:
    seen: set[str] = set()
    for index, record in enumerate(records):
        if record.conversation.uuid in seen:
            raise MalformedFileError(f"conversations[{index}]: uuid {record.conversation.uuid} "
                                     "appears twice", source=source)
        seen.add(record.conversation.uuid)
    seen.clear()
    for index, record in enumerate(records):
        for position, message in enumerate(record.messages):
            if message.uuid in seen:
                raise MalformedFileError(
                    f"conversations[{index}].messages[{position}]: uuid {message.uuid} "
                    "appears twice", source=source)
            seen.add(message.uuid)


def is_grokdesk_document(data: object) -> bool:
    """Whether parsed JSON claims to be a grokdesk export (of any version)."""
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


def from_json_document(data: object, *, source: str | None = None) -> list[ConversationRecord]:
    """Validate a parsed grokdesk export completely and return its conversations."""
    if not is_grokdesk_document(data):
        raise UnknownFormatError(f'this JSON is not a grokdesk export (no "format": '
                                 f'"{FORMAT_NAME}")', source=source)
    root = _Node(data, "$", source)
    version = root.data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise root.fail("version", "a positive whole number")
    if version > FORMAT_VERSION:
        raise NewerFormatError(
            f"this is grokdesk export format version {version}, written by a newer grokdesk; "
            f"this one reads up to version {FORMAT_VERSION}", source=source)
    records = [_conversation(c, version) for c in root.items("conversations")]
    _check_unique(records, source)
    return records


def parse_json_text(text: str, *, source: str | None = None) -> object:
    """Parse JSON text, turning a syntax error (often a truncated file) into a refusal."""
    def no_constants(name: str) -> object:
        raise MalformedFileError(f"{name} is not valid JSON", source=source)

    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "the file ends too early (truncated?)" if cut else f"invalid JSON ({exc.msg})"
        raise MalformedFileError(f"{what} at {where}", source=source) from None
    except RecursionError:
        raise MalformedFileError("the JSON is nested too deeply", source=source) from None
    except ValueError:  # a number with more digits than Python converts
        raise MalformedFileError("the JSON holds a number too long to read",
                                 source=source) from None


def from_json(text: str, *, source: str | None = None) -> list[ConversationRecord]:
    """Read a grokdesk JSON export from text."""
    return from_json_document(parse_json_text(text, source=source), source=source)
