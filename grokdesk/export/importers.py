"""ChatGPT's data export (``conversations.json``) as grokdesk conversations.

ChatGPT stores each conversation as a tree (every edit or regeneration branches), as
grokdesk does: every branch is kept, and what the user last saw, the path from the
root to ``current_node``, becomes the current one. Structure is checked strictly (a
broken tree refuses the file);
message shapes we do not know (tool calls, browsing, images, hidden context) are
skipped, because ChatGPT adds new ones often. Ids become deterministic UUIDs so a
second import of the same export finds the first one and adds nothing.
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from dataclasses import dataclass
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

    def children(self) -> dict[str | None, list[str]]:
        """Each node's children by their ``parent`` links (None: the roots), in the
        order the parent lists them; a parent missing from ``mapping`` refuses the file."""
        found: dict[str | None, list[str]] = {}
        for node_id, node in self.nodes.items():
            parent = node.get("parent")
            if parent is not None and (not isinstance(parent, str) or parent not in self.nodes):
                raise self.fail(f"the parent {parent!r} of node {node_id!r} is missing "
                                "from mapping")
            found.setdefault(parent, []).append(node_id)
        for parent, kids in found.items():
            listed = self.nodes[parent].get("children") if parent is not None else None
            order = {c: i for i, c in enumerate(listed)} if isinstance(listed, list) else {}
            kids.sort(key=lambda c: order.get(c, len(order)))
        return found

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


@dataclass(frozen=True, slots=True)
class _Step:
    """Where the walk down the tree is: the nearest kept message above (its record id),
    the time so far, and reasoning summaries waiting for the next answer."""

    parent: int | None
    clock: float
    reasoning: tuple[str, ...] = ()


def _kept(chatgpt_id: str, node_id: str, node: dict[str, Any], step: _Step, number: int
          ) -> tuple[Message | None, _Step]:
    """The message ``node`` becomes (None: skipped) and the step below it."""
    message = node.get("message")
    if not isinstance(message, dict) or not _is_shown(message):
        return None, step
    author = message.get("author")
    role = KEPT_ROLES.get(author.get("role", "")) if isinstance(author, dict) else None
    content = message.get("content")
    if role is None or not isinstance(content, dict):
        return None, step
    clock = _time(message.get("create_time")) or step.clock
    if thoughts := _thoughts_of(content):
        return None, _Step(step.parent, clock, (*step.reasoning, thoughts))
    text = _text_of(content)
    if not text.strip():
        return None, _Step(step.parent, clock, step.reasoning)
    metadata = message.get("metadata")
    model = metadata.get("model_slug") if isinstance(metadata, dict) else None
    answer = role == "assistant"
    kept = Message(
        id=number,
        uuid=message_uuid(chatgpt_id, node_id),
        conversation_id=0,
        role=role,
        content=text,
        reasoning="\n\n".join(step.reasoning) if answer else "",
        model=_clean(model) if isinstance(model, str) and answer else None,
        created_at=clock,
        updated_at=clock,
        finished_at=clock if answer else None,
        parent_id=step.parent,
    )
    return kept, _Step(number, clock, () if answer else step.reasoning)


def _messages(tree: _Tree, chatgpt_id: str, start: float) -> tuple[list[Message], dict[str, int]]:
    """Every kept message of every branch, parents first, numbered 1, 2, …; and the
    record id of each node's nearest kept message (itself or above)."""
    children = tree.children()
    messages: list[Message] = []
    nearest: dict[str, int] = {}
    stack = [(node_id, _Step(None, start)) for node_id in reversed(children.get(None, []))]
    while stack:
        node_id, step = stack.pop()
        kept, below = _kept(chatgpt_id, node_id, tree.nodes[node_id], step, len(messages) + 1)
        if kept is not None:
            messages.append(kept)
        if below.parent is not None:
            nearest[node_id] = below.parent
        stack.extend((child, below) for child in reversed(children.get(node_id, [])))
    return messages, nearest


def _conversation(raw: object, index: int, source: str | None) -> ConversationRecord:
    path = f"conversation {index + 1}"
    if not isinstance(raw, dict):
        raise MalformedFileError(f"{path} should be an object", source=source)
    chatgpt_id = raw.get("conversation_id") or raw.get("id")
    if not isinstance(chatgpt_id, str) or not chatgpt_id:
        chatgpt_id = json.dumps([raw.get("title"), raw.get("create_time")])
    tree = _Tree(raw, path, source)
    branch = tree.main_branch()
    created = _time(raw.get("create_time"))
    messages, nearest = _messages(tree, chatgpt_id, created or 0.0)
    leaf = nearest.get(branch[-1][0]) if branch else None
    title = raw.get("title")
    start = created if created is not None else (messages[0].created_at if messages else 0.0)
    updated = _time(raw.get("update_time"))
    latest = max([start, *(m.created_at for m in messages)])
    conversation = Conversation(
        id=0,
        uuid=conversation_uuid(chatgpt_id),
        title=_clean(title) if isinstance(title, str) and title.strip() else DEFAULT_TITLE,
        created_at=start,
        updated_at=updated if updated is not None else latest,
    )
    return ConversationRecord(conversation, tuple(messages), leaf)


def from_chatgpt_document(data: object, *, source: str | None = None
                          ) -> list[ConversationRecord]:
    """Every conversation of a ChatGPT export, every branch, ``current_node``'s current."""
    items = data if isinstance(data, list) else [data]
    return [_conversation(raw, index, source) for index, raw in enumerate(items)]
