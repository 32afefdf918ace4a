"""ChatGPT's data export (``conversations.json``) as grokdesk conversations.

ChatGPT stores each conversation as a tree (every edit or regeneration branches);
what the user last saw is the path from the root to ``current_node``, so that branch
is what we keep. Structure is checked strictly (a broken tree refuses the file);
message shapes we do not know (tool calls, browsing, images, hidden context) are
skipped, because ChatGPT adds new ones often. Ids become deterministic UUIDs so a
second import of the same export finds the first one and adds nothing.
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from typing import Any

from grokdesk import timestamps
from grokdesk.export.errors import MalformedFileError
from grokdesk.export.records import ConversationRecord
from grokdesk.storage.models import Conversation, Message, MessageRole

DEFAULT_TITLE = "Imported from ChatGPT"
KEPT_ROLES: dict[str, MessageRole] = {"user": "user", "assistant": "assistant"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """JSON escapes can spell half a character, which SQLite cannot store."""
    return _SURROGATE.sub("\ufffd", text)


def is_chatgpt_document(data: object) -> bool:
    """Whether parsed JSON looks like ChatGPT's export: conversations with a ``mapping``."""
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(isinstance(c, dict) and "mapping" in c for c in items)


def conversation_uuid(chatgpt_id: str) -> str:
    """The grokdesk uuid of a ChatGPT conversation: the same on every import."""
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"https://chatgpt.com/c/{chatgpt_id}"))


def message_uuid(chatgpt_id: str, node_id: str) -> str:
    """The grokdesk uuid of one ChatGPT message node."""
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL,
                             f"https://chatgpt.com/c/{chatgpt_id}#{node_id}"))


def _time(value: object) -> float | None:
    """A usable Unix time, or None for anything missing or impossible."""
    if isinstance(value, int | float) and timestamps.is_representable(value):
        return float(value)
    return None


def _text_of(content: dict[str, Any]) -> str:
    """The visible text of a message's content, or "" for kinds we do not show."""
    kind = content.get("content_type")
    if kind not in ("text", "multimodal_text"):
        return ""
    pieces: list[str] = []
    for part in content.get("parts") or []:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            if isinstance(part.get("text"), str):
                pieces.append(part["text"])
            elif part.get("content_type") == "image_asset_pointer":
                pieces.append("[image]")
    return _clean("\n\n".join(p for p in pieces if p))


def _thoughts_of(content: dict[str, Any]) -> str:
    """Reasoning summaries of o-series models (``thoughts`` content), as plain text."""
    if content.get("content_type") != "thoughts":
        return ""
    blocks: list[str] = []
    for thought in content.get("thoughts") or []:
        if isinstance(thought, dict):
            parts = [thought.get("summary"), thought.get("content")]
            blocks.append("\n\n".join(p for p in parts if isinstance(p, str) and p))
    return _clean("\n\n".join(b for b in blocks if b))


