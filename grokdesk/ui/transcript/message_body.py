"""A message's rendered Markdown, built to grow while the answer streams.

Stacked views: ``stable`` holds the Markdown blocks that can no longer change and
only ever grows at its end; ``tail`` holds the unfinished last block and is replaced
on each redraw. So a redraw costs the size of the new text, not of the whole answer.
Between them, ``held`` shows finished blocks that wait for their math (below), drawn
again only when they change, not at each redraw of the tail. A finished message is one
full render in ``stable``.

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
the stream shows it in ``held`` until it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from grokdesk.ui.transcript import math_images, stored_renders
from grokdesk.ui.transcript.rich_text_view import RichTextView, TextHolder

if TYPE_CHECKING:
    from grokdesk.render.math import MathOptions, MathRequest
    from grokdesk.render.rendered import Rendered
    from grokdesk.ui.transcript.math_worker import MathWorker

# The renderer (grokdesk.render.markdown: markdown-it, Pygments, the math) is imported
# where a message is rendered, with the first that is not shown from a stored render.


def _worker() -> MathWorker:
    """The math typesetting worker, loaded with the first math to typeset."""
    from grokdesk.ui.transcript.math_worker import math_worker

    return math_worker()


def _typeset(request: MathRequest) -> bool:
    """Whether ``request`` is typeset already (its image, or that it cannot be, known)."""
    from grokdesk.render.math.typeset import cached

    return cached(request)[0]


class MessageBody(TextHolder):
    """Shows Markdown; asks for a copy of code block text when its link is clicked."""

    copyCodeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stable = RichTextView(self)
        self.stable.setObjectName("messageText")
        self._held: RichTextView | None = None
        self._tail: RichTextView | None = None
        self._stable_blocks: list[str] = []
        self._stable_cells = 0
        self._held_blocks: list[str] = []
        self._held_cells = 0
        self._tail_blocks: list[str] = []
        #: Renders kept for this redraw (:meth:`prepare`'s, and an append's refused for
        #: its math, which the held view shows next), by all that decides them.
        self._renders: dict[tuple[str, bool, tuple[int, int], MathOptions, bool], Rendered] = {}
        self._line_format: QTextCharFormat | None = None
        #: Full renders (:meth:`show_markdown`) so far; streamed chunks do not count.
        self.full_renders = 0
        self._text: str | None = None
        self._dark = False
        self._math_style: MathOptions | None = None
        self._has_math = False
        self._waiting: list[MathRequest] = []
        self._held_waits: list[MathRequest] = []
        self._tail_waits: list[MathRequest] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(10)
        self._layout.addWidget(self.stable)
        self.stable.copyCodeRequested.connect(self._copy_code)

    @property
    def tail_has_code(self) -> bool:
        return bool(self._tail_blocks)

    @property
    def code_blocks(self) -> list[str]:
        return self._stable_blocks + self._held_blocks + self._tail_blocks

    @property
    def held(self) -> RichTextView | None:
        return self._held

    @property
    def tail(self) -> RichTextView | None:
        return self._tail

    @property
    def _stream_waits(self) -> list[MathRequest]:
        return self._held_waits + self._tail_waits

    @property
    def waiting_for_math(self) -> bool:
        """Whether what is shown has math still being typeset."""
        return bool(self._waiting) or bool(self._stream_waits)

    def streamed_math_ready(self) -> bool:
        """Whether the math the stream's held blocks and tail wait for is all typeset: a
        redraw would now show it."""
        waits = self._stream_waits
        return bool(waits) and all(_typeset(request) for request in waits)

    def show_markdown(self, text: str, *, dark: bool) -> None:
        """Render the whole text once (a stored or finished message)."""
        self.full_renders += 1
        self._render_full(text, dark)

    def _render_full(self, text: str, dark: bool) -> None:
        self._text, self._dark = text, dark
        self.forget_renders()
        rendered = stored_renders.kept(text, dark)
        if rendered is None:
            from grokdesk.render.markdown import render_markdown

            rendered = render_markdown(text, dark=dark, math=self._math_options())
            stored_renders.keep(text, dark, rendered)
        self._has_math = bool(rendered.math or rendered.pending)
        self._stable_blocks = list(rendered.code_blocks)
        self._stable_cells = rendered.table_cells
        self._wait_for(rendered)
        self.stable.show_html(rendered.html)
        self.stable.show()
        self.set_held("", dark=False)
        self.set_tail("", dark=False)

    def clear_stream(self) -> None:
        """Start empty, ready for :meth:`append_stable` and :meth:`set_tail`."""
        self._text = None
        self._has_math = False
        self.forget_renders()
        self._stop_waiting()
        self._stable_blocks = []
        self._stable_cells = 0
        self.stable.clear()
        self.stable.hide()
        self.set_held("", dark=False)
        self.set_tail("", dark=False)

    def append_stable(self, markdown: str, *, dark: bool) -> bool:
        """Render finished blocks on their own and add them after the ones already shown.

        False, and nothing added, while their math is still being typeset: the stream
        shows them with :meth:`set_held` meanwhile.
        """
        rendered = self._render_chunk(markdown, dark)
        if rendered.pending:
            self._keep(markdown, dark, self.before_held(), rendered)
            return False
        self.stable.append_html(rendered.html)
        self._stable_blocks.extend(rendered.code_blocks)
        self._stable_cells += rendered.table_cells
        self.stable.show()
        return True

    def set_held(self, markdown: str, *, dark: bool) -> None:
        """Show finished blocks that wait for their math after the stable ones (their
        math as source); an empty ``markdown`` hides them."""
        self._held_waits, self._held_blocks, self._held_cells = [], [], 0
        if not markdown:
            _empty(self._held)
            return
        self._hold(self._render_chunk(markdown, dark), self._ensure_held().show_html)

    def extend_held(self, markdown: str, *, dark: bool) -> None:
        """Add finished blocks after the held ones: they wait for the math before them."""
        self._hold(self._render_chunk(markdown, dark, after_held=True),
                   self._ensure_held().append_html)

    def _hold(self, rendered: Rendered, show: Callable[[str], None]) -> None:
        self._held_waits.extend(rendered.pending)
        self._held_blocks.extend(rendered.code_blocks)
        self._held_cells += rendered.table_cells
        show(rendered.html)

    def set_tail(self, markdown: str, *, dark: bool, growing: bool = True) -> None:
        """Re-render the unfinished last block; an empty ``markdown`` hides it.
        ``growing``: the answer goes on, so its code is highlighted in remembered pieces;
        once it has ended, whole."""
        if not markdown:
            self._tail_waits, self._tail_blocks = [], []
            _empty(self._tail)
            return
        rendered = self._render_chunk(markdown, dark, after_held=True, growing=growing)
        self._tail_waits = list(rendered.pending)
        self._tail_blocks = list(rendered.code_blocks)
        self._ensure_tail().show_html(rendered.html)

    def open_line(self, head: str, *, code: bool, dark: bool) -> None:
        """Show the tail's finished lines ``head``, then an empty line that
        :meth:`extend_line` grows (shown as code or as text)."""
        tail = self._ensure_tail()
        rendered = self._render_chunk(head, dark, after_held=True, growing=True)
        self._tail_blocks = list(rendered.code_blocks)
        tail.show_html(rendered.html)
        fmt = QTextCharFormat()
        if code:
            from grokdesk.render.markdown import DARK, LIGHT

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

    def _ensure_held(self) -> RichTextView:
        if self._held is None:
            self._held = self._add_view("messageHeld", self._layout.indexOf(self.stable) + 1)
        self._held.show()
        return self._held

    def _ensure_tail(self) -> RichTextView:
        if self._tail is None:
            self._tail = self._add_view("messageTail", self._layout.count())
        self._tail.show()
        return self._tail

    def _add_view(self, name: str, index: int) -> RichTextView:
        view = RichTextView(self)
        view.setObjectName(name)
        view.copyCodeRequested.connect(self._copy_code)
        self._layout.insertWidget(index, view)
        return view

    def before_held(self) -> tuple[int, int]:
        """The code blocks and table cells of the stable blocks."""
        return len(self._stable_blocks), self._stable_cells

    def before_tail(self) -> tuple[int, int]:
        """The code blocks and table cells shown before the tail (stable and held)."""
        return (len(self._stable_blocks) + len(self._held_blocks),
                self._stable_cells + self._held_cells)

    def prepare(self, markdown: str, *, dark: bool, after: tuple[int, int],
                growing: bool = False) -> Rendered:
        """Render a chunk ahead of the redraw that shows it, after ``after`` code blocks
        and table cells: the redraw, a loop turn later, takes it instead of rendering.
        Rendering then holds the loop apart from changing the views and painting them.
        ``growing``: the chunk is the unfinished tail (see ``render_markdown``)."""
        rendered = self._render_kept(markdown, dark, after, growing)
        self._keep(markdown, dark, after, rendered, growing)
        return rendered

    def forget_renders(self) -> None:
        """The redraw is over: drop the renders it kept."""
        self._renders.clear()

    def _render_chunk(self, markdown: str, dark: bool, *, after_held: bool = False,
                      growing: bool = False) -> Rendered:
        """Render a chunk after the stable ones (and the held ones, for the tail): copy
        links and table cells continue theirs."""
        return self._render_kept(markdown, dark,
                                 self.before_tail() if after_held else self.before_held(),
                                 growing)

    def _keep(self, markdown: str, dark: bool, after: tuple[int, int],
              rendered: Rendered, growing: bool = False) -> None:
        self._renders[(markdown, dark, after, self._math_options(), growing)] = rendered

    def _render_kept(self, markdown: str, dark: bool, after: tuple[int, int],
                     growing: bool = False) -> Rendered:
        options = self._math_options()
        if (kept := self._renders.get((markdown, dark, after, options, growing))) is not None:
            return kept
        blocks, cells = after
        from grokdesk.render.markdown import MAX_MESSAGE_TABLE_CELLS, render_markdown

        rendered = render_markdown(
            markdown, dark=dark, first_code_index=blocks,
            table_cell_budget=MAX_MESSAGE_TABLE_CELLS - cells, math=options, growing=growing)
        math_images.remember(rendered.math)
        if rendered.pending:
            _worker().request(rendered.pending)
        return rendered

    def _math_options(self) -> MathOptions:
        self._math_style = math_images.math_options(self.stable)
        return self._math_style

    def _wait_for(self, rendered: Rendered) -> None:
        """Keep the images; have the pending math typeset, to render again when it is."""
        math_images.remember(rendered.math)
        if not rendered.pending:
            self._stop_waiting()
            return
        worker = _worker()
        if not self._waiting:
            worker.finished.connect(self._math_ready)
        self._waiting = list(rendered.pending)
        worker.request(rendered.pending)
        if not worker.busy():  # typeset meanwhile: no signal will come
            QTimer.singleShot(0, self, self._math_ready)

    def _stop_waiting(self) -> None:
        if self._waiting:
            _worker().finished.disconnect(self._math_ready)
        self._waiting = []

    def _math_ready(self) -> None:
        if not self._waiting or not all(_typeset(request) for request in self._waiting):
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


def _empty(view: RichTextView | None) -> None:
    if view is not None:
        view.clear()
        view.hide()
