"""The chat pane's column is as wide as its viewport, whatever a message's minimum width.

A message's small print (model, tokens, cost, time, then Copy / Regenerate / Delete) can
need more room than a narrow window has. The column must not grow past the viewport for
it: there is no horizontal scroll bar, so text would be cut off on the right, and each
time the widest small print changed (the last answer's buttons come and go) every
message would be laid out again at another width.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from grokdesk.storage.models import Message
from grokdesk.ui.transcript.transcript import Transcript
from tests.ui.helpers import make_message, open_transcript, settle

LONG_MODEL = "provider/" + "very-long-model-name-" * 6
NARROW = 420


def _column(pane: Transcript) -> QWidget:
    column = pane.scroll_area.widget()
    assert column is not None
    return column


def _long_footer_answer(content: str) -> Message:
    return make_message("assistant", content, model=LONG_MODEL, prompt_tokens=123_456,
                        completion_tokens=654_321, reasoning_tokens=99_999,
                        total_tokens=777_777, cost_usd=12.3456, status="complete")


def test_a_wide_small_print_does_not_widen_the_column(qtbot: QtBot) -> None:
    pane = open_transcript(qtbot)
    pane.resize(NARROW, 600)
    answer = _long_footer_answer("Words that wrap. " * 200)
    pane.set_messages([make_message("user", "why?"), answer])
    settle(qtbot)
    view = pane.view_for(answer.id)
    assert view is not None
    viewport = pane.scroll_area.viewport().width()
    meta = view.footer.meta
    assert meta.fontMetrics().horizontalAdvance(meta.text()) > viewport  # it alone is wider
    assert meta.shown_text().endswith("…") and meta.geometry().right() <= view.width()
    assert _column(pane).width() == viewport
    assert view.body.stable.width() < viewport


def test_messages_keep_their_width_when_the_last_one_changes(qtbot: QtBot) -> None:
    pane = open_transcript(qtbot)
    pane.resize(NARROW, 600)
    first = make_message("assistant", "An answer. " * 300, status="complete")
    pane.set_messages([make_message("user", "why?"), first])
    settle(qtbot)
    view = pane.view_for(first.id)
    assert view is not None
    width = view.body.stable.width()
    for message in (make_message("user", "and then?"), _long_footer_answer("More. " * 50)):
        pane.append_message(message)
        settle(qtbot)
        assert view.body.stable.width() == width
    assert _column(pane).width() == pane.scroll_area.viewport().width()
