"""Hypothesis strategies for conversations full of text that tries to break the formats."""

from __future__ import annotations

import uuid
from dataclasses import replace

from hypothesis import strategies as st

from grokdesk.export.records import ConversationRecord
from grokdesk.storage.models import Conversation, ConversationSettings, Message, MessageRole

ROLES: list[MessageRole] = ["user", "assistant", "system"]

HOSTILE_FRAGMENTS = [
    "```", "````", "`````python", "~~~", "~~~~", "`", "``", "---", "...", "+++",
    "<!-- grokdesk:message role=\"user\" -->", "<!-- grokdesk:end -->", "\\<!-- grokdesk:",
    "<!-- grokdesk:", "<!--", "-->", "</details>", "<details>", "<summary>Reasoning</summary>",
    "<script>alert(1)</script>", "<div>", "&amp;", "\r\n", "\r", "\n", "\n\n", " ", "\t",
    "key: value", "title: \"x\"", "format: grokdesk-markdown", "# ", "## User · now",
    "\\", "*", "_", "[[link]]", "$x$", "\u202e", "\u2066", "\u200d", "\u2028", "\u2029",
    "\x85", "\x00", "\ufeff", "مرحبا بالعالم", "שלום", "😀", "👩‍👩‍👧", "漢字かな한글",
    "a" * 50,
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=8)), max_size=12,
).map("".join)

timestamps = st.floats(min_value=0, max_value=4_000_000_000, allow_nan=False)
maybe_int = st.none() | st.integers(min_value=0, max_value=10**9)
maybe_float = st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False)
maybe_text = st.none() | hostile_text
uuids = st.uuids().map(str)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    role = draw(st.sampled_from(ROLES))
    return Message(
        id=0, uuid=draw(uuids), conversation_id=0, role=role,
        content=draw(hostile_text),
        reasoning=draw(hostile_text) if role == "assistant" else "",
        model=draw(maybe_text),
        status=draw(st.sampled_from(["complete", "interrupted", "error", "streaming"])),
        finish_reason=draw(st.none() | st.sampled_from(["stop", "length"])),
        error=draw(maybe_text),
        prompt_tokens=draw(maybe_int), completion_tokens=draw(maybe_int),
        reasoning_tokens=draw(maybe_int), total_tokens=draw(maybe_int),
        cost_usd=draw(maybe_float), request_id=draw(maybe_text),
        created_at=draw(timestamps), updated_at=draw(timestamps),
        reasoning_started_at=draw(st.none() | timestamps),
        content_started_at=draw(st.none() | timestamps),
        finished_at=draw(st.none() | timestamps),
    )


@st.composite
def records(draw: st.DrawFn, max_messages: int = 6) -> ConversationRecord:
    settings = ConversationSettings(
        provider=draw(maybe_text), model=draw(maybe_text), system_prompt=draw(maybe_text),
        reasoning_effort=draw(st.sampled_from([None, "low", "high"])),
        temperature=draw(st.none() | st.floats(min_value=0, max_value=2)),
    )
    conversation = Conversation(
        id=0, uuid=draw(uuids), title=draw(hostile_text),
        created_at=draw(timestamps), updated_at=draw(timestamps),
        pinned=draw(st.booleans()), settings=settings,
    )
    found = draw(st.lists(messages(), max_size=max_messages, unique_by=lambda m: m.uuid))
    return ConversationRecord(conversation, tuple(found))


def simple_record(title: str = "A chat", n: int = 2, *, start: float = 1_735_812_000.0
                  ) -> ConversationRecord:
    """A small, valid conversation with fresh uuids."""
    conversation = Conversation(id=0, uuid=str(uuid.uuid4()), title=title,
                                created_at=start, updated_at=start + n)
    found = tuple(
        Message(id=0, uuid=str(uuid.uuid4()), conversation_id=0,
                role="user" if i % 2 == 0 else "assistant",
                content=f"message {i} of {title}", created_at=start + i, updated_at=start + i)
        for i in range(n)
    )
    return ConversationRecord(conversation, found)


@st.composite
def tree_records(draw: st.DrawFn, max_messages: int = 8) -> ConversationRecord:
    """A conversation whose messages form a random tree (message i's parent is an earlier
    one or none), with its current leaf one of the tree's leaves."""
    base = draw(records(max_messages=0))
    found = draw(st.lists(messages(), min_size=1, max_size=max_messages,
                          unique_by=lambda m: m.uuid))
    parents = [None if i == 0 else draw(st.none() | st.integers(1, i))
               for i in range(len(found))]
    tree = tuple(replace(m, id=i + 1, parent_id=parent)
                 for i, (m, parent) in enumerate(zip(found, parents, strict=True)))
    leaves = [m.id for m in tree if m.id not in set(parents)]
    return ConversationRecord(base.conversation, tree, draw(st.sampled_from(leaves)))
