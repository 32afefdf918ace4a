"""The chat pane with real widgets: rendering, actions, links, live streaming, lazy loading."""

from __future__ import annotations

import functools
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextTable
from PySide6.QtWidgets import QApplication, QLabel, QToolButton
from pytestqt.qtbot import QtBot

from grokdesk.api.types import (
    ContentDelta,
    Finish,
    ReasoningDelta,
    ResponseInfo,
    Usage,
    UsageReport,
)
from grokdesk.render import markdown
from grokdesk.render.markdown import COPY_SCHEME, Rendered
from grokdesk.render.math import IMAGE_SCHEME, MathRequest, TypesetMath
from grokdesk.render.math.typeset import typeset_uncached
from grokdesk.storage.models import Message
from grokdesk.ui.transcript import live_stream, throttle
from grokdesk.ui.transcript.follow import LOAD_MORE_PX
from grokdesk.ui.transcript.math_worker import MathWorker
from grokdesk.ui.transcript.message_body import MessageBody
from grokdesk.ui.transcript.message_meta import footer_text
from grokdesk.ui.transcript.message_view import MessageView
from grokdesk.ui.transcript.transcript import BATCH, Transcript
from tests.support.lexing import count_lexing, python_lines
from tests.ui.helpers import (
    LiveFeed,
    anchors,
    click_link,
    hover_and_click,
    make_message,
    open_transcript,
    settle,
    shown_text,
)

TABLE_AND_CODE = """Two ways:

| Method | Copies |
|---|---|
| `a[::-1]` | yes |

```python
def rev(a):
    return a[::-1]  # <tag> & "quotes"
```

Done.
"""
CODE = 'def rev(a):\n    return a[::-1]  # <tag> & "quotes"'


