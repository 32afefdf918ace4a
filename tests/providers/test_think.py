"""``<think>…</think>`` in the answer (local models) split into the reasoning block.

The property tests cut the answer into random chunks, so a tag arrives split at every
possible place; the end-to-end tests run a keyless local profile against the fake
server.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grokdesk.api.types import (
    ContentDelta,
    Finish,
    ReasoningDelta,
    StreamEvent,
    Usage,
    UsageReport,
)
from grokdesk.chat.service import ChatService
from grokdesk.chat.think import CLOSE, OPEN, ThinkSplitter, split_think
from grokdesk.config import BUILTIN_PROFILES, NetworkPreferences, Settings
from grokdesk.secrets import KeyStore
from tests.providers.conftest import MakeService
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

# Text made mostly of the tags' own characters, so near-misses are common.
tag_soup = st.text(alphabet=st.sampled_from(list("<>/thinkTHINK \n\tab.é😀")), max_size=40)
words = st.one_of(tag_soup, st.sampled_from([OPEN, CLOSE, "<thin", "</th", "<think", "k>"]))
texts = st.lists(words, max_size=8).map("".join)
spaces = st.text(alphabet=" \n\t\r", max_size=4)


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(text[start:point])
        start = point
    pieces.append(text[start:])
    return pieces


def _run(pieces: list[str]) -> tuple[str, str, list[StreamEvent]]:
    splitter = ThinkSplitter()
    events: list[StreamEvent] = []
    for piece in pieces:
        events += splitter.feed(ContentDelta(piece))
    events += splitter.feed(Finish("stop"))
    events += splitter.finish()
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    content = "".join(e.text for e in events if isinstance(e, ContentDelta))
    return reasoning, content, events


@settings(max_examples=400, deadline=None)
@given(lead=spaces, reasoning=texts, gap=spaces, answer=texts,
       cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_a_leading_think_block_is_split_wherever_the_chunks_break(
        lead: str, reasoning: str, gap: str, answer: str, cuts: list[int]) -> None:
    reasoning = reasoning.replace(CLOSE, "")
    text = f"{lead}{OPEN}{reasoning}{CLOSE}{gap}{answer}"
    got_reasoning, got_content, events = _run(_chunks(text, cuts))
    assert got_reasoning == reasoning.lstrip()
    assert got_content == (gap + answer).lstrip()
    assert all(e.text for e in events if isinstance(e, ContentDelta | ReasoningDelta))
    assert isinstance(events[-1], Finish), "nothing is held back past the finish"


@settings(max_examples=400, deadline=None)
@given(text=texts, cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_any_answer_splits_the_same_however_it_is_chunked(text: str, cuts: list[int]) -> None:
    whole = _run([text])[:2]
    assert _run(_chunks(text, cuts))[:2] == whole
    reasoning, content = whole
    if not text.lstrip().startswith(OPEN):
        assert (reasoning, content) == ("", text), "only a leading tag opens reasoning"


@settings(max_examples=200, deadline=None)
@given(lead=spaces, reasoning=texts, cuts=st.lists(st.integers(0, 200), max_size=12))
def test_an_unterminated_think_block_is_all_reasoning(lead: str, reasoning: str,
                                                      cuts: list[int]) -> None:
    reasoning = reasoning.replace(CLOSE, "")
    got_reasoning, got_content, _ = _run(_chunks(f"{lead}{OPEN}{reasoning}", cuts))
    assert (got_reasoning, got_content) == (reasoning.lstrip(), "")


@pytest.mark.parametrize(("text", "expected"), [
    ("<think>\nplan\n</think>\n\nAnswer", ("plan\n", "Answer")),
    ("Use <think> like <think>this</think>.", ("", "Use <think> like <think>this</think>.")),
    ("<think></think>\n\nNo reasoning", ("", "No reasoning")),
    ("<thinking>not our tag</thinking>", ("", "<thinking>not our tag</thinking>")),
    ("<think>a</think>b</think>c", ("a", "b</think>c")),
    ("  \n", ("", "  \n")),
    ("<thi", ("", "<thi")),
    ("", ("", "")),
])
def test_split_examples(text: str, expected: tuple[str, str]) -> None:
    assert split_think(text) == expected


def test_native_reasoning_leaves_the_answer_alone() -> None:
    splitter = ThinkSplitter()
    events = [*splitter.feed(ReasoningDelta("thinking natively")),
              *splitter.feed(ContentDelta("<think>is just text here</think>")),
              *splitter.finish()]
    assert events == [ReasoningDelta("thinking natively"),
                      ContentDelta("<think>is just text here</think>")]


def test_other_events_pass_through_in_order() -> None:
    splitter = ThinkSplitter()
    usage = UsageReport(Usage(prompt_tokens=3))
    events = [*splitter.feed(ContentDelta("<think>x</th")), *splitter.feed(usage),
              *splitter.feed(ContentDelta("ink>y")), *splitter.finish()]
    assert events == [ReasoningDelta("x"), usage, ContentDelta("y")]


# --------------------------------------------------------------------------- end to end


def _local_service(make_service: MakeService, fake_api: FakeAPI, *,
                   think_tags: bool = True) -> tuple[ChatService, int]:
    """The built-in llama.cpp profile (no key) pointed at the fake server."""
    profile = replace(BUILTIN_PROFILES["llamacpp"], base_url=fake_api.url,
                      think_tags=think_tags)
    service = make_service(Settings(active_profile="llamacpp",
                                    profiles={**BUILTIN_PROFILES, "llamacpp": profile},
                                    network=NetworkPreferences(max_retries=0)),
                           KeyStore(MemoryKeyring()))
    return service, service.new_conversation().id


async def test_keyless_local_profile_streams_think_tags_into_the_reasoning(
        make_service: MakeService, fake_api: FakeAPI) -> None:
    service, conversation = _local_service(make_service, fake_api)
    fake_api.queue(fake.stream([], ["<thi", "nk>\nLet me", " think.</th", "ink>\n", "\nThe ",
                                    "answer is <think>."]))
    seen: list[StreamEvent] = []
    outcome = await service.send(conversation, "Hi", listener=seen.append)
    assert outcome.ok, outcome.error
    assert outcome.message.reasoning == "Let me think."
    assert outcome.message.content == "The answer is <think>."
    assert "authorization" not in fake_api.chat_requests[-1].headers
    assert fake_api.last_body["model"] == BUILTIN_PROFILES["llamacpp"].model
    assert "reasoning" not in fake_api.last_body and "reasoning_effort" not in fake_api.last_body
    shown = "".join(e.text for e in seen if isinstance(e, ContentDelta))
    assert shown == "The answer is <think>.", "the listener sees the split events too"


async def test_non_streamed_answer_is_split_too(make_service: MakeService,
                                                fake_api: FakeAPI) -> None:
    service, conversation = _local_service(make_service, fake_api)
    fake_api.queue(fake.completion("<think>quietly</think>\n\nDone.", reasoning=None))
    outcome = await service.send(conversation, "Hi", stream=False)
    assert (outcome.message.reasoning, outcome.message.content) == ("quietly", "Done.")


async def test_a_cut_answer_keeps_its_partial_reasoning(make_service: MakeService,
                                                        fake_api: FakeAPI) -> None:
    service, conversation = _local_service(make_service, fake_api)
    fake_api.queue(fake.cut_stream(after=3, reasoning=[], content=["<think>step one", "</thi"]))
    outcome = await service.send(conversation, "Hi")
    assert outcome.message.status == "interrupted"
    assert outcome.message.reasoning == "step one</thi"
    assert outcome.message.content == ""


async def test_think_tags_can_be_turned_off_per_profile(make_service: MakeService,
                                                        fake_api: FakeAPI) -> None:
    service, conversation = _local_service(make_service, fake_api, think_tags=False)
    fake_api.queue(fake.stream([], ["<think>kept</think>as is"]))
    outcome = await service.send(conversation, "Hi")
    assert (outcome.message.reasoning, outcome.message.content) == (
        "", "<think>kept</think>as is")


@pytest.mark.parametrize("then", ["The answer.", f"{OPEN}Hmm.{CLOSE}The answer."])
def test_a_long_run_of_blank_chunks_is_held_then_given_to_what_follows(then: str) -> None:
    """Blank chunks before anything else are kept apart from the text that may still
    become a tag (each costs its own length, not the whole lead's): they stay the
    answer's when no tag follows, and go when a ``<think>`` does."""
    blanks = [" ", "\n", "\t "] * 20_000
    reasoning, content, _events = _run([*blanks, then])
    if then.startswith(OPEN):
        assert (reasoning, content) == ("Hmm.", "The answer.")
    else:
        assert content == "".join(blanks) + then
