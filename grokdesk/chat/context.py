"""Fit a conversation into the model's context window, newest messages first.

A long chat can outgrow the window (Grok 3 Mini: 131,000 tokens, shared by the
question, the reasoning and the answer). Sending it whole would only earn a 400 from
the service; instead the oldest messages are left out of the request (never out of
the history). Tokens are estimated, not counted: no tokenizer ships for these
models, so the estimate errs on the large side.
"""

from __future__ import annotations

from dataclasses import dataclass

from grokdesk.api.types import ChatMessage

CHARS_PER_TOKEN = 3.0
"""English averages about four characters a token; three leaves room for code and CJK."""
MESSAGE_OVERHEAD_TOKENS = 8
ANSWER_RESERVE_TOKENS = 32_000
"""Room kept for reasoning and the answer when no completion limit is set."""


def estimate_tokens(message: ChatMessage) -> int:
    return int(len(message.content) / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS


@dataclass(frozen=True, slots=True)
class Fitted:
    messages: tuple[ChatMessage, ...]
    left_out: int


def fit_to_context(messages: list[ChatMessage], context_tokens: int | None,
                   answer_tokens: int | None) -> Fitted:
    """The system prompt and the newest messages that fit, oldest dropped first.

    The newest message (the question being answered) is always sent, even alone over
    the limit: the service's own error then says so better than a guess could.
    """
    if context_tokens is None or not messages:
        return Fitted(tuple(messages), 0)
    system = [m for m in messages[:1] if m.role == "system"]
    rest = messages[len(system):]
    budget = context_tokens - (answer_tokens or ANSWER_RESERVE_TOKENS)
    budget -= sum(estimate_tokens(m) for m in system)
    kept: list[ChatMessage] = []
    for message in reversed(rest):
        cost = estimate_tokens(message)
        if kept and cost > budget:
            break
        kept.append(message)
        budget -= cost
    kept.reverse()
    while len(kept) > 1 and kept[0].role == "assistant":
        kept.pop(0)
    return Fitted(tuple(system + kept), len(rest) - len(kept))
