"""Throttled, incremental redraws of the one live answer.

The turn collects the answer (:class:`~grokdesk.api.answer.AnswerSoFar`); this only
reads it. An event pokes a :class:`Throttle`; at most every ``REDRAW_MS`` the redraw
takes the chunks that arrived since the last one. It renders their Markdown at once and
changes the views a loop turn later, so that rendering and the paint that follows the
change do not hold the loop in one tick:

* reasoning text is appended at the end of the reasoning view (cost: the new text);
* answer text: the finished Markdown blocks (``split_stable_prefix``, searched only
  after the blocks found finished before) are rendered once and appended to the body's stable
  view; only the unfinished last block is re-rendered, in the tail view;
* except when that block's unfinished line grows past ``OPEN_LINE_CHARS`` (base64,
  minified code without newlines): from then until the block is finished, what
  arrives is appended to the tail as plain folded text (cost: the new text), and
  the answer is rendered in full when it ends;
* finished blocks whose math is not typeset yet are held: shown in the body's held
  view (math as its source there), drawn again only when the held blocks change, until
  the typesetting thread has their math; then the next redraw appends them. Unclosed
  math is text, so it shows as source as it streams. When the answer ends with math
  still being typeset, the streamed rendering stays and this goes on drawing it in the
  same way until it is all typeset (:meth:`finish`), instead of rendering the whole
  answer again in one long tick.

Nothing else in the transcript is touched. The first answer text stops the
"Thinking…" timer; a usage report fills in the reasoning token count.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer

from grokdesk.api.answer import AnswerSoFar
from grokdesk.api.types import ContentDelta, ReasoningDelta, StreamEvent, UsageReport
from grokdesk.render.markdown import block_starts, ends_in_code, split_stable_prefix
from grokdesk.ui.transcript.math_worker import math_worker
from grokdesk.ui.transcript.message_view import MessageView
from grokdesk.ui.transcript.throttle import Throttle

REDRAW_MS = 40
OPEN_LINE_CHARS = 4096
"""An unfinished line longer than this is appended as it grows, not re-rendered."""
_CODE_PROBE_CHARS = 256

#: A link reference definition (``[label]: url``) can change links in blocks rendered
#: before it, so an answer with one is rendered again in full when it ends.
LINK_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:", re.MULTILINE)


class LiveStream(QObject):
    """What of one streaming answer is drawn, and the redraw that draws the rest.

    Opened on an answer that already said something (the conversation was shown
    again while it streams), the first redraw draws all of it.
    """

    def __init__(self, view: MessageView, answer: AnswerSoFar, *, dark: bool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.answer = answer
        self.dark = dark
        self._content_taken = 0
        self._content_text = ""
        self._reasoning_taken = 0
        self._reasoning_text: list[str] = []
        self._stable_len = 0
        self._ready_len = 0
        self._held_for_math = False
        self._held_span = (0, 0)
        self._shown_tail: str | None = None
        self._open_line: int | None = None
        self._open_shown = 0
        self._split_at = 0
        self._answer_started = False
        self._tokens_dirty = answer.usage is not None
        self._renders_at_finish: int | None = None
        """Set by :meth:`finish` (the view's full renders then): the stream has ended."""
        self.redraws = 0
        self._throttle = Throttle(self._redraw, REDRAW_MS, self)
        self._to_draw = ""
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(0)
        self._draw_timer.timeout.connect(self._draw)
        math_worker().finished.connect(self._math_typeset)
        view.begin_live()
        if answer.content or answer.reasoning or self._tokens_dirty:
            self._throttle()

    @property
    def content(self) -> str:
        """Everything the answer said so far, as Markdown."""
        chunks = self.answer.content
        if len(chunks) > self._content_taken:
            self._content_text += "".join(chunks[self._content_taken:])
            self._content_taken = len(chunks)
        return self._content_text

    def feed(self, events: Sequence[StreamEvent]) -> None:
        """The answer took ``events``: draw what changed at the next throttled redraw."""
        changed = False
        for event in events:
            if isinstance(event, ContentDelta | ReasoningDelta):
                changed = changed or bool(event.text)
            elif isinstance(event, UsageReport):
                self._tokens_dirty = changed = True
        if changed:
            self._throttle()

    def set_dark(self, dark: bool) -> None:
        """Redraw the answer so far in the other code theme (once, at the next redraw)."""
        self.dark = dark
        self._stable_len = 0
        self._ready_len = 0
        self._held_for_math = False
        self._held_span = (0, 0)
        self._shown_tail = None
        self._open_line = None
        self._split_at = 0
        self._draw_timer.stop()
        self.view.body.clear_stream()
        self._throttle()

    @property
    def shown_content(self) -> str:
        """The answer text the view shows now: the stable blocks, the held ones, the tail."""
        text = self._content_text
        return text[: self._stable_len] + text[slice(*self._held_span)] + (self._shown_tail or "")

    @property
    def shown_reasoning(self) -> str:
        """The reasoning text the view shows now."""
        return "".join(self._reasoning_text)

    def keeps_rendering_for(self, content: str) -> bool:
        """Whether the streamed rendering can stay as the final one for ``content``.

        True when ``content`` is what streamed (drawn now, after a flush) and has no
        link reference definition: then a full render would show the same thing, once
        :meth:`finish` has highlighted the last block's code whole and drawn the math
        still being typeset.
        """
        if content != self.content or LINK_REFERENCE.search(content):
            return False
        self.flush()
        return self.shown_content == content

    def flush(self) -> None:
        """Draw whatever is waiting now (before the final full render replaces it)."""
        self._throttle.flush()
        if self._draw_timer.isActive():
            self._draw_timer.stop()
            self._draw()

    def stop(self) -> None:
        """The stream ended: no more redraws, no more ticking."""
        self._throttle.cancel()
        self._draw_timer.stop()
        self.view.body.forget_renders()
        math_worker().finished.disconnect(self._math_typeset)
        if self.view.reasoning is not None:
            self.view.reasoning.stop_thinking()

    def finish(self) -> None:
        """The stream ended and its rendering stays (:meth:`keeps_rendering_for`): math
        still being typeset is drawn when it is ready, then this goes. It goes with the
        view, and stops if the view renders the message in full meanwhile."""
        self._throttle.cancel()
        if self._shown_tail and self.view.body.tail_has_code:  # streamed in pieces
            self.view.body.set_tail(self._shown_tail, dark=self.dark, growing=False)
        if self.view.reasoning is not None:
            self.view.reasoning.stop_thinking()
        if not self.view.body.waiting_for_math:
            self._end()
            return
        self._renders_at_finish = self.view.body.full_renders
        self.setParent(self.view)

    def _end(self) -> None:
        self.stop()
        self.deleteLater()

    def _overtaken(self) -> bool:
        """Finished, and the view has rendered the message in full since: nothing to draw."""
        return (self._renders_at_finish is not None
                and self.view.body.full_renders != self._renders_at_finish)

    def _redraw(self) -> None:
        """Render what changed now, and change the views a loop turn later (:meth:`_draw`):
        the two hold the loop apart, not in one long tick with the paint that follows."""
        self._to_draw = self.content
        if self._to_draw and not self._overtaken():
            self._prepare(self._to_draw)
        self._draw_timer.start()

    @property
    def _growing(self) -> bool:
        """Whether the answer goes on: its unfinished block is rendered to grow."""
        return self._renders_at_finish is None

    def _prepare(self, text: str) -> None:
        """Find the finished blocks, and render ahead what :meth:`_draw` will show."""
        if _has_newline(text, self._split_at):  # else the finished blocks are as they were
            self._ready_len += split_stable_prefix(text[self._ready_len :])
        self._split_at = len(text)
        body = self.view.body
        start, end = self._held_span
        ready, stable = self._ready_len, self._stable_len
        if ready > stable and not self._held_for_math:
            after = body.before_held()
            finished = body.prepare(text[stable:ready], dark=self.dark, after=after)
        elif start < end and start == stable and ready > end:
            after = body.before_tail()
            finished = body.prepare(text[end:ready], dark=self.dark, after=after)
        else:
            finished = None
            after = body.before_tail()
        if finished is not None:
            after = (after[0] + len(finished.code_blocks), after[1] + finished.table_cells)
        tail = text[ready:]
        if (self._open_line is None and tail != self._shown_tail
                and len(tail) - tail.rfind("\n") - 1 <= OPEN_LINE_CHARS):
            body.prepare(tail, dark=self.dark, after=after,
                         growing=self._growing)

    def _draw(self) -> None:
        if self._overtaken():
            self._end()
            return
        self.redraws += 1
        reasoning = self.view.ensure_reasoning()
        chunks = self.answer.reasoning
        if len(chunks) > self._reasoning_taken:
            chunk = "".join(chunks[self._reasoning_taken:])
            self._reasoning_taken = len(chunks)
            self._reasoning_text.append(chunk)
            reasoning.append_text(chunk)
        text = self._to_draw
        if text and not self._answer_started:
            self._answer_started = True
            reasoning.stop_thinking()
            if not self._reasoning_text:
                reasoning.hide()
        if self._tokens_dirty:
            self._tokens_dirty = False
            usage = self.answer.usage
            reasoning.set_tokens(usage.reasoning_tokens if usage is not None else None)
        if text:
            self._draw_content(text)
        self.view.body.forget_renders()
        if self._renders_at_finish is not None and not self.view.body.waiting_for_math:
            self._end()

    def _draw_content(self, text: str) -> None:
        body = self.view.body
        if body.isHidden():
            body.show()
        if self._ready_len > self._stable_len and not self._held_for_math:
            self._append_ready(text)
        self._draw_held(text)
        tail = text[self._ready_len :]
        if self._open_line is None:
            line_start = self._ready_len + tail.rfind("\n") + 1
            if len(text) - line_start > OPEN_LINE_CHARS:
                self._open_tail(text, line_start)
        if self._open_line is not None:
            if len(text) > self._open_shown:
                body.extend_line(text[self._open_shown :])
                self._open_shown = len(text)
        elif tail != self._shown_tail:
            body.set_tail(tail, dark=self.dark, growing=self._growing)
            self._shown_tail = tail

    def _draw_held(self, text: str) -> None:
        """Show the finished blocks not appended (held for their math): only those new
        since the last redraw when the held ones before them stay."""
        start, end = self._held_span
        held = (self._stable_len, self._ready_len)
        if held == self._held_span or (start == end and held[0] == held[1]):  # none, as before
            self._held_span = held
            return
        if start < end and held[0] == start and held[1] > end:
            self.view.body.extend_held(text[end : held[1]], dark=self.dark)
        else:
            self.view.body.set_held(text[slice(*held)], dark=self.dark)
        self._held_span = held
        self._shown_tail = None  # its copy links and table cells come after the held
        self._open_line = None

    def _append_ready(self, text: str) -> None:
        """Append the finished blocks; if some wait for their math, those before them, and
        the rest (held meanwhile) only once some math has been typeset: no block can go
        before the one that waits."""
        chunk = text[self._stable_len : self._ready_len]
        appended = len(chunk) if self.view.body.append_stable(chunk, dark=self.dark) else 0
        starts = block_starts(chunk) if not appended else []
        if len(starts) > 1:  # one block alone has just been tried
            for start, end in itertools.pairwise([*starts, len(chunk)]):
                if start == end or not self.view.body.append_stable(chunk[start:end],
                                                                    dark=self.dark):
                    break
                appended = end
        self._held_for_math = appended < len(chunk)
        if appended:
            self._stable_len += appended
            self._shown_tail = None
            self._open_line = None

    def _math_typeset(self) -> None:
        """Math was typeset: redraw once all that the held blocks and the tail wait for is
        ready, not after each equation."""
        self._held_for_math = False
        if self._overtaken():
            self._end()
        elif self.view.body.streamed_math_ready():
            self._shown_tail = None
            self._throttle()

    def _open_tail(self, text: str, line_start: int) -> None:
        """Show the tail's long unfinished line as growing plain text from now on."""
        head = text[self._ready_len : line_start]
        code = ends_in_code(text[self._ready_len : line_start + _CODE_PROBE_CHARS])
        self.view.body.open_line(head, code=code, dark=self.dark)
        self._open_line = line_start
        self._open_shown = line_start
        self._shown_tail = None


def _has_newline(text: str, start: int) -> bool:
    """Whether a line ended in ``text`` at or after ``start`` (a ``\r`` may end one too)."""
    return text.find("\n", max(0, start - 1)) >= 0 or text.find("\r", max(0, start - 1)) >= 0