class _Tree:
    """One conversation's ``mapping``, checked as it is walked."""

    def __init__(self, raw: dict[str, Any], path: str, source: str | None) -> None:
        self.path, self.source = path, source
        mapping = raw.get("mapping")
        if not isinstance(mapping, dict) or not all(isinstance(n, dict)
                                                    for n in mapping.values()):
            raise self.fail("mapping should be an object of nodes")
        self.nodes: dict[str, dict[str, Any]] = mapping
        self.current = raw.get("current_node")

    def fail(self, message: str) -> MalformedFileError:
        return MalformedFileError(f"{self.path}: {message}", source=self.source)

    def _last_leaf(self) -> str | None:
        """Where ``current_node`` is missing: follow the newest child from the root."""
        roots = [key for key, node in self.nodes.items() if node.get("parent") is None]
        if not roots and self.nodes:
            raise self._rootless()
        node_id = roots[0] if roots else None
        seen: set[str] = set()
        while node_id is not None and node_id not in seen:
            seen.add(node_id)
            children = [c for c in self.nodes[node_id].get("children") or []
                        if c in self.nodes]
            if not children:
                return node_id
            node_id = children[-1]
        return node_id

    def _rootless(self) -> MalformedFileError:
        """Why a tree without a root has none: a parent is missing, or parents loop."""
        node_id = next(iter(self.nodes))
        seen: set[str] = set()
        while node_id not in seen:
            seen.add(node_id)
            parent = self.nodes[node_id].get("parent")
            if not isinstance(parent, str) or parent not in self.nodes:
                return self.fail(f"the message tree has no root: the parent {parent!r} of "
                                 f"node {node_id!r} is missing from mapping")
            node_id = parent
        return self.fail(f"the message tree has no root: its parents loop at node {node_id!r}")

    def main_branch(self) -> list[tuple[str, dict[str, Any]]]:
        """The nodes from the root to the current node, oldest first."""
        node_id = self.current if self.current in self.nodes else self._last_leaf()
        branch: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()
        while node_id is not None:
            if not isinstance(node_id, str) or node_id not in self.nodes:
                raise self.fail(f"node {node_id!r} is referenced but missing from mapping")
            if node_id in seen:
                raise self.fail(f"the message tree loops at node {node_id!r}")
            seen.add(node_id)
            node = self.nodes[node_id]
            branch.append((node_id, node))
            node_id = node.get("parent")
        branch.reverse()
        return branch


def _is_shown(message: dict[str, Any]) -> bool:
    metadata = message.get("metadata")
    if isinstance(metadata, dict) and metadata.get("is_visually_hidden_from_conversation"):
        return False
    return message.get("recipient") in (None, "all")


def _conversation(raw: object, index: int, source: str | None) -> ConversationRecord:
    path = f"conversation {index + 1}"
    if not isinstance(raw, dict):
        raise MalformedFileError(f"{path} should be an object", source=source)
    chatgpt_id = raw.get("conversation_id") or raw.get("id")
    if not isinstance(chatgpt_id, str) or not chatgpt_id:
        chatgpt_id = json.dumps([raw.get("title"), raw.get("create_time")])
    tree = _Tree(raw, path, source)
    messages: list[Message] = []
    pending_reasoning: list[str] = []
    created = _time(raw.get("create_time"))
    clock = created or 0.0
    for node_id, node in tree.main_branch():
        message = node.get("message")
        if not isinstance(message, dict) or not _is_shown(message):
            continue
        author = message.get("author")
        role = KEPT_ROLES.get(author.get("role", "")) if isinstance(author, dict) else None
        content = message.get("content")
        if role is None or not isinstance(content, dict):
            continue
        clock = _time(message.get("create_time")) or clock
        if thoughts := _thoughts_of(content):
            pending_reasoning.append(thoughts)
            continue
        text = _text_of(content)
        if not text.strip():
            continue
        metadata = message.get("metadata")
        model = metadata.get("model_slug") if isinstance(metadata, dict) else None
        reasoning = "\n\n".join(pending_reasoning) if role == "assistant" else ""
        if role == "assistant":
            pending_reasoning.clear()
        messages.append(Message(
            id=0,
            uuid=message_uuid(chatgpt_id, node_id),
            conversation_id=0,
            role=role,
            content=text,
            reasoning=reasoning,
            model=_clean(model) if isinstance(model, str) and role == "assistant" else None,
            created_at=clock,
            updated_at=clock,
            finished_at=clock if role == "assistant" else None,
        ))
    title = raw.get("title")
    start = created if created is not None else (messages[0].created_at if messages else 0.0)
    updated = _time(raw.get("update_time"))
    conversation = Conversation(
        id=0,
        uuid=conversation_uuid(chatgpt_id),
        title=_clean(title) if isinstance(title, str) and title.strip() else DEFAULT_TITLE,
        created_at=start,
        updated_at=updated if updated is not None else max([start, clock]),
    )
    return ConversationRecord(conversation, tuple(messages))


def from_chatgpt_document(data: object, *, source: str | None = None
                          ) -> list[ConversationRecord]:
    """Every conversation of a ChatGPT export, main branch only, oldest message first."""
    items = data if isinstance(data, list) else [data]
    return [_conversation(raw, index, source) for index, raw in enumerate(items)]
