"""The window's code view and the command line mark the same characters the same way."""

from __future__ import annotations

import html
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grokdesk.render import render_markdown
from grokdesk.visible import INVISIBLE_RE, terminal_json, terminal_text

SAMPLES = ["\x1b]52;c;eA==\x07", "\x1b[2J", "\x9b31m", "a\u202eb", "\u2066x\u2069",
           "zero\u200bwidth\ufeff", "tag\U000e0041", "bell\x07 del\x7f nel\x85"]


@pytest.mark.parametrize("text", SAMPLES)
def test_code_in_the_window_shows_what_the_terminal_shows(text: str) -> None:
    rendered = render_markdown(f"```\n{text}\n```")
    assert rendered.code_blocks == [text]
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered.html))
    assert terminal_text(text) in shown


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    [chr(c) for c in [*range(0x20), *range(0x7f, 0xa0), 0x202e, 0x2066, 0xfeff, 0xe0041]])))
def test_terminal_text_and_json_hold_no_invisible_character(text: str) -> None:
    shown = terminal_text(text)
    assert INVISIBLE_RE.search(shown) is None
    assert "\r" not in shown
    escaped = terminal_json({"text": text})
    assert INVISIBLE_RE.search(escaped) is None
    assert json.loads(escaped) == {"text": text}


def test_terminal_json_writes_numbers_json_cannot_spell_as_null() -> None:
    """A damaged row can hold NaN or an infinity; ``Infinity`` is not JSON, so a reader
    of ``grokdesk list --json`` would fail on the whole list."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    written = terminal_json({"cost": float("inf"), "times": [float("nan"), 1.5, -float("inf")],
                             "usage": ({"tokens": 3},)})
    assert json.loads(written, parse_constant=refuse) == {
        "cost": None, "times": [None, 1.5, None], "usage": [{"tokens": 3}]}
