"""Long lines without break points reach Qt folded, and copying gives them back unfolded.

No timings here: Qt's layout is quadratic in the length of an unbreakable run, so these
tests check the structure that keeps it linear — no run of more than FOLD_WIDTH
characters without a break in any document handed to Qt, blocks appended live no longer
than LIVE_BLOCK, a streamed long line appended once rather than rendered again — and
that Copy, the code Copy link and copying a selection still give the original text.
"""

from __future__ import annotations

import random
import re
import string

import pytest
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from grokdesk.api.answer import AnswerSoFar
from grokdesk.api.types import ContentDelta, ReasoningDelta, StreamEvent
from grokdesk.render import markdown as rendering
from grokdesk.render.fold import BREAKS, FOLD_MARK, FOLD_WIDTH, KEPT_MARK_HTML
from grokdesk.render.markdown import plain_text_to_html, render_markdown
from grokdesk.ui.transcript.live_stream import OPEN_LINE_CHARS, LiveStream
from grokdesk.ui.transcript.message_view import MessageView
from grokdesk.ui.transcript.reasoning_block import ReasoningBlock
from grokdesk.ui.transcript.rich_text_view import LIVE_BLOCK, RichTextView
from tests.ui.helpers import make_message

_rng = random.Random(5)
_BREAK_RE = re.compile(f"[{BREAKS}\u2029\ufdd0\ufdd1\ufdef]")


def feed(answer: AnswerSoFar, live: LiveStream, event: StreamEvent) -> None:
    """What a turn does with each event: the answer takes it, then the view is told."""
    answer.take(event)
    live.feed((event,))


def _random(alphabet: str, size: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(size))


RUNS = {
    "base64": _random(string.ascii_letters + string.digits + "+/", 20_000) + "==",
    "letters": _random(string.ascii_letters, 20_000),
    "hex": _random("0123456789abcdef", 20_000),
    "minified-js": "".join(f"function f{i}(a,b){{return a*b+{i};}}var x{i}=f{i}(1,2);"
                           for i in range(500)),
    "long-url": "https://example.com/" + "/".join(_random(string.ascii_lowercase, 40)
                                                  for _ in range(300)) + "?q=" + "a" * 3000,
    "cjk": _random("".join(chr(c) for c in range(0x4E00, 0x4E80)), 10_000),
    "combining": "e\u0301\u0302" * 4_000,
    "emoji-zwj": "\U0001F469\u200d\U0001F4BB" * 3_000,
    "own-zero-width-spaces": ("abc\u200b" + "x" * 100) * 100,
}
CONTEXTS = {
    "prose": lambda run: f"Here it is: {run} and more.",
    "fence": lambda run: f"```\n{run}\n```",
    "fence-python": lambda run: f"```python\nx = '{run}'\n```",
    "indented-code": lambda run: f"    {run}",
    "inline-code": lambda run: f"Inline `{run}` code.",
    "table-cell": lambda run: f"| a | b |\n|---|---|\n| {run} | x |",
    "link": lambda run: f"[{run}](https://example.com/{run[:100]})",
    "quote-list": lambda run: f"> - {run}",
}


def longest_run(document: QTextDocument) -> int:
    """The most characters in any block with no place for Qt to break the line."""
    longest = 0
    block = document.begin()
    while block.isValid():
        for part in _BREAK_RE.split(block.text()):
            longest = max(longest, len(part))
        block = block.next()
    return longest


def longest_block(document: QTextDocument) -> int:
    longest = 0
    block = document.begin()
    while block.isValid():
        longest = max(longest, len(block.text()))
        block = block.next()
    return longest


def copied(view: RichTextView) -> str:
    view.selectAll()
    return view.createMimeDataFromSelection().text()


@pytest.mark.parametrize("context", list(CONTEXTS))
@pytest.mark.parametrize("kind", list(RUNS))
def test_rendered_runs_are_folded_and_copy_unfolded(qtbot: QtBot, kind: str,
                                                    context: str) -> None:
    run = RUNS[kind]
    text = CONTEXTS[context](run)
    rendered = render_markdown(text)
    view = RichTextView()
    qtbot.addWidget(view)
    view.show_html(rendered.html)
    assert longest_run(view.document()) <= FOLD_WIDTH
    unfolded = QTextDocument()
    unfolded.setHtml(rendered.html.replace(KEPT_MARK_HTML, "\0").replace(FOLD_MARK, "")
                     .replace("\0", KEPT_MARK_HTML))
    assert copied(view) == unfolded.toPlainText()
    literal = kind != "own-zero-width-spaces"
    if context in ("fence", "indented-code", "inline-code") and literal:
        assert run in copied(view)
    for code in rendered.code_blocks:
        assert run in code


