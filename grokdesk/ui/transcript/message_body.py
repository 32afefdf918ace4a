"""A message's rendered Markdown, built to grow while the answer streams.

Two stacked views: ``stable`` holds the Markdown blocks that can no longer change
and only ever grows at its end; ``tail`` holds the unfinished last block and is
replaced on each redraw. So a redraw costs the size of the new text, not of the
whole answer. A finished message is one full render in ``stable``.

A long unfinished line (a megabyte of base64 with no newline) would make every redraw
render and lay out the whole line again; so past a length the stream shows it as plain
text that only grows (:meth:`open_line`, :meth:`extend_line`), folded in short blocks,
and the rendering of its block comes once the block is finished.

Code-block copy links (``grokdesk-copy:N``) are numbered across the chunks with the
renderer's ``first_code_index``, so N always indexes :attr:`code_blocks`; the chunks
share one budget of table cells (``table_cell_budget``), as one full render would.

Math is drawn in the view's text colour and size from what is typeset already; the rest
shows as its source while :mod:`~grokdesk.ui.transcript.math_worker` typesets it, and the
message renders again once its math is ready (or when the font or colours change). A
finished chunk whose math is not ready is not appended (:meth:`append_stable` says so):
the stream keeps it in the tail until it is.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from grokdesk.render.markdown import (
    DARK,
    LIGHT,
    MAX_MESSAGE_TABLE_CELLS,
    Rendered,
    render_markdown,
)
from grokdesk.render.math import MathOptions, MathRequest
from grokdesk.render.math.typeset import cached
from grokdesk.ui.transcript import math_images
from grokdesk.ui.transcript.math_worker import math_worker
from grokdesk.ui.transcript.rich_text_view import RichTextView, TextHolder


class MessageBody(TextHolder):
    """Shows Markdown; asks for a copy of code block text when its link is clicked."""

    copyCodeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stable = RichTextView(self)
        self.stable.setObjectName("messageText")
        self._tail: RichTextView | None = None
        self._stable_blocks: list[str] = []
        self._stable_cells = 0
        self._tail_blocks: list[str] = []
        self._line_format: QTextCharFormat | None = None
        #: Full renders (:meth:`show_markdown`) so far; streamed chunks do not count.
        self.full_renders = 0
        self._text: str | None = None
        self._dark = False
        self._math_style: MathOptions | None = None
        self._has_math = False
        self._waiting: list[MathRequest] = []
        self._stream_waits: list[MathRequest] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(10)
        self._layout.addWidget(self.stable)
        self.stable.copyCodeRequested.connect(self._copy_code)

    @property
    def code_blocks(self) -> list[str]:
        return self._stable_blocks + self._tail_blocks

    @property
    def tail(self) -> RichTextView | None:
        return self._tail

    @property
    def waiting_for_math(self) -> bool:
        """Whether what is shown has math still being typeset."""
        return bool(self._waiting) or bool(self._stream_waits)

    def streamed_math_ready(self) -> bool:
        """Whether the math the stream's tail (or its held blocks) waits for is all typeset:
        a redraw would now show it."""
        return bool(self._stream_waits) and all(cached(r)[0] for r in self._stream_waits)

    def show_markdown(self, text: str, *, dark: bool) -> None:
        """Render the whole text once (a stored or finished message)."""
        self.full_renders += 1
        self._render_full(text, dark)

    def _render_full(self, text: str, dark: bool) -> None:
        self._text, self._dark = text, dark
        rendered = render_markdown(text, dark=dark, math=self._math_options())
        self._has_math = bool(rendered.math or rendered.pending)
        self._stable_blocks = list(rendered.code_blocks)
        self._stable_cells = rendered.table_cells
        self._wait_for(rendered)
        self.stable.show_html(rendered.html)
        self.stable.show()
        self.set_tail("", dark=False)

    def clear_stream(self) -> None:
        """Start empty, ready for :meth:`append_stable` and :meth:`set_tail`."""
        self._text = None
        self._has_math = False
        self._stop_waiting()
        self._stable_blocks = []
        self._stable_cells = 0
        self.stable.clear()
        self.stable.hide()
        self.set_tail("", dark=False)

    def append_stable(self, markdown: str, *, dark: bool) -> bool:
        """Render finished blocks on their own and add them after the ones already shown.

        False, and nothing added, while their math is still being typeset.
        """
        rendered = self._render_chunk(markdown, dark)
        if rendered.pending:
            self._stream_waits = list(rendered.pending)
            return False
        self.stable.append_html(rendered.html)
        self._stable_blocks.extend(rendered.code_blocks)
        self._stable_cells += rendered.table_cells
        self.stable.show()
        return True

    def set_tail(self, markdown: str, *, dark: bool) -> None:
        """Re-render the unfinished last block; an empty ``markdown`` hides it."""
        if not markdown:
            self._stream_waits = []
            self._tail_blocks = []
            if self._tail is not None:
                self._tail.clear()
                self._tail.hide()
            return
        rendered = self._render_chunk(markdown, dark)
        self._stream_waits = list(rendered.pending)
        self._tail_blocks = list(rendered.code_blocks)
        self._ensure_tail().show_html(rendered.html)

    def open_line(self, head: str, *, code: bool, dark: bool) -> None:
        """Show the tail's finished lines ``head``, then an empty line that
        :meth:`extend_line` grows (shown as code or as text)."""
        tail = self._ensure_tail()
        rendered = self._render_chunk(head, dark)
        self._tail_blocks = list(rendered.code_blocks)
        tail.show_html(rendered.html)
        fmt = QTextCharFormat()
        if code:
            theme = DARK if dark else LIGHT
            fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
            fmt.setFontFamilies([fixed.family()])
            fmt.setBackground(QColor(theme.code_bg))
            fmt.setForeground(QColor(theme.code_fg))
        self._line_format = fmt
        if rendered.html:
            cursor = QTextCursor(tail.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat(), fmt)

    def extend_line(self, text: str) -> None:
        """Add ``text`` to the line :meth:`open_line` started, without redrawing the rest."""
        self._ensure_tail().append_plain(text, self._line_format)

    def _ensure_tail(self) -> RichTextView:
        if self._tail is None:
            self._tail = RichTextView(self)
            self._tail.setObjectName("messageTail")
            self._tail.copyCodeRequested.connect(self._copy_code)
            self._layout.addWidget(self._tail)
        self._tail.show()
        return self._tail

    def _render_chunk(self, markdown: str, dark: bool) -> Rendered:
        """Render a chunk after the stable ones: copy links and table cells continue theirs."""
        rendered = render_markdown(
            markdown, dark=dark, first_code_index=len(self._stable_blocks),
            table_cell_budget=MAX_MESSAGE_TABLE_CELLS - self._stable_cells,
            math=self._math_options())
        math_images.remember(rendered.math)
        if rendered.pending:
            math_worker().request(rendered.pending)
        return rendered

    def _math_options(self) -> MathOptions:
        self._math_style = math_images.math_options(self.stable)
        return self._math_style

    def _wait_for(self, rendered: Rendered) -> None:
        """Keep the images; have the pending math typeset, to render again when it is."""
        math_images.remember(rendered.math)
        worker = math_worker()
        if not rendered.pending:
            self._stop_waiting()
            return
        if not self._waiting:
            worker.finished.connect(self._math_ready)
        self._waiting = list(rendered.pending)
        worker.request(rendered.pending)
        if not worker.busy():  # typeset meanwhile: no signal will come
            QTimer.singleShot(0, self, self._math_ready)

    def _stop_waiting(self) -> None:
        if self._waiting:
            math_worker().finished.disconnect(self._math_ready)
        self._waiting = []

    def _math_ready(self) -> None:
        if not self._waiting or not all(cached(request)[0] for request in self._waiting):
            return
        if self._text is not None:
            self._render_full(self._text, self._dark)

    def changeEvent(self, event: QEvent) -> None:
        """A new font size or text colour: math is typeset again to match (once)."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange,
                            QEvent.Type.ApplicationPaletteChange) and self._has_math:
            QTimer.singleShot(0, self, self._restyle_math)

    def _restyle_math(self) -> None:
        if (self._text is not None and self._has_math
                and math_images.math_options(self.stable) != self._math_style):
            self._render_full(self._text, self._dark)

    def _copy_code(self, index: int) -> None:
        blocks = self.code_blocks
        if 0 <= index < len(blocks):
            self.copyCodeRequested.emit(blocks[index])
