"""Long conversations are fitted into the context window, newest first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grokdesk.api.types import ChatMessage
from grokdesk.chat.context import estimate_tokens, fit_to_context


def exchange(n: int, size: int = 3000) -> list[ChatMessage]:
    out: list[ChatMessage] = [ChatMessage("system", "Be brief.")]
    for i in range(n):
        out += [ChatMessage("user", f"q{i} " + "x" * size),
                ChatMessage("assistant", f"a{i} " + "y" * size)]
    out.append(ChatMessage("user", "the question now"))
    return out


def test_short_conversations_are_sent_whole() -> None:
    messages = exchange(3)
    fitted = fit_to_context(messages, 131_000, None)
    assert fitted.messages == tuple(messages) and fitted.left_out == 0


def test_unknown_context_sends_everything() -> None:
    messages = exchange(500)
    assert fit_to_context(messages, None, None).left_out == 0


def test_the_oldest_messages_go_first_and_the_system_prompt_stays() -> None:
    messages = exchange(200)
    fitted = fit_to_context(messages, 131_000, 16_000)
    assert fitted.left_out > 0
    kept = fitted.messages
    assert kept[0] == messages[0]
    assert kept[-1] == messages[-1]
    assert kept[1].role == "user", "an answer is never sent without its question"
    assert tuple(messages[-(len(kept) - 1):]) == kept[1:]
    assert sum(estimate_tokens(m) for m in kept) <= 131_000 - 16_000


def test_the_question_is_sent_even_when_it_alone_is_too_long() -> None:
    huge = [ChatMessage("user", "z" * 1_000_000)]
    assert fit_to_context(huge, 131_000, None).messages == tuple(huge)


@given(st.lists(st.integers(min_value=0, max_value=20_000), min_size=1, max_size=60),
       st.integers(min_value=1_000, max_value=200_000))
def test_fitting_keeps_a_suffix_within_the_budget(sizes: list[int], context: int) -> None:
    messages = [ChatMessage("user" if i % 2 == 0 else "assistant", "w" * size)
                for i, size in enumerate(sizes)]
    fitted = fit_to_context(messages, context, 500)
    kept = fitted.messages
    assert kept and kept[-1] == messages[-1]
    assert kept == tuple(messages[len(messages) - len(kept):])
    assert fitted.left_out == len(messages) - len(kept)
    if len(kept) > 1:
        assert sum(estimate_tokens(m) for m in kept) <= context - 500