@pytest.mark.parametrize("kind", list(RUNS))
def test_reasoning_is_folded_and_copies_as_written(qtbot: QtBot, kind: str) -> None:
    run = RUNS[kind]
    text = f"First line.\n{run}\n\nlast {run[:50]}"
    block = ReasoningBlock()
    qtbot.addWidget(block)
    block.set_text(text)
    assert longest_run(block.text_view.document()) <= FOLD_WIDTH
    assert copied(block.text_view) == text
    block.set_text("")
    for start in range(0, len(text), 37):
        block.append_text(text[start : start + 37])
    document = block.text_view.document()
    assert longest_run(document) <= FOLD_WIDTH
    assert longest_block(document) <= LIVE_BLOCK
    assert copied(block.text_view) == text


@pytest.mark.parametrize("kind", list(RUNS))
def test_plain_text_html_is_folded(qtbot: QtBot, kind: str) -> None:
    view = RichTextView()
    qtbot.addWidget(view)
    view.show_html(plain_text_to_html(RUNS[kind]))
    assert longest_run(view.document()) <= FOLD_WIDTH
    assert copied(view) == RUNS[kind]


class RenderCounter:
    """Counts the Markdown renders a message body asks for and the characters in them."""

    def __init__(self) -> None:
        self.calls = 0
        self.chars = 0

    def __call__(self, text: str, **options: object) -> rendering.Rendered:
        self.calls += 1
        self.chars += len(text)
        return render_markdown(text, **options)  # type: ignore[arg-type]


STREAM_CHUNK = 193
"""Characters per streamed event: an odd size, so chunks end anywhere in a run. Before
OPEN_LINE_CHARS each redraw renders the tail again, about 21 renders; past it, 64 more
chunks that a quadratic renderer would render too."""


@pytest.mark.parametrize("context", ["prose", "fence", "after-paragraphs", "list-item"])
@pytest.mark.parametrize("kind", ["base64", "letters", "minified-js", "cjk", "long-url"])
def test_a_streamed_long_line_is_appended_once(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
                                               kind: str, context: str) -> None:
    """A long unfinished line is not rendered again on every redraw: once it is past
    OPEN_LINE_CHARS, what arrives is appended, in blocks of at most LIVE_BLOCK, and the
    whole stream costs renders of about its own length, not of its length squared."""
    counter = RenderCounter()
    monkeypatch.setattr(rendering, "render_markdown", counter)
    run = (RUNS[kind] * 3)[:4 * OPEN_LINE_CHARS]  # 12,000 characters past the threshold
    before = {"prose": "Data: ", "fence": "```\n", "after-paragraphs": "One.\n\nTwo.\n\nx",
              "list-item": "- item\n- "}[context]
    view = MessageView(make_message(content=""))
    qtbot.addWidget(view)
    answer = AnswerSoFar()
    live = LiveStream(view, answer, dark=False)
    feed(answer, live, ReasoningDelta("thinking"))
    text = before + run
    for start in range(0, len(text), STREAM_CHUNK):
        feed(answer, live, ContentDelta(text[start : start + STREAM_CHUNK]))
        live.flush()
    tail = view.body.tail
    assert tail is not None
    document = tail.document()
    assert longest_run(document) <= FOLD_WIDTH
    assert longest_block(document) <= LIVE_BLOCK
    assert counter.chars <= 4 * OPEN_LINE_CHARS * (OPEN_LINE_CHARS // STREAM_CHUNK + 2)
    assert counter.calls <= OPEN_LINE_CHARS // STREAM_CHUNK + 4
    assert not live.keeps_rendering_for(text)
    shown = copied(tail)
    assert run in shown or shown.endswith(run[: len(shown)]) or run[-1000:] in shown
    live.stop()


def test_a_long_line_that_ends_is_rendered_once_as_markdown(qtbot: QtBot) -> None:
    view = MessageView(make_message(content=""))
    qtbot.addWidget(view)
    answer = AnswerSoFar()
    live = LiveStream(view, answer, dark=False)
    run = RUNS["base64"]
    text = f"**Key**: {run}\n\nAfter.\n\nAnd more"
    for start in range(0, len(text), 500):
        feed(answer, live, ContentDelta(text[start : start + 500]))
        live.flush()
    assert live.shown_content == text
    stable = view.body.stable
    assert longest_run(stable.document()) <= FOLD_WIDTH
    assert run in copied(stable) and "Key: " in copied(stable)
    assert live.keeps_rendering_for(text)
    live.stop()