class UrlRecorder(QObject):
    """Stands in for the system browser: QDesktopServices hands it the URLs it would open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def transcript(qtbot: QtBot) -> Transcript:
    return open_transcript(qtbot)


@pytest.fixture
def browser(qtbot: QtBot) -> Iterator[UrlRecorder]:
    recorder = UrlRecorder()
    schemes = ("http", "https", "mailto", "file", "javascript", "ftp")
    for scheme in schemes:
        QDesktopServices.setUrlHandler(scheme, recorder, "open")  # type: ignore[arg-type]
    yield recorder
    for scheme in schemes:
        QDesktopServices.unsetUrlHandler(scheme)


def view(pane: Transcript, message: Message) -> MessageView:
    found = pane.view_for(message.id)
    assert found is not None
    return found


# ---------------------------------------------------------------- rendering and actions


def test_markdown_table_and_code_block_copy_puts_exact_code_on_clipboard(
    qtbot: QtBot, transcript: Transcript
) -> None:
    answer = make_message("assistant", TABLE_AND_CODE)
    transcript.set_messages([make_message("user", "how?"), answer])
    text_view = view(transcript, answer).body.stable
    assert any(isinstance(f, QTextTable) for f in text_view.document().rootFrame().childFrames())
    assert "def rev(a):" in text_view.toPlainText()
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(transcript.copied) as copied:
        click_link(qtbot, text_view, f"{COPY_SCHEME}:0")
    assert QGuiApplication.clipboard().text() == CODE
    assert copied.args == ["Code copied"]


def test_views_size_to_their_content_and_never_scroll(qtbot: QtBot, transcript: Transcript) -> None:
    answer = make_message("assistant", "A long answer. " * 400 + "\n\n```\n" + "x\n" * 80 + "```")
    transcript.set_messages([answer])
    settle(qtbot)
    text_view = view(transcript, answer).body.stable
    assert text_view.height() >= text_view.document().size().height()
    assert text_view.verticalScrollBar().maximum() == 0
    assert text_view.height() > transcript.height()


def test_raw_html_is_shown_as_text_and_loads_nothing(transcript: Transcript) -> None:
    raw = '<b>bold</b> <img src="http://example.com/x.png"> <script>alert(1)</script>'
    answer = make_message("assistant", raw)
    transcript.set_messages([answer])
    document = view(transcript, answer).body.stable.document()
    assert raw in document.toPlainText()
    assert "<img" not in document.toHtml().replace("&lt;img", "")


def test_copy_button_puts_the_whole_message_as_markdown_on_the_clipboard(
    qtbot: QtBot, transcript: Transcript
) -> None:
    answer = make_message("assistant", TABLE_AND_CODE)
    transcript.set_messages([make_message("user", "q"), answer, make_message("user", "more")])
    message_view = view(transcript, answer)
    copy = message_view.button("copy")
    assert copy is not None
    hover_and_click(qtbot, message_view, copy)
    assert QGuiApplication.clipboard().text() == TABLE_AND_CODE
    assert copy.text() == "Copied"


def test_actions_appear_on_hover_and_always_on_the_last_message(
    qtbot: QtBot, transcript: Transcript
) -> None:
    first, last = make_message("assistant", "one"), make_message("assistant", "two")
    transcript.set_messages([first, make_message("user", "q"), last])
    last_copy = view(transcript, last).button("copy")
    assert last_copy is not None and last_copy.isVisible()
    first_view = view(transcript, first)
    first_copy = first_view.button("copy")
    assert first_copy is not None and not first_copy.isVisible()
    qtbot.mouseMove(first_view)
    qtbot.waitUntil(first_copy.isVisible, timeout=1000)


def test_delete_button_asks_to_delete_that_message(qtbot: QtBot, transcript: Transcript) -> None:
    question = make_message("user", "delete me")
    transcript.set_messages([question, make_message("assistant", "answer")])
    message_view = view(transcript, question)
    delete = message_view.button("delete")
    assert delete is not None
    with qtbot.waitSignal(transcript.deleteRequested) as request:
        hover_and_click(qtbot, message_view, delete)
    assert request.args == [question.id]


def test_regenerate_is_offered_on_the_last_answer_only(
    qtbot: QtBot, transcript: Transcript
) -> None:
    old, last = make_message("assistant", "old"), make_message("assistant", "new")
    transcript.set_messages([make_message("user", "a"), old, make_message("user", "b"), last])
    old_view = view(transcript, old)
    qtbot.mouseMove(old_view)
    old_regenerate = old_view.button("regenerate")
    assert old_regenerate is not None and not old_regenerate.isVisible()
    regenerate = view(transcript, last).button("regenerate")
    assert regenerate is not None
    with qtbot.waitSignal(transcript.regenerateRequested):
        hover_and_click(qtbot, view(transcript, last), regenerate)


def test_edit_opens_an_inline_editor_and_save_asks_to_resend(
    qtbot: QtBot, transcript: Transcript
) -> None:
    question = make_message("user", "What is 2+2?")
    transcript.set_messages([question, make_message("assistant", "4")])
    message_view = view(transcript, question)
    edit = message_view.button("edit")
    assert edit is not None
    hover_and_click(qtbot, message_view, edit)
    editor = message_view.editor
    assert editor is not None and editor.isVisible()
    assert editor.text() == "What is 2+2?"
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "What is 3+3?")
    with qtbot.waitSignal(transcript.editRequested) as request:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert request.args == [question.id, "What is 3+3?"]


def test_the_edit_action_opens_the_editor_on_the_last_question(
    qtbot: QtBot, transcript: Transcript
) -> None:
    first, last = make_message("user", "first"), make_message("user", "last")
    transcript.set_messages([first, make_message("assistant", "a"), last])
    assert transcript.start_edit_last()
    editor = view(transcript, last).editor
    assert editor is not None and editor.text() == "last"
    with qtbot.waitSignal(transcript.editRequested) as request:
        qtbot.keyClick(editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert request.args == [last.id, "last"]
    transcript.clear()
    assert not transcript.start_edit_last()


def test_cancel_closes_the_editor_without_a_request(qtbot: QtBot, transcript: Transcript) -> None:
    question = make_message("user", "keep me")
    transcript.set_messages([question])
    message_view = view(transcript, question)
    edit = message_view.button("edit")
    assert edit is not None
    hover_and_click(qtbot, message_view, edit)
    editor = message_view.editor
    assert editor is not None
    with qtbot.assertNotEmitted(transcript.editRequested):
        qtbot.mouseClick(editor.cancel_button, Qt.MouseButton.LeftButton)
    assert message_view.editor is None
    assert message_view.body.isVisible()
    message_view.start_edit()
    editor = message_view.editor
    assert editor is not None
    qtbot.keyClick(editor.edit, Qt.Key.Key_Escape)
    assert message_view.editor is None


def test_error_answer_shows_the_servers_message_and_retry(
    qtbot: QtBot, transcript: Transcript
) -> None:
    failed = make_message(
        "assistant", "", status="error", error="No network: could not reach api.x.ai"
    )
    transcript.set_messages([make_message("user", "hi"), failed])
    box = view(transcript, failed).error_box
    assert box is not None and box.isVisible()
    assert box.text() == "No network: could not reach api.x.ai"
    with qtbot.waitSignal(transcript.retryRequested):
        qtbot.mouseClick(box.retry_button, Qt.MouseButton.LeftButton)


def test_small_print_has_model_tokens_cost_and_time(transcript: Transcript) -> None:
    answer = make_message(
        "assistant",
        "ok",
        model="grok-3-mini",
        prompt_tokens=12,
        completion_tokens=345,
        reasoning_tokens=200,
        cost_usd=0.00123,
        created_at=time.time() - 10,
        finished_at=time.time() - 4.8,
    )
    transcript.set_messages([answer])
    label = view(transcript, answer).findChild(QLabel, "smallPrint")
    assert label is not None
    meta = label.text()
    assert "grok-3-mini" in meta
    assert "12 prompt / 345 completion / 200 reasoning tokens" in meta
    assert "$0.0012" in meta
    assert "5.2 s" in meta


def test_small_print_too_long_for_its_row_is_cut_and_never_runs_under_the_buttons(
        qtbot: QtBot, transcript: Transcript) -> None:
    answer = make_message("assistant", "ok", model="x-ai/grok-3-mini-beta", prompt_tokens=12,
                          completion_tokens=345, reasoning_tokens=200, cost_usd=0.00123,
                          reasoning_effort="high", created_at=time.time() - 10,
                          finished_at=time.time() - 4.8)
    transcript.set_messages([answer])
    shown = view(transcript, answer)
    meta = shown.footer.meta
    whole = footer_text(answer)
    transcript.resize(1200, 600)
    qtbot.waitUntil(lambda: meta.shown_text() == whole)
    assert not meta.toolTip()
    transcript.resize(520, 600)
    delete = shown.button("delete")
    assert delete is not None
    qtbot.waitUntil(lambda: meta.shown_text() != whole)
    settle(qtbot)
    assert meta.shown_text().endswith("…") and meta.toolTip() == whole
    assert meta.text() == whole and meta.accessibleName() == whole
    first_button = min(b.geometry().left() for b in shown.footer.findChildren(QToolButton)
                       if b.isVisible())
    assert meta.geometry().right() < first_button
    transcript.resize(1200, 600)
    qtbot.waitUntil(lambda: meta.shown_text() == whole)
    assert not meta.toolTip()


# ------------------------------------------------------------------------------ links


@pytest.mark.parametrize("href", ["https://example.com/docs", "http://x.ai/", "mailto:a@b.org"])
def test_web_and_mail_links_open_in_the_system_browser(
    qtbot: QtBot, transcript: Transcript, browser: UrlRecorder, href: str
) -> None:
    answer = make_message("assistant", f"See [the docs]({href}) now.")
    transcript.set_messages([answer])
    text_view = view(transcript, answer).body.stable
    click_link(qtbot, text_view, href)
    assert browser.opened == [href]
    assert text_view.source().isEmpty()


def test_a_script_link_in_markdown_is_not_even_a_link(transcript: Transcript) -> None:
    answer = make_message("assistant", "[click](javascript:alert(1)) [file](file:///etc/passwd)")
    transcript.set_messages([answer])
    text_view = view(transcript, answer).body.stable
    assert anchors(text_view) == []
    assert "click" in text_view.toPlainText()


@pytest.mark.parametrize("href", ["javascript:alert(1)", "file:///etc/passwd", "ftp://x/y"])
def test_other_links_are_ignored(
    qtbot: QtBot, transcript: Transcript, browser: UrlRecorder, href: str
) -> None:
    answer = make_message("assistant", "placeholder")
    transcript.set_messages([answer])
    text_view = view(transcript, answer).body.stable
    text_view.setHtml(f'<p>Look <a href="{href}">here</a></p>')
    with qtbot.waitSignal(text_view.linkRejected):
        click_link(qtbot, text_view, href)
    assert browser.opened == []
    assert text_view.source().isEmpty()


# ------------------------------------------------------------------------ streaming


def test_live_answer_thinks_then_answers(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.set_messages([make_message("user", "why?")])
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    live_view = view(transcript, placeholder)
    reasoning = live_view.reasoning
    assert reasoning is not None and reasoning.isVisible()
    assert reasoning.title().startswith("Thinking…")
    feed(ResponseInfo("req-1", "grok-3-mini"))
    feed(ReasoningDelta("Let me think "))
    feed(ReasoningDelta("about it."))
    qtbot.waitUntil(lambda: reasoning.text_view.toPlainText() == "Let me think about it.")
    assert reasoning.thinking
    qtbot.waitUntil(lambda: reasoning.title() == "Thinking… 1s", timeout=2500)
    feed(ContentDelta("Because **it is**.\n\nSecond"))
    feed(ContentDelta(" paragraph."))
    qtbot.waitUntil(lambda: "Second paragraph." in shown_text(live_view), timeout=1000)
    assert shown_text(live_view).startswith("Because it is.")
    assert reasoning.title() == "Thought for 1 s"
    assert not reasoning.thinking
    feed(UsageReport(Usage(reasoning_tokens=321)))
    qtbot.waitUntil(lambda: reasoning.title() == "Thought for 1 s · 321 reasoning tokens")


def test_streaming_touches_no_other_message(qtbot: QtBot, transcript: Transcript) -> None:
    history = [
        make_message("user", "q1"),
        make_message("assistant", TABLE_AND_CODE, reasoning="thinking"),
        make_message("user", "q2"),
    ]
    transcript.set_messages(history)
    settle(qtbot)
    documents = []
    for message in history:
        message_view = view(transcript, message)
        documents.append(message_view.body.stable.document())
        if message_view.reasoning is not None:
            documents.append(message_view.reasoning.text_view.document())
    revisions = [document.revision() for document in documents]
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    live = transcript.live
    assert live is not None
    for i in range(200):
        feed(ReasoningDelta("hmm ") if i < 50 else ContentDelta(f"word{i} "))
        if i % 20 == 0:
            feed(ContentDelta("\n\n"))
            qtbot.wait(5)
    qtbot.waitUntil(lambda: "word199" in shown_text(view(transcript, placeholder)))
    assert [document.revision() for document in documents] == revisions
    assert live.redraws < 100


def test_a_redraw_renders_at_once_and_changes_the_view_a_loop_turn_later_without_rendering_again(
    qtbot: QtBot, transcript: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    render = markdown.render_markdown

    def counted(markdown: str, **options: Any) -> Rendered:
        rendered.append(markdown)
        return render(markdown, **options)

    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    monkeypatch.setattr(markdown, "render_markdown", counted)
    feed(ContentDelta("A first paragraph.\n\nAnd a second\n"))
    assert rendered == ["A first paragraph.\n\n", "And a second\n"]
    assert "paragraph" not in shown_text(view(transcript, placeholder)), "not in the same tick"
    qtbot.waitUntil(lambda: "And a second" in shown_text(view(transcript, placeholder)))
    assert "A first paragraph." in view(transcript, placeholder).body.stable.toPlainText()
    assert rendered == ["A first paragraph.\n\n", "And a second\n"], "rendered once each"


def test_redraws_are_throttled_and_the_last_state_is_drawn(
    qtbot: QtBot, transcript: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The burst is fed within one instant of the throttle's clock: on a loaded machine
    # the real clock may pass a whole redraw interval between two events.
    monkeypatch.setattr(throttle, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    live = transcript.live
    assert live is not None
    for i in range(500):
        feed(ContentDelta(f"t{i} "))
    qtbot.waitUntil(lambda: "t499" in shown_text(view(transcript, placeholder)))
    assert live.redraws == 2, "one for the first event, one for the rest of the burst"


def test_stable_blocks_are_appended_and_only_the_tail_is_rerendered(
    qtbot: QtBot, transcript: Transcript
) -> None:
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    body = view(transcript, placeholder).body
    feed(ContentDelta("First paragraph.\n\n```python\nx = 1\n```\n\nTail is"))
    qtbot.waitUntil(lambda: body.tail is not None and "Tail is" in body.tail.toPlainText())
    stable_revision = body.stable.document().revision()
    assert "First paragraph." in body.stable.toPlainText()
    feed(ContentDelta(" growing"))
    qtbot.waitUntil(lambda: body.tail is not None and "growing" in body.tail.toPlainText())
    assert body.stable.document().revision() == stable_revision
    assert body.code_blocks == ["x = 1"]


def test_finish_live_renders_the_final_message_in_full(
    qtbot: QtBot, transcript: Transcript
) -> None:
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    feed(ContentDelta("partial"))
    final = make_message(
        "assistant",
        TABLE_AND_CODE,
        id=placeholder.id,
        reasoning="r",
        reasoning_tokens=9,
        reasoning_started_at=100.0,
        content_started_at=104.0,
        finished_at=105.0,
        model="grok-3-mini",
    )
    transcript.finish_live(final)
    assert transcript.live is None
    message_view = view(transcript, final)
    assert message_view.reasoning is not None
    assert message_view.reasoning.title() == "Thought for 4 s · 9 reasoning tokens"
    assert transcript.messages[-1] is final
    # The full render runs from a zero timer, after the turn's bookkeeping.
    qtbot.waitUntil(lambda: "def rev(a):" in message_view.body.stable.toPlainText())
    assert message_view.body.tail is None or not message_view.body.tail.isVisible()
    qtbot.wait(live_stream.REDRAW_MS * 2)
    assert "partial" not in message_view.body.stable.toPlainText()


def _stream(qtbot: QtBot, transcript: Transcript, placeholder: Message, text: str) -> None:
    feed = LiveFeed(transcript, placeholder)
    feed(ReasoningDelta("Weighing it."))
    for start in range(0, len(text), 7):
        feed(ContentDelta(text[start : start + 7]))
    qtbot.waitUntil(lambda: transcript.live is not None and transcript.live.redraws > 0)


def _stream_and_finish(qtbot: QtBot, transcript: Transcript, text: str
                       ) -> tuple[Message, MessageBody, int]:
    """Stream ``text`` as a new answer and finish it as it streamed: the answer, its
    body, and how many full renders the body had before the end."""
    placeholder = make_message("assistant", "", status="streaming")
    _stream(qtbot, transcript, placeholder, text)
    body = view(transcript, placeholder).body
    renders = body.full_renders
    transcript.finish_live(make_message("assistant", text, id=placeholder.id))
    return placeholder, body, renders


def test_finish_live_keeps_the_streamed_rendering_of_an_answer_that_ended_as_streamed(
    qtbot: QtBot, transcript: Transcript
) -> None:
    transcript.set_messages([make_message("user", "how?")])
    placeholder = make_message("assistant", "", status="streaming")
    text = TABLE_AND_CODE + "\nAnd a last line"
    _stream(qtbot, transcript, placeholder, text)
    message_view = view(transcript, placeholder)
    body = message_view.body
    final = make_message(
        "assistant", text, id=placeholder.id, reasoning="Weighing it.", reasoning_tokens=9,
        reasoning_started_at=100.0, content_started_at=104.0, finished_at=105.0,
        model="grok-3-mini", total_tokens=1234,
    )
    renders = body.full_renders
    transcript.finish_live(final)
    assert transcript.live is None
    assert message_view.message is final
    # Whatever was still waiting for a redraw is drawn, then the rendering stays.
    stable_revision = body.stable.document().revision()
    tail_revision = body.tail.document().revision() if body.tail is not None else None
    qtbot.wait(live_stream.REDRAW_MS * 2)
    assert body.full_renders == renders
    assert body.stable.document().revision() == stable_revision
    if body.tail is not None:
        assert body.tail.document().revision() == tail_revision
    assert shown_text(message_view).replace("\n", "").endswith("And a last line")
    assert "def rev(a):" in shown_text(message_view)
    # The small print and the reasoning summary are the final ones.
    meta = message_view.findChild(QLabel, "smallPrint")
    assert meta is not None and meta.text() == footer_text(final) and meta.text()
    assert message_view.reasoning is not None
    assert message_view.reasoning.title() == "Thought for 4 s · 9 reasoning tokens"
    assert message_view.reasoning.text_view.toPlainText() == "Weighing it."
    # The streamed code blocks still back the copy links.
    assert body.code_blocks == [CODE]
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(transcript.copied) as copied:
        click_link(qtbot, body.stable, f"{COPY_SCHEME}:0")
    assert QGuiApplication.clipboard().text() == CODE
    assert copied.args == ["Code copied"]


HeldMath = list[tuple[MathRequest, Future[TypesetMath | None]]]


@pytest.fixture
def held_math(monkeypatch: pytest.MonkeyPatch) -> HeldMath:
    """Equations sent to the typesetter wait here until the test sets their result."""
    held: HeldMath = []

    def hold(_worker: MathWorker, request: MathRequest) -> Future[TypesetMath | None]:
        future: Future[TypesetMath | None] = Future()
        held.append((request, future))
        return future

    monkeypatch.setattr(MathWorker, "_submit", hold)
    return held


def typeset(held: HeldMath) -> None:
    for request, future in held:
        future.set_result(typeset_uncached(request))


def test_an_answer_that_ends_while_its_math_is_typeset_keeps_its_rendering_and_draws_the_math(
    qtbot: QtBot, transcript: Transcript, held_math: HeldMath
) -> None:
    held = held_math
    text = "Before.\n\n$$\\sum_{q=1}^{41} q^3 = 741321$$\n\nAfter the equation.\n\nThe end."
    placeholder, body, renders = _stream_and_finish(qtbot, transcript, text)
    assert body.waiting_for_math and held, "the answer ended before its math was typeset"
    typeset(held)
    qtbot.waitUntil(lambda: not body.waiting_for_math)
    assert body.full_renders == renders, "not rendered again in one long tick"
    assert f"{IMAGE_SCHEME}:" in body.stable.document().toHtml()
    assert shown_text(view(transcript, placeholder)).endswith("The end.")
    qtbot.waitUntil(lambda: not transcript.findChildren(live_stream.LiveStream))


def test_blocks_held_for_their_math_are_not_rendered_again_until_math_comes(
    qtbot: QtBot, transcript: Transcript, held_math: HeldMath, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = held_math
    appended: list[str] = []
    append_stable = MessageBody.append_stable

    def counted(body: MessageBody, markdown: str, *, dark: bool) -> bool:
        appended.append(markdown)
        return append_stable(body, markdown, dark=dark)

    monkeypatch.setattr(MessageBody, "append_stable", counted)
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    feed(ContentDelta("Before.\n\n$$\\sum_{r=1}^{29} r^2 = 8555$$\n\n"))  # typeset nowhere else
    live = transcript.live
    assert live is not None
    qtbot.waitUntil(lambda: bool(held) and live.redraws > 0)
    for number in range(6):  # more finished blocks, a redraw each, while it is typeset
        redraws = live.redraws
        feed(ContentDelta(f"Paragraph {number} after the equation.\n\n"))
        qtbot.waitUntil(lambda: live.redraws > redraws)  # noqa: B023 - waited for here
    assert not [m for m in appended if "Paragraph" in m], "held blocks rendered again"
    body = view(transcript, placeholder).body
    assert "Paragraph 5" in shown_text(view(transcript, placeholder)), "the tail shows them"
    typeset(held)
    qtbot.waitUntil(lambda: f"{IMAGE_SCHEME}:" in body.stable.document().toHtml())
    qtbot.waitUntil(lambda: "Paragraph 4" in body.stable.toPlainText())


def test_held_blocks_are_drawn_once_while_the_tail_grows_and_copy_links_count_across_them(
    qtbot: QtBot, transcript: Transcript, held_math: HeldMath
) -> None:
    held = held_math
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    feed(ContentDelta("Before.\n\n$$\\sum_{p=1}^{53} p = 1431$$\n\n```\nheld = 1\n```\n\n"))
    qtbot.waitUntil(lambda: bool(held))
    live = transcript.live
    assert live is not None
    body = view(transcript, placeholder).body
    feed(ContentDelta("```\ntail = 2\n"))  # the code block above is finished now
    qtbot.waitUntil(lambda: body.held is not None and "held = 1" in body.held.toPlainText())
    held_view = body.held
    assert held_view is not None
    revision = held_view.document().revision()
    for word in ("growing", "still", "more"):  # a redraw of the tail each
        redraws = live.redraws
        feed(ContentDelta(f"{word}\n"))
        qtbot.waitUntil(lambda: live.redraws > redraws)  # noqa: B023 - waited for here
    assert held_view.document().revision() == revision, "held blocks drawn again"
    assert "Before." in body.stable.toPlainText()
    assert "$$" in held_view.toPlainText(), "the equation shows as its source meanwhile"
    tail = body.tail
    assert tail is not None and "more" in tail.toPlainText()
    assert body.code_blocks == ["held = 1", "tail = 2\ngrowing\nstill\nmore"]
    QGuiApplication.clipboard().clear()
    click_link(qtbot, tail, f"{COPY_SCHEME}:1")
    assert QGuiApplication.clipboard().text().startswith("tail = 2")
    typeset(held)
    qtbot.waitUntil(lambda: "held = 1" in body.stable.toPlainText())
    assert not held_view.isVisible()
    assert f"{IMAGE_SCHEME}:" in body.stable.document().toHtml()


def test_finish_live_renders_in_full_an_answer_with_a_link_reference_definition(
    qtbot: QtBot, transcript: Transcript
) -> None:
    text = "See [the docs][d] first.\n\nMore text.\n\n[d]: https://example.com/docs\n"
    _placeholder, body, renders = _stream_and_finish(qtbot, transcript, text)
    qtbot.waitUntil(lambda: body.full_renders == renders + 1)
    assert "https://example.com/docs" in anchors(body.stable)
    assert body.tail is None or not body.tail.isVisible()


@pytest.mark.parametrize(
    ("status", "error"),
    [("interrupted", "Stopped"), ("error", "Server error 503: overloaded, try again later")],
)
def test_finish_live_shows_a_failed_answer_with_retry(
    qtbot: QtBot, transcript: Transcript, status: str, error: str
) -> None:
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    feed(ContentDelta("half an ans"))
    final = make_message("assistant", "half an ans", id=placeholder.id, status=status, error=error)
    transcript.finish_live(final)
    box = view(transcript, final).error_box
    assert box is not None and box.isVisible()
    assert box.text() == error
    assert box.retry_button.isVisible() and box.retry_button.isEnabled()
    with qtbot.waitSignal(transcript.retryRequested):
        qtbot.mouseClick(box.retry_button, Qt.MouseButton.LeftButton)


def test_actions_that_change_turns_are_disabled_while_streaming(
    qtbot: QtBot, transcript: Transcript
) -> None:
    question = make_message("user", "q")
    transcript.set_messages([question])
    edit = view(transcript, question).button("edit")
    assert edit is not None and edit.isEnabled()
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    assert not edit.isEnabled()
    feed(Finish("stop"))
    transcript.finish_live(make_message("assistant", "a", id=placeholder.id))
    assert edit.isEnabled()


def test_dark_mode_during_a_stream_redraws_the_answer_in_the_dark_theme(
    qtbot: QtBot, transcript: Transcript
) -> None:
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    body = view(transcript, placeholder).body
    feed(ContentDelta("```\ncode\n```\n\nmore text\n\nta"))
    qtbot.waitUntil(lambda: "code" in body.stable.toPlainText())
    transcript.set_dark(True)
    qtbot.waitUntil(lambda: "#0d1117" in body.stable.document().toHtml())
    assert body.stable.toPlainText().count("code") == 1


def test_a_long_answer_streams_without_slowing_down(qtbot: QtBot, transcript: Transcript) -> None:
    paragraph = "Some text with **bold**, `code` and a [link](https://x.ai). " * 4 + "\n\n"
    code = "```python\n" + "def f(x):\n    return x * 2\n" * 6 + "```\n\n"
    text = (paragraph * 3 + "- a\n- b\n\n" + code) * 110 + "THE END"
    assert len(text) > 100_000
    transcript.set_messages(
        [make_message("user" if i % 2 else "assistant", f"m{i}") for i in range(1000)]
    )
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    live = transcript.live
    assert live is not None
    body = view(transcript, placeholder).body
    rendered: list[int] = [0]
    per_redraw: list[int] = []
    for name in ("append_stable", "set_tail"):
        method = getattr(body, name)

        def counting(markdown: str, *, dark: bool, method=method,
                     **finished: bool) -> bool | None:
            rendered[0] += len(markdown)
            return method(markdown, dark=dark, **finished)  # type: ignore[no-any-return]

        setattr(body, name, counting)
    redraw = live._throttle._func

    def measured() -> None:
        rendered[0] = 0
        redraw()
        per_redraw.append(rendered[0])

    live._throttle._func = measured
    for start in range(0, len(text), 40):
        feed(ContentDelta(text[start : start + 40]))
        if start % 2000 == 0:
            live.flush()
    live.flush()
    assert live.content == text
    assert shown_text(view(transcript, placeholder)).endswith("THE END")
    assert len(per_redraw) >= 50
    # Work, not time: each redraw renders what arrived since the last one (at most the
    # 2,000 characters between flushes) plus the unfinished block, never the whole answer.
    assert max(per_redraw) < 4_000 < len(text) // 25

def _stream_with_a_redraw_every(transcript: Transcript, placeholder: Message, text: str,
                                chars: int) -> MessageBody:
    """Stream ``text`` in events of 40 characters, drawing after every ``chars`` or so,
    and only then: the throttle's own redraws would come more often the slower the
    machine, and with them more lexing."""
    feed = LiveFeed(transcript, placeholder)
    live = transcript.live
    assert live is not None
    delay_ms, live._throttle._delay_ms = live._throttle._delay_ms, 24 * 3600 * 1000
    try:
        undrawn = 0
        for start in range(0, len(text), 40):
            feed(ContentDelta(text[start : start + 40]))
            undrawn += 40
            if undrawn >= chars:
                live.flush()
                undrawn = 0
        live.flush()
    finally:
        live._throttle._delay_ms = delay_ms
    return view(transcript, placeholder).body


def test_a_long_code_block_is_lexed_in_pieces_as_it_streams_and_whole_when_the_answer_ends(
    qtbot: QtBot, transcript: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    lexed = count_lexing(monkeypatch)
    code = python_lines(300)
    text = f"Here it is:\n\n```python\n{code}```\n\nDone."
    placeholder = make_message("assistant", "", status="streaming")
    body = _stream_with_a_redraw_every(transcript, placeholder, text, 400)
    qtbot.waitUntil(lambda: shown_text(view(transcript, placeholder)).endswith("Done."))
    assert code.removesuffix("\n") not in lexed, "still in pieces: the block may go on"
    renders = body.full_renders
    transcript.finish_live(make_message("assistant", text, id=placeholder.id))
    assert body.full_renders == renders, "the streamed rendering stays"
    assert code.removesuffix("\n") in lexed, "once the answer ended, its code is lexed whole"
    assert body.code_blocks == [code.removesuffix("\n")]
    # Lexing the whole block at each of its 45 redraws would lex 20 times the block.
    assert sum(map(len, lexed)) < 4 * len(code)


def test_an_answer_that_ends_waiting_for_math_keeps_its_last_code_block_highlighted_whole(
    qtbot: QtBot, transcript: Transcript, held_math: HeldMath,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    tails: list[bool] = []
    set_tail = MessageBody.set_tail

    def recorded(body: MessageBody, markdown: str, *, dark: bool,
                 growing: bool = True) -> None:
        tails.append(not growing)
        set_tail(body, markdown, dark=dark, growing=growing)

    monkeypatch.setattr(MessageBody, "set_tail", recorded)
    text = f"Here:\n\n```python\n{python_lines(100)}```\n\nwhere $n$ is the step."
    placeholder = make_message("assistant", "", status="streaming")
    body = _stream_with_a_redraw_every(transcript, placeholder, text, 400)
    transcript.finish_live(make_message("assistant", text, id=placeholder.id))
    assert body.waiting_for_math and held_math, "the answer ended before its math was typeset"
    tails.clear()
    typeset(held_math)
    qtbot.waitUntil(lambda: not body.waiting_for_math)
    qtbot.waitUntil(lambda: not transcript.findChildren(live_stream.LiveStream))
    assert tails and all(tails), "drawn again with its math, the tail's code stays whole"


def test_the_view_follows_the_stream_only_from_the_bottom(
    qtbot: QtBot, transcript: Transcript
) -> None:
    history = [
        make_message("user" if i % 2 else "assistant", f"message {i}\n\n" * 8) for i in range(12)
    ]
    transcript.set_messages(history)
    bar = transcript.scroll_area.verticalScrollBar()
    while transcript.load_older():  # every message built: nothing appears above later
        pass
    qtbot.waitUntil(lambda: bar.maximum() > 0 and transcript.is_at_bottom())
    placeholder = make_message("assistant", "", status="streaming")
    feed = LiveFeed(transcript, placeholder)
    live_view = view(transcript, placeholder)
    feed(ContentDelta("line\n\n" * 40 + "end"))
    qtbot.waitUntil(lambda: "end" in shown_text(live_view))
    qtbot.waitUntil(transcript.is_at_bottom)
    bar.setValue(bar.maximum() // 2)
    assert not transcript.is_at_bottom()
    held = bar.value()
    feed(ContentDelta("\n\nmore\n\n" * 40 + "final"))
    qtbot.waitUntil(lambda: "final" in shown_text(live_view))
    settle(qtbot)
    assert bar.value() == held


# ------------------------------------------------------------------- reasoning toggle


def test_show_reasoning_opens_and_closes_every_block_and_each_still_toggles(
    qtbot: QtBot, transcript: Transcript
) -> None:
    answers = [make_message("assistant", f"a{i}", reasoning=f"because {i}") for i in range(3)]
    no_reasoning = make_message("assistant", "plain")
    transcript.set_messages([*answers, no_reasoning])
    assert view(transcript, no_reasoning).reasoning is None
    blocks = [view(transcript, a).reasoning for a in answers]
    assert all(b is not None and b.text_view.isVisible() for b in blocks)
    transcript.set_show_reasoning(False)
    assert all(b is not None and not b.text_view.isVisible() for b in blocks)
    first = blocks[0]
    assert first is not None
    qtbot.mouseClick(first.toggle, Qt.MouseButton.LeftButton)
    assert first.text_view.isVisible()
    assert [b is not None and b.text_view.isVisible() for b in blocks] == [True, False, False]
    transcript.set_show_reasoning(True)
    assert all(b is not None and b.text_view.isVisible() for b in blocks)
    qtbot.mouseClick(first.toggle, Qt.MouseButton.LeftButton)
    assert [b is not None and b.text_view.isVisible() for b in blocks] == [False, True, True]


def test_new_answers_follow_the_show_reasoning_choice(transcript: Transcript) -> None:
    transcript.set_show_reasoning(False)
    placeholder = make_message("assistant", "", status="streaming")
    LiveFeed(transcript, placeholder)
    reasoning = view(transcript, placeholder).reasoning
    assert reasoning is not None and reasoning.toggle.isVisible()
    assert not reasoning.text_view.isVisible()


# ------------------------------------------------------------------- big conversations


def test_older_messages_are_built_after_the_pane_has_painted_what_it_opened_with(
    qtbot: QtBot, transcript: Transcript
) -> None:
    history = [make_message("user" if i % 2 else "assistant", f"Message {i}")
               for i in range(200)]
    transcript.set_messages(history)
    opened_with = len(transcript.built_views())
    built_at_paints: list[int] = []
    on_paint = PaintSeen(lambda: built_at_paints.append(len(transcript.built_views())))
    column = transcript.scroll_area.widget()
    column.installEventFilter(on_paint)
    qtbot.waitUntil(lambda: len(transcript.built_views()) > opened_with)
    column.removeEventFilter(on_paint)
    assert built_at_paints and built_at_paints[0] == opened_with, (
        "the pane paints what it opened with before building messages above it")


def test_a_thousand_messages_build_lazily_and_more_load_on_scrolling_up(
    qtbot: QtBot, transcript: Transcript
) -> None:
    history = [
        make_message("user" if i % 2 else "assistant", f"Message **{i}**\n\n- a\n- b\n")
        for i in range(1000)
    ]
    transcript.set_messages(history)
    first = transcript.built_views()
    viewport = transcript.scroll_area.viewport()
    assert 0 < len(first) < BATCH, "only what fills the pane is built before the first paint"
    assert first[-1].message is history[-1]
    assert sum(view.heightForWidth(viewport.width()) for view in first) >= viewport.height()
    bar = transcript.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > LOAD_MORE_PX and transcript.is_at_bottom())
    settle(qtbot)
    built = transcript.built_views()
    assert built[-len(first):] == first, "a margin above follows in the next turns"
    oldest_shown = built[0]
    bar.setValue(0)
    offset = oldest_shown.y()
    qtbot.waitUntil(lambda: len(transcript.built_views()) > len(built))
    settle(qtbot)
    assert oldest_shown in transcript.built_views()
    assert oldest_shown.y() - bar.value() == pytest.approx(offset, abs=2)
    assert len(transcript.findChildren(MessageView)) < 200


class PathReader:
    """The path above a message, ``size`` messages a piece, for a pane given its end:
    counts the pieces read, and whether the loop turned between two."""

    def __init__(self, path: list[Message], versions: dict[int, tuple[int, ...]],
                 size: int = 25) -> None:
        self.path, self.versions, self.size = path, versions, size
        self.reads = 0
        self.turned: list[bool] = []
        self._turn: list[bool] = []

    def __call__(self, first_shown: int) -> Iterator[tuple[list[Message],
                                                            dict[int, tuple[int, ...]]]]:
        end = [m.id for m in self.path].index(first_shown)
        while end > 0:
            if self.reads:
                self.turned.append(bool(self._turn))
            self.reads += 1
            turn: list[bool] = []
            self._turn = turn
            QTimer.singleShot(0, functools.partial(turn.append, True))
            start = max(0, end - self.size)
            yield self.path[start:end], self.versions
            end = start


def long_path(count: int) -> list[Message]:
    path: list[Message] = []
    for i in range(count):
        path.append(make_message("user" if i % 2 == 0 else "assistant", f"Message {i}",
                                 parent_id=path[-1].id if path else None))
    return path


def test_a_pane_given_the_end_of_a_path_reads_the_rest_after_its_first_paint(
    qtbot: QtBot, transcript: Transcript
) -> None:
    path = long_path(90)
    other = make_message("user", "Message 0, edited", id=path[0].id + 10_000)
    versions = {path[0].id: (path[0].id, other.id), path[-1].id: (path[-1].id, 7)}
    read = PathReader(path, versions)
    transcript.set_messages(path[-40:], {path[-1].id: versions[path[-1].id]}, rest=read)
    assert read.reads == 0 and transcript.built_views()[-1].message is path[-1]
    painted: list[int] = []
    on_paint = PaintSeen(lambda: painted.append(read.reads))
    column = transcript.scroll_area.widget()
    column.installEventFilter(on_paint)
    qtbot.waitUntil(lambda: read.reads == 2)
    column.removeEventFilter(on_paint)
    assert painted and painted[0] == 0, "the rest is read after the pane has painted"
    assert transcript.messages == path
    assert read.reads == 2 and read.turned == [True], "a piece per turn of the loop"
    bar = transcript.scroll_area.verticalScrollBar()

    def scrolled_to_the_first() -> bool:
        bar.setValue(0)
        return transcript.view_for(path[0].id) is not None

    qtbot.waitUntil(scrolled_to_the_first, timeout=10_000)
    assert view(transcript, path[0]).versions == versions[path[0].id]
    assert view(transcript, path[-1]).versions == versions[path[-1].id]
    assert read.reads == 2


def test_what_needs_the_whole_path_reads_it_at_once(transcript: Transcript) -> None:
    path = long_path(120)
    read = PathReader(path, {})
    transcript.set_messages(path[-40:], rest=read)
    assert transcript.reveal(path[3].id), "an older message on the path is found"
    assert read.reads == 4 and transcript.view_for(path[3].id) is not None
    transcript.remove_message(path[5].id)
    assert [m.id for m in transcript.messages] == [m.id for m in path if m is not path[5]]


def test_a_rest_that_no_longer_leads_to_what_is_shown_is_left_out(
        transcript: Transcript) -> None:
    shown = long_path(40)
    changed = long_path(100)  # the path changed since its end was read
    read = PathReader([*changed[:60], *shown], {})
    transcript.set_messages(shown, rest=read)
    assert transcript.messages == shown and read.reads == 1


class PaintSeen(QObject):
    def __init__(self, seen: Callable[[], None]) -> None:
        super().__init__()
        self._seen = seen

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._seen()
        return False


def test_remove_messages_one_by_one(transcript: Transcript) -> None:
    history = [make_message("user" if i % 2 else "assistant", f"m{i}") for i in range(6)]
    transcript.set_messages(history)
    transcript.remove_message(history[1].id)
    assert transcript.view_for(history[1].id) is None
    for message in history[3:]:
        transcript.remove_message(message.id)
    assert [m.id for m in transcript.messages] == [history[0].id, history[2].id]
    last_view = view(transcript, history[2])
    regenerate = last_view.button("regenerate")
    assert regenerate is not None and regenerate.isVisible()


def test_removing_unbuilt_messages_keeps_the_built_ones(transcript: Transcript) -> None:
    history = [make_message("assistant", f"m{i}") for i in range(BATCH + 10)]
    transcript.set_messages(history)
    built = transcript.built_views()
    assert len(built) < len(history)
    transcript.remove_message(history[0].id)
    assert len(transcript.messages) == BATCH + 9
    assert transcript.built_views() == built
    for message in history[-5:]:
        transcript.remove_message(message.id)
    assert transcript.built_views()[-1].message is history[-6]


def test_clear_empties_the_pane(transcript: Transcript) -> None:
    transcript.set_messages([make_message("user", "x")])
    transcript.clear()
    assert transcript.messages == []
    assert transcript.built_views() == []


# ------------------------------------------------------------------------- appearance


def test_dark_mode_rerenders_code_with_the_dark_theme(transcript: Transcript) -> None:
    answer = make_message("assistant", "```\ncode\n```")
    transcript.set_messages([answer])
    stable = view(transcript, answer).body.stable
    light = stable.document().toHtml()
    transcript.set_dark(True)
    dark = stable.document().toHtml()
    assert "#0d1117" in dark and "#0d1117" not in light


def test_font_size_zooms_the_text(qtbot: QtBot, transcript: Transcript) -> None:
    answer = make_message("assistant", "zoom " * 50)
    transcript.set_messages([answer])
    stable = view(transcript, answer).body.stable
    settle(qtbot)
    before = stable.height()
    transcript.set_font_point_size(QApplication.font().pointSizeF() * 2)
    assert stable.font().pointSizeF() == pytest.approx(QApplication.font().pointSizeF() * 2)
    qtbot.waitUntil(lambda: stable.height() > before * 1.5)


def test_reveal_builds_an_old_message_and_scrolls_it_into_sight(
        qtbot: QtBot, transcript: Transcript) -> None:
    history = [make_message("user" if i % 2 else "assistant", f"message {i}\n\nmore text")
               for i in range(3 * BATCH)]
    transcript.set_messages(history)
    assert transcript.view_for(history[2].id) is None
    assert transcript.reveal(history[2].id)
    shown = transcript.view_for(history[2].id)
    assert shown is not None
    bar = transcript.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() < bar.maximum())
    settle(qtbot)
    viewport = transcript.scroll_area.viewport()
    top = shown.mapTo(viewport, shown.rect().topLeft()).y()
    assert 0 <= top < viewport.height(), "the message is on screen"
    assert not transcript.reveal(10**9), "a message not shown cannot be revealed"
