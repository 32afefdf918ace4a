"""The chat pane: a scrolling column of messages that stays fast at any length.

* Lazy: a stored conversation first builds widgets only for the newest messages
  that fill the pane, so it paints at once; older ones are built a little at a
  time (at most ``BATCH`` a turn) while the reader is near the top, and the view is
  held still while they appear above.
* Incremental: the one live answer is drawn by :class:`LiveStream` (throttled,
  appending finished Markdown blocks, re-rendering only the unfinished tail);
  no other message is touched while it streams.
* Polite scrolling (:class:`ScrollFollow`): the pane follows new text only while
  the reader is at the bottom.

It paints and forwards intent (delete, regenerate, retry, edit, switch version, fork,
compare) as signals for the window, which changes the history and then tells the pane.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from grokdesk.ui.colors import is_dark
from grokdesk.ui.transcript.column import MessageColumn, height_at, scroll_area_for
from grokdesk.ui.transcript.follow import LOAD_MORE_PX, ScrollFollow
from grokdesk.ui.transcript.path_above import PathAbove

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from grokdesk.api.types import StreamEvent
    from grokdesk.chat.records import Message
    from grokdesk.chat.turn import LiveAnswer
    from grokdesk.ui.transcript.live_stream import LiveStream
    from grokdesk.ui.transcript.message_view import MessageView
    from grokdesk.ui.transcript.path_above import PathLoader, PathPiece

BATCH = 12
"""At most this many messages are built in one turn of the event loop (all of them at
once in a pane that is not on screen, where there is nothing to measure against)."""
LOAD_TURN_S = 0.012
"""How long one turn may build older messages while the reader nears the top (at least
one is built), so scrolling up stays smooth."""


class Transcript(QWidget):
    """Shows one conversation and the answer streaming into it."""

    deleteRequested = Signal(int)
    regenerateRequested = Signal()
    retryRequested = Signal()
    editRequested = Signal(int, str)
    branchRequested = Signal(int)
    forkRequested = Signal(int)
    regenerateWithRequested = Signal()
    compareRequested = Signal(int)
    copied = Signal(str)
    """A short note for the status bar, e.g. "Code copied"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messages: list[Message] = []
        self._views: dict[int, MessageView] = {}
        self._versions: dict[int, tuple[int, ...]] = {}
        self._first_built = 0
        self._above = PathAbove(self._put_above, self)
        self._last_view: MessageView | None = None
        self._live: LiveStream | None = None
        self._dark = is_dark(self.palette())
        self._show_reasoning = True

        self._column = MessageColumn()
        self._scroll = scroll_area_for(self._column, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._scroll)

        self._follow = ScrollFollow(self._scroll)
        self._follow.nearTop.connect(self.load_older)

    # ------------------------------------------------------------------ public API

    def set_messages(self, messages: Sequence[Message],
                     versions: Mapping[int, tuple[int, ...]] | None = None, *,
                     rest: PathLoader | None = None) -> None:
        """Show a stored conversation, newest at the bottom; builds only what fills the
        pane, the rest follows. ``versions``: a message's versions (oldest first), where
        it has others.

        ``messages`` may be the path's end only, with ``rest`` to read the path above it:
        that is read a piece per turn of the loop once the pane has painted, or all at
        once as soon as anything needs it.
        """
        self._drop_live()
        self._remove_views(list(self._views.values()))
        self._versions = _with_others(versions or {})
        self._messages = list(messages)
        self._first_built = len(self._messages)
        self.continue_above(rest)
        self._build_older(fill_px=self._scroll.viewport().height())
        self._refresh_last()
        self.scroll_to_bottom()
        self._follow.check_anew()

    def continue_above(self, rest: PathLoader | None) -> None:
        """Read the path above the messages shown with ``rest`` (None: there is none)."""
        self._above.start(rest(self._messages[0].id) if rest is not None and self._messages
                          else None)

    def set_versions(self, message_id: int, versions: tuple[int, ...]) -> None:
        """``message_id`` has these versions now (one just added streams, say)."""
        self._versions[message_id] = versions
        if (view := self._views.get(message_id)) is not None:
            view.set_versions(versions)

    def reveal(self, message_id: int) -> bool:
        """Build the views down to ``message_id`` and scroll it into sight."""
        self._above.read_all()
        index = self._index_of(message_id)
        if index is None:
            return False
        if index < self._first_built:
            self._build_older(limit=self._first_built - index)
        self._follow.stop_following()
        view = self._views[message_id]
        QTimer.singleShot(0, view, lambda: self._scroll.ensureWidgetVisible(view, 0, 40))
        return True

    def clear(self) -> None:
        self.set_messages([])

    def append_message(self, message: Message) -> None:
        """Add a message at the end; a user's own message brings the view to the bottom."""
        self._append(message)
        if message.role == "user":
            self.scroll_to_bottom()

    def begin_live(self, answer: LiveAnswer) -> None:
        """Show the answer that streams (from its start, or from where it is now, when
        the conversation is shown again while it streams)."""
        from grokdesk.ui.transcript.live_stream import LiveStream

        self._drop_live()
        view = self._append(answer.message)
        self._live = LiveStream(view, answer, dark=self._dark, parent=self)
        self._set_busy(True)

    def live_events(self, events: Sequence[StreamEvent]) -> None:
        """The live answer took ``events``; cheap, drawing is throttled."""
        if self._live is not None:
            self._live.feed(events)

    def finish_live(self, final: Message) -> None:
        """Show the finished answer in its final state (complete, interrupted, error).

        If the answer ended as streamed, its streamed rendering stays and only the small
        print, error box and reasoning summary change; otherwise it is rendered again in
        full, from a zero timer so the end of the turn is not one long tick.
        """
        live = self._live
        self._live = None
        keep_body = False
        shown_reasoning: str | None = None
        if live is not None:
            keep_body = live.keeps_rendering_for(final.content)
            shown_reasoning = live.shown_reasoning
            if keep_body:
                live.finish()
            else:
                live.stop()
                live.deleteLater()
        index = self._index_of(final.id)
        if index is None and live is not None:
            index = self._index_of(live.view.message.id)
        if index is None:
            self._append(final)
        else:
            old = self._messages[index]
            self._messages[index] = final
            view = self._views.pop(old.id, None)
            if view is not None:
                self._views[final.id] = view
                if live is not None and view is live.view:
                    view.finish_live(final, keep_body=keep_body, shown_reasoning=shown_reasoning)
                else:
                    view.update_message(final)
        self._set_busy(False)
        self._refresh_last()

    def remove_message(self, message_id: int) -> None:
        self._above.read_all()
        index = self._index_of(message_id)
        if index is None:
            return
        self._remove_range(index, index + 1)

    def set_show_reasoning(self, shown: bool) -> None:
        """Open or close every reasoning block; each can still be toggled on its own."""
        self._show_reasoning = shown
        for view in self._views.values():
            view.set_reasoning_shown(shown)

    def set_dark(self, dark: bool) -> None:
        """Re-render with the dark (or light) code theme."""
        if dark == self._dark:
            return
        self._dark = dark
        for view in self._views.values():
            view.set_dark(dark)
        if self._live is not None:
            self._live.set_dark(dark)

    def set_font_point_size(self, size: float) -> None:
        font = self.font()
        font.setPointSizeF(size)
        self.setFont(font)

    def is_at_bottom(self) -> bool:
        return self._follow.at_bottom()

    def start_edit_last(self) -> bool:
        """Open the inline editor on the last question (the Conversation ▸ Edit action)."""
        self._above.read_all()
        for message in reversed(self._messages):
            if message.role == "user":
                view = self._views.get(message.id)
                if view is None or self._live is not None:
                    return False
                self._scroll.ensureWidgetVisible(view)
                view.start_edit()
                return True
        return False

    def scroll_to_bottom(self) -> None:
        """Jump to the end and follow new text again."""
        self._follow.to_bottom()

    # ------------------------------------------------------------- for tests and tools

    @property
    def messages(self) -> list[Message]:
        """The whole path on screen."""
        self._above.read_all()
        return list(self._messages)

    @property
    def live(self) -> LiveStream | None:
        return self._live

    @property
    def scroll_area(self) -> QScrollArea:
        return self._scroll

    def view_for(self, message_id: int) -> MessageView | None:
        """The widget showing a message, if it has been built."""
        return self._views.get(message_id)

    def built_views(self) -> list[MessageView]:
        """Widgets built so far, top to bottom."""
        return [self._views[m.id] for m in self._messages[self._first_built :]]

    def load_older(self) -> bool:
        """Build older messages, a screenful and a margin, in turns of at most
        ``LOAD_TURN_S``; says whether there were any."""
        if self._first_built == 0:
            self._above.read_all()  # the path's end is all built: its rest is needed now
            if self._first_built == 0:
                return False
        if built := self.built_views():
            self._follow.hold(built[0])
        self._build_older(fill_px=LOAD_MORE_PX + self._scroll.viewport().height(),
                          budget_s=LOAD_TURN_S)
        if self._first_built > 0:
            self._follow.check_soon()
        return True

    # ------------------------------------------------------------------- internals

    def _make_view(self, message: Message) -> MessageView:
        from grokdesk.ui.transcript.message_view import MessageView  # not for the first frame

        view = MessageView(message, dark=self._dark, reasoning_shown=self._show_reasoning,
                           width=self._column.message_width(), parent=self._column)
        for source, target in (
                (view.deleteClicked, self.deleteRequested), (view.copied, self.copied),
                (view.regenerateClicked, self.regenerateRequested),
                (view.retryClicked, self.retryRequested), (view.editSaved, self.editRequested),
                (view.versionPicked, self.branchRequested), (view.forkClicked, self.forkRequested),
                (view.regenerateWithClicked, self.regenerateWithRequested),
                (view.compareClicked, self.compareRequested)):
            source.connect(target)
        if (versions := self._versions.get(message.id)) is not None:
            view.set_versions(versions)
        if self._live is not None:
            view.set_busy(True)
        self._views[message.id] = view
        return view

    def _build_older(self, *, fill_px: float = math.inf, limit: int = BATCH,
                     budget_s: float = math.inf) -> None:
        """Build views above the built ones, newest first, until they are ``fill_px``
        tall at the pane's width, ``limit`` are built, or ``budget_s`` has passed."""
        measured = self._scroll.viewport().isVisible()
        width = self._column.message_width()  # as the layout will ask: measured once
        built_px = 0
        count = 0
        deadline = time.perf_counter() + budget_s
        self._column.setUpdatesEnabled(False)
        try:
            while (self._first_built > 0 and count < limit
                   and (built_px < fill_px or not measured)
                   and (count == 0 or time.perf_counter() < deadline)):
                view = self._make_view(self._messages[self._first_built - 1])
                self._first_built -= 1
                self._column.messages.insertWidget(0, view)
                view.show()
                count += 1
                if measured:
                    built_px += height_at(view, width)
        finally:
            self._column.setUpdatesEnabled(True)

    def _put_above(self, piece: PathPiece) -> bool:
        """Put a piece of the path above the messages held; False where it does not fit."""
        older, versions = piece
        if not older or not self._messages or older[-1].id != self._messages[0].parent_id:
            return False
        self._messages[:0] = older
        self._first_built += len(older)
        above = {m.id for m in older}
        self._versions.update(_with_others({k: v for k, v in versions.items() if k in above}))
        return True

    def _append(self, message: Message) -> MessageView:
        self._messages.append(message)
        view = self._make_view(message)
        self._column.messages.insertWidget(self._column.messages.count() - 1, view)
        view.show()
        self._refresh_last()
        return view

    def _remove_range(self, start: int, end: int) -> None:
        doomed = self._messages[start:end]
        if self._live is not None and any(m.id == self._live.view.message.id for m in doomed):
            self._drop_live()
        views = [self._views[m.id] for m in doomed if m.id in self._views]
        self._remove_views(views)
        unbuilt_removed = sum(1 for i in range(start, end) if i < self._first_built)
        del self._messages[start:end]
        self._first_built -= unbuilt_removed
        if not self._views and self._first_built > 0:
            self._build_older(fill_px=self._scroll.viewport().height())
            self._follow.check_soon()
        self._refresh_last()

    def _remove_views(self, views: list[MessageView]) -> None:
        for view in views:
            self._views.pop(view.message.id, None)
            self._follow.forget(view)
            if self._last_view is view:
                self._last_view = None
            self._column.messages.removeWidget(view)
            view.hide()
            view.deleteLater()

    def _drop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live.deleteLater()
            self._live = None
            self._set_busy(False)

    def _refresh_last(self) -> None:
        last = self._views.get(self._messages[-1].id) if self._messages else None
        if last is self._last_view:
            return
        if self._last_view is not None:
            self._last_view.set_last(False)
        if last is not None:
            last.set_last(True)
        self._last_view = last

    def _set_busy(self, busy: bool) -> None:
        for view in self._views.values():
            view.set_busy(busy)

    def _index_of(self, message_id: int) -> int | None:
        for index in range(len(self._messages) - 1, -1, -1):
            if self._messages[index].id == message_id:
                return index
        return None


def _with_others(versions: Mapping[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """The messages that have other versions."""
    return {k: v for k, v in versions.items() if len(v) > 1}
