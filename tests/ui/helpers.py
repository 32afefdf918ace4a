"""Shared helpers for the chat pane tests: sample messages and real clicks on real widgets."""

from __future__ import annotations

import itertools
import time
from typing import TypeVar

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox, QPushButton, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from grokdesk.api.types import StreamEvent
from grokdesk.chat.turn import LiveAnswer
from grokdesk.storage.models import Message
from grokdesk.ui.transcript.message_view import MessageView
from grokdesk.ui.transcript.rich_text_view import RichTextView
from grokdesk.ui.transcript.transcript import Transcript

W = TypeVar("W", bound=QWidget)

_ids = itertools.count(1)


class LiveFeed:
    """A transcript's live answer fed by hand, as a turn feeds it: the answer takes
    each event first, then the transcript is told."""

    def __init__(self, transcript: Transcript, message: Message) -> None:
        self.answer = LiveAnswer(message)
        self.transcript = transcript
        transcript.begin_live(self.answer)

    def __call__(self, event: StreamEvent) -> None:
        self.answer.take(event)
        self.transcript.live_events((event,))


def make_message(role: str = "assistant", content: str = "", **fields: object) -> Message:
    """A stored message with a fresh id (pass ``id=`` to choose it)."""
    message_id = fields.pop("id", None)
    number = next(_ids) if message_id is None else int(message_id)  # type: ignore[call-overload]
    fields.setdefault("created_at", time.time() - 60)
    return Message(
        id=number,
        uuid=f"uuid-{number}",
        conversation_id=1,
        role=role,  # type: ignore[arg-type]
        content=content,
        **fields,  # type: ignore[arg-type]
    )


def anchors(view: RichTextView) -> list[str]:
    """Every link target in the view's document."""
    found = []
    block = view.document().begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            href = fragments.fragment().charFormat().anchorHref()
            if href:
                found.append(href)
            fragments += 1
        block = block.next()
    return found


def anchor_point(view: RichTextView, href: str) -> QPoint:
    """Where, in the view's viewport, the link to ``href`` is drawn."""
    document = view.document()
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position() + max(1, fragment.length() // 2))
                point = view.cursorRect(cursor).center()
                assert view.anchorAt(point) == href
                return point
            fragments += 1
        block = block.next()
    raise AssertionError(f"no link to {href!r} in {view.toPlainText()!r}")


def click_link(qtbot: QtBot, view: RichTextView, href: str) -> None:
    """Click a link the way a person does: press and release on it."""
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=anchor_point(view, href))


def settle(qtbot: QtBot) -> None:
    """Let posted layout requests run (a few rounds: sizes propagate level by level)."""
    for _ in range(5):
        qtbot.wait(1)


def _scroll_area_of(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def hover_and_click(qtbot: QtBot, hover: QWidget, button: QWidget) -> None:
    """Move the mouse over a message (which reveals its actions), then click one."""
    settle(qtbot)
    scroll_area = _scroll_area_of(hover)
    if scroll_area is not None:
        scroll_area.ensureWidgetVisible(hover, 0, 0)
        settle(qtbot)
    qtbot.mouseMove(hover, QPoint(hover.width() // 2, min(10, hover.height() - 1)))
    qtbot.waitUntil(button.isVisible, timeout=1000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown_text(message_view: MessageView) -> str:
    """The answer text a message view shows: its stable part, the visible held blocks and
    tail."""
    body = message_view.body
    streamed = [view.toPlainText() for view in (body.held, body.tail)
                if view is not None and view.isVisible()]
    return body.stable.toPlainText() + "".join(streamed)


def shown(qtbot: QtBot, widget: W, width: int, height: int) -> W:
    """``widget`` at ``width`` × ``height``, on screen, closed and deleted by ``qtbot``
    after the test."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def open_transcript(qtbot: QtBot) -> Transcript:
    """A shown chat pane of 800 × 600."""
    return shown(qtbot, Transcript(), 800, 600)


def delete_box(window: QWidget) -> QMessageBox:
    """The open "Delete message" confirmation."""
    return next(b for b in window.findChildren(QMessageBox)
                if b.objectName() == "deleteMessageBox" and b.isVisible())


def box_button(box: QMessageBox, text: str) -> QPushButton:
    return next(b for b in box.findChildren(QPushButton) if b.text() == text)


def confirm_delete(qtbot: QtBot, window: QWidget) -> str:
    """Press Delete in the open confirmation; returns what it asked."""
    box = delete_box(window)
    question = box.text()
    qtbot.mouseClick(box_button(box, "Delete"), Qt.MouseButton.LeftButton)
    return question
