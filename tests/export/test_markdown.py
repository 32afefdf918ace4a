"""Markdown export: golden files, and exact round trips of hostile conversations."""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from grokdesk.export import markdown
from grokdesk.export.errors import MalformedFileError, NewerFormatError, UnknownFormatError
from grokdesk.export.markdown import from_markdown, to_markdown
from grokdesk.export.records import ConversationRecord
from grokdesk.storage.models import Conversation, ConversationSettings, Message
from tests.export.strategies import HOSTILE_FRAGMENTS, records

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("GROKDESK_REGEN_GOLDEN") == "1"
T0 = 1_735_812_000.0  # 2025-01-02 10:00 UTC


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Golden files must not change with every release."""
    monkeypatch.setattr(markdown, "__version__", "9.9.9")


def _msg(n: int, role: str, content: str, **fields: object) -> Message:
    return Message(id=0, uuid=f"00000000-0000-4000-8000-{n:012d}", conversation_id=0,
                   role=role, content=content, created_at=T0 + 60 * n,  # type: ignore[arg-type]
                   updated_at=T0 + 60 * n, **fields)  # type: ignore[arg-type]


def _conv(title: str, *messages: Message,
          settings: ConversationSettings | None = None) -> ConversationRecord:
    conversation = Conversation(
        id=0, uuid="c0000000-0000-4000-8000-000000000001", title=title, created_at=T0,
        updated_at=T0 + 3600, settings=settings or ConversationSettings(),
    )
    return ConversationRecord(conversation, messages)


BASIC = _conv(
    "Sorting in Python",
    _msg(0, "user", "How do I sort a list of dicts by a key?"),
    _msg(1, "assistant",
         "Use `sorted` with a key function:\n\n```python\nrows = sorted(rows, key=lambda r: "
         "r[\"age\"])\n```\n\nOr `operator.itemgetter(\"age\")`, which is a little faster.",
         model="grok-3-mini", reasoning="The user wants sorted() with key=...",
         prompt_tokens=18, completion_tokens=120, reasoning_tokens=80, total_tokens=138,
         cost_usd=0.000071),
    settings=ConversationSettings(provider="xai", model="grok-3-mini", reasoning_effort="low"),
)

REASONING = _conv(
    "Reasoning, usage and a failed answer",
    _msg(0, "system", "You are terse."),
    _msg(1, "user", "Is 91 prime?"),
    _msg(2, "assistant", "No: 91 = 7 × 13.", model="grok-3-mini",
         reasoning="Check small primes.\n\n- 2: no\n- 3: 9+1=10, no\n- 7: 7 × 13 = 91. Yes.",
         prompt_tokens=20, completion_tokens=50, reasoning_tokens=40, total_tokens=70),
    _msg(3, "user", "Show it as HTML."),
    _msg(4, "assistant", "<b>91</b> = 7 &times; 13", model="grok-3-mini",
         reasoning="Use <b> tags.\nAvoid </details> tricks.\n````\nfour backticks\n````",
         status="interrupted", error="The answer was cut off: the connection ended early"),
    _msg(5, "user", "Again?"),
    _msg(6, "assistant", "", model="grok-3-mini", status="error",
         error="Rate limited (HTTP 429)"),
    settings=ConversationSettings(provider="aimlapi", model="x-ai/grok-3-mini-beta",
                                  temperature=0.7, system_prompt="You are terse.\nVery terse."),
)

HOSTILE = _conv(
    '---\ntitle: "injected"\n--- # [[note]] <b>key: value</b> \u202eevil',
    _msg(0, "user", "---\nformat: grokdesk-markdown\n---\n<!-- grokdesk:end -->\n"
                    "\\<!-- grokdesk:message role=\"assistant\" -->\n</details>"),
    _msg(1, "assistant", "An open fence that never closes:\n\n````js\nlet x = 1;\n```\nstill code",
         model="grok-3-mini"),
    _msg(2, "user", "Windows line endings\r\nand more\r\n"),
    _msg(3, "assistant", "مرحبا 👩‍👩‍👧 漢字 — emoji, RTL and CJK\n\n\n  trailing blank lines\n\n",
         model="grok-3-mini"),
    settings=ConversationSettings(provider="xai"),
)

CASES: dict[str, tuple[ConversationRecord, dict[str, bool]]] = {
    "basic.md": (BASIC, {}),
    "basic-with-reasoning.md": (BASIC, {"include_reasoning": True, "include_usage": True}),
    "reasoning-usage-status.md": (REASONING, {"include_reasoning": True, "include_usage": True}),
    "hostile.md": (HOSTILE, {"include_reasoning": True}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_markdown_matches_golden_file(name: str) -> None:
    record, options = CASES[name]
    rendered = to_markdown(record, tz=UTC, **options)
    path = GOLDEN / name
    if REGENERATE:
        path.write_bytes(rendered.encode("utf-8"))
    assert rendered == path.read_bytes().decode("utf-8"), (
        f"{name} changed; if intended, rerun with GROKDESK_REGEN_GOLDEN=1 and review the diff")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_files_import_back(name: str) -> None:
    record, options = CASES[name]
    back = from_markdown((GOLDEN / name).read_bytes().decode("utf-8"))
    assert back.conversation.title == record.conversation.title
    assert back.conversation.uuid == record.conversation.uuid
    assert [(m.role, m.uuid, m.content) for m in back.messages] == [
        (m.role, m.uuid, m.content) for m in record.messages]
    expected_reasoning = [m.reasoning if options.get("include_reasoning") else ""
                          for m in record.messages]
    assert [m.reasoning for m in back.messages] == expected_reasoning


def normalised(text: str) -> str:
    """What Markdown keeps of a text: consistent CRLF survives, other CRs become LF."""
    lf = text.replace("\r\n", "\n")
    if "\r" not in lf and lf.count("\n") == text.count("\r\n"):
        return text
    return lf.replace("\r", "\n")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_markdown_round_trip_keeps_roles_content_reasoning_title(record: ConversationRecord
                                                                 ) -> None:
    text = to_markdown(record, include_reasoning=True, include_usage=True, tz=UTC)
    back = from_markdown(text)
    assert back.conversation.title == record.conversation.title
    assert back.conversation.uuid == record.conversation.uuid
    assert back.conversation.settings == record.conversation.settings
    assert len(back.messages) == len(record.messages)
    for got, want in zip(back.messages, record.messages, strict=True):
        assert (got.role, got.uuid, got.model, got.status, got.error) == (
            want.role, want.uuid, want.model, want.status, want.error)
        assert got.content == normalised(want.content)
        assert got.reasoning == normalised(want.reasoning)
        assert (got.prompt_tokens, got.completion_tokens, got.reasoning_tokens,
                got.total_tokens, got.cost_usd) == (
            want.prompt_tokens, want.completion_tokens, want.reasoning_tokens,
            want.total_tokens, want.cost_usd)
        assert abs(got.created_at - want.created_at) < 1e-5


@settings(max_examples=100, deadline=None)
@given(records())
def test_markdown_without_reasoning_drops_only_reasoning(record: ConversationRecord) -> None:
    text = to_markdown(record)
    back = from_markdown(text)
    assert [m.content for m in back.messages] == [normalised(m.content) for m in record.messages]
    assert all(m.reasoning == "" for m in back.messages)
    assert ' reasoning="' not in text


def test_markdown_survives_a_crlf_checkout_and_a_bom() -> None:
    text = to_markdown(HOSTILE, include_reasoning=True, tz=UTC)
    back = from_markdown("\ufeff" + text.replace("\n", "\r\n"))
    assert [m.content for m in back.messages] == [m.content for m in HOSTILE.messages]


def test_very_long_message_round_trips() -> None:
    long_text = ("word " * 20_000 + "\n```\n" + "`" * 40 + "\n```\n") * 5
    record = _conv("long", _msg(0, "assistant", long_text, reasoning=long_text))
    back = from_markdown(to_markdown(record, include_reasoning=True))
    assert back.messages[0].content == long_text
    assert back.messages[0].reasoning == long_text


def test_reasoning_fence_is_longer_than_any_backtick_run() -> None:
    record = _conv("f", _msg(0, "assistant", "a", reasoning="x ``````` y <b>"))
    text = to_markdown(record, include_reasoning=True)
    assert "````````text\n" in text


def test_plain_reasoning_stays_readable_markdown() -> None:
    text = to_markdown(BASIC, include_reasoning=True)
    assert "<details><summary>Reasoning</summary>\n\nThe user wants sorted()" in text


def test_unclosed_fence_in_content_is_closed_for_rendering_only() -> None:
    text = to_markdown(HOSTILE)
    assert "still code\n````\n\n<!-- grokdesk:end -->" in text
    assert from_markdown(text).messages[1].content.endswith("still code")


HAND_WRITTEN = "# My notes\n\n## User\n\nhello\n\n## Assistant\n\nhi\n"


@pytest.mark.parametrize(("text", "error"), [
    (HAND_WRITTEN, UnknownFormatError),
    ("---\ntitle: notes\ntags: [a]\n---\n\n# notes\n", UnknownFormatError),
    ("", UnknownFormatError),
    ("---\nformat: grokdesk-markdown\nformat_version: 3\ntitle: x\ncreated: 2025-01-01\n---\n",
     NewerFormatError),
    ("---\nformat: grokdesk-markdown\ntitle: x\n---\n", MalformedFileError),
    ("---\nformat: grokdesk-markdown\nformat_version: 1\ntitle: \"x\n---\n", MalformedFileError),
    ("---\nformat: grokdesk-markdown\nformat_version: 1\ntitle: x\n", MalformedFileError),
])
def test_foreign_or_broken_markdown_is_refused(text: str, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        from_markdown(text, source="notes.md")
    assert "notes.md" in str(caught.value)


def test_refusal_of_hand_written_markdown_says_why() -> None:
    with pytest.raises(UnknownFormatError) as caught:
        from_markdown(HAND_WRITTEN, source="notes.md")
    message = caught.value.describe()
    assert "not exported by grokdesk" in message
    assert "nothing was imported" in message


def test_structure_damage_is_reported_with_a_line_number() -> None:
    text = to_markdown(BASIC)
    damaged = text.replace("<!-- grokdesk:end -->", "", 1)
    with pytest.raises(MalformedFileError, match=r"line \d+"):
        from_markdown(damaged)
    truncated = text[: text.index("<!-- grokdesk:end -->")]
    with pytest.raises(MalformedFileError, match="no `<!-- grokdesk:end -->`"):
        from_markdown(truncated)


def test_front_matter_rewritten_by_obsidian_is_still_read() -> None:
    text = to_markdown(BASIC, tz=UTC)
    rewritten = (text.replace('title: "Sorting in Python"', "title: Sorting in Python")
                 .replace('format: "grokdesk-markdown"', "format: grokdesk-markdown")
                 .replace("---\ntitle", "---\ntags:\n  - chat\naliases: []\ntitle"))
    back = from_markdown(rewritten)
    assert back.conversation.title == "Sorting in Python"
    assert len(back.messages) == 2


def _top_level_blocks(text: str) -> list[tuple[str, str]]:
    """(token type, content) of the top-level blocks a CommonMark renderer with HTML sees."""
    body = text.split("\n---\n", 1)[1]  # GitHub and Obsidian hide the front matter
    tokens = MarkdownIt("commonmark", {"html": True}).parse(body)
    return [(t.type, t.content or t.tag) for t in tokens if t.level == 0]


fragment_only = st.lists(st.sampled_from(HOSTILE_FRAGMENTS), max_size=15).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(fragment_only, fragment_only), min_size=1, max_size=4))
def test_hostile_messages_cannot_swallow_the_next_one_when_rendered(
        texts: list[tuple[str, str]]) -> None:
    found = tuple(_msg(i, "assistant", content, reasoning=reasoning)
                  for i, (content, reasoning) in enumerate(texts))
    blocks = _top_level_blocks(to_markdown(_conv("t", *found), include_reasoning=True))
    markers = [i for i, (kind, content) in enumerate(blocks)
               if kind == "html_block" and content.startswith("<!-- grokdesk:message")]
    assert len(markers) == len(found)
    for index, message in zip(markers, found, strict=True):
        assert blocks[index + 1] == ("heading_open", "h2")
        if message.reasoning:  # after heading_open and heading_close comes <details>
            assert blocks[index + 3] == ("html_block",
                                         "<details><summary>Reasoning</summary>\n")
            rest = blocks[index + 4:]
            assert ("html_block", "</details>\n") in rest, "the reasoning is never closed"
            inside = rest[:rest.index(("html_block", "</details>\n"))]
            assert not [b for b in inside if b[1].startswith("<!-- grokdesk:")], (
                "the reasoning block swallowed the message's end")


@given(st.text(alphabet=st.characters(codec="utf-8"))
       | st.from_regex(r"[A-Za-z0-9 :.+\-]*", fullmatch=True))
def test_an_attribute_value_is_percent_encoded_as_urllib_would(value: str) -> None:
    from urllib.parse import quote

    assert markdown.attribute_value(value) == quote(value, safe=markdown._ATTR_SAFE)
