"""The small print's wording, and the link policy, without widgets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time

import pytest
from PySide6.QtCore import QUrl

from grokdesk.timestamps import duration_text
from grokdesk.ui.transcript import links
from grokdesk.ui.transcript.message_meta import (
    footer_text,
    format_tokens,
    role_label,
    thinking_text,
    thought_text,
)
from tests.ui.helpers import make_message


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.84, "0.8 s"), (12.4, "12 s"), (125, "2 min 5 s"), (120, "2 min")]
)
def test_durations_read_naturally(seconds: float, shown: str) -> None:
    assert duration_text(seconds) == shown


def test_tokens_are_listed_separately_and_only_when_known() -> None:
    message = make_message("assistant", prompt_tokens=1200, completion_tokens=30)
    assert format_tokens(message) == "1,200 prompt / 30 completion tokens"
    assert format_tokens(make_message("assistant")) is None


def test_footer_of_an_answer_and_of_a_question() -> None:
    now = time.time()
    answer = make_message(
        "assistant",
        model="grok-3-mini",
        reasoning_tokens=5,
        cost_usd=0.01,
        created_at=now - 3,
        finished_at=now,
    )
    text = footer_text(answer, now)
    assert text.startswith("grok-3-mini · 5 reasoning tokens · $0.01 · ")
    assert text.endswith(" · 3.0 s")
    question = make_message("user", model="grok-3-mini", created_at=now)
    assert footer_text(question, now) == time.strftime("%H:%M", time.localtime(now))


def test_reasoning_titles() -> None:
    assert thinking_text(3.2) == "Thinking… 3s"
    assert thought_text(4.4, None) == "Thought for 4 s"
    assert thought_text(0.2, 1234) == "Thought for 1 s · 1,234 reasoning tokens"
    assert thought_text(None, None) == "Thought"


def test_role_labels() -> None:
    assert role_label(make_message("user")) == "You"
    assert role_label(make_message("assistant")) == "Assistant"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://x.ai", True),
        ("HTTP://x.ai", True),
        ("mailto:a@b.c", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("data:text/html,hi", False),
        ("grokdesk-copy:1", False),
        ("relative/path", False),
    ],
)
def test_only_web_and_mail_links_leave_the_app(url: str, allowed: bool) -> None:
    assert links.is_external(QUrl(url)) is allowed


def test_copy_links_name_a_code_block() -> None:
    assert links.copy_index(QUrl("grokdesk-copy:3")) == 3
    assert links.copy_index(QUrl("https://x.ai")) is None


def test_the_effort_an_answer_was_asked_with_sits_next_to_model_and_tokens() -> None:
    answer = make_message("assistant", "hi", model="grok-3-mini", reasoning_effort="high",
                          prompt_tokens=12, completion_tokens=40, cost_usd=6.15e-05)
    parts = footer_text(answer).split(" · ")
    assert parts[:4] == ["grok-3-mini", "effort high", "12 prompt / 40 completion tokens",
                         "$0.000062"]
    no_effort = make_message("assistant", "hi", model="grok-3-mini")
    assert "effort" not in footer_text(no_effort)
    assert "effort" not in footer_text(make_message("user", "hi", reasoning_effort="high"))
