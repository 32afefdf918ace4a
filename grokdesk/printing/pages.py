"""Laying a document out on pages, and painting them on a printer or a PDF writer.

Qt breaks pages between lines, so a code block may be cut anywhere and a heading may end
a page. Before painting, a code block (a run of blocks Qt marks as non-breakable lines:
what ``<pre>`` becomes) that would straddle a page break but fits on one page is moved
to the next page, and so is a heading (``<h1>``-``<h6>``: the role line of each message
too) that would be the last line of its page. Math is one image on one line, which Qt
never cuts. Pages are numbered "n / N".
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QPagedPaintDevice,
    QPainter,
    QTextBlock,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from grokdesk.errors import GrokdeskError
from grokdesk.export.page import PrintPage
from grokdesk.printing.document import build_document

FOOTER_INCHES = 0.35
"""Room under the text for the page number."""
RELAYOUT_CHARS = 5_000
"""How much text after a new page break is laid out again at once (a page or two)."""


class PrintFailedError(GrokdeskError):
    """Qt could not start painting on the printer or file (offline, or not writable)."""

    hint = "check the printer, or the folder the file goes to, and try again"

    def __init__(self) -> None:
        super().__init__("the printer or file could not be written to")


def _code_run(first: QTextBlock) -> QTextBlock:
    """The last block of the run of non-breakable blocks that starts at ``first``."""
    last = first
    while last.next().isValid() and last.next().blockFormat().nonBreakableLines():
        last = last.next()
    return last


def _is_heading(block: QTextBlock) -> bool:
    return block.isValid() and block.blockFormat().headingLevel() > 0


def _break_before(document: QTextDocument, block: QTextBlock) -> None:
    page_break = QTextBlockFormat()
    page_break.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
    QTextCursor(block).mergeBlockFormat(page_break)
    # Qt re-lays out only the changed block; the next pages' worth is laid out again here
    # (further on, Qt lays out what is asked for), and everything once at the end.
    rest = document.characterCount() - block.position()
    document.markContentsDirty(block.position(), min(rest, RELAYOUT_CHARS))


def keep_together(document: QTextDocument) -> int:
    """Start a new page before each code block that a page break would cut (when it fits
    on one page), taking a heading just above it along, and before each heading that
    would end a page (a message's role line, or the model's own headings). Returns how
    many breaks were added. The document's page size must be set."""
    layout = document.documentLayout()
    height = document.pageSize().height()

    def page(y: float) -> int:
        return int(y // height)

    moved = 0
    block = document.begin()
    while block.isValid():
        top = layout.blockBoundingRect(block).top()
        if block.blockFormat().nonBreakableLines():
            last = _code_run(block)
            bottom = layout.blockBoundingRect(last).bottom()
            if page(top) != page(bottom - 1) and bottom - top <= height * 0.9:
                above = block.previous()
                _break_before(document, above if _is_heading(above) else block)
                moved += 1
            block = last.next()
            continue
        following = block.next()
        if (_is_heading(block) and following.isValid() and block != document.begin()
                and page(layout.blockBoundingRect(following).top()) > page(top)):
            _break_before(document, block)
            moved += 1
        block = following
    if moved:
        document.markContentsDirty(0, document.characterCount())
    return moved


def lay_out(document: QTextDocument, device: QPagedPaintDevice) -> QSizeF:
    """Lay ``document`` (built for ``device``) out in ``device``'s units on pages of its
    printable area less a footer; returns the size of one page of text."""
    body = QSizeF(device.width(), device.height() - FOOTER_INCHES * device.logicalDpiY())
    document.setPageSize(body)
    keep_together(document)
    return body


def paint(document: QTextDocument, device: QPagedPaintDevice, body: QSizeF) -> int:
    """Paint every page of a laid-out document on ``device``; returns the page count.

    Raises :class:`PrintFailedError` when painting cannot start on ``device``.
    """
    pages = document.pageCount()
    painter = QPainter()
    if not painter.begin(device):
        raise PrintFailedError()
    footer_font = QFont(document.defaultFont())
    footer_font.setPointSizeF(8)
    footer = QRectF(0, body.height(), body.width(), device.height() - body.height())
    try:
        for index in range(pages):
            if index:
                device.newPage()
            painter.save()
            painter.translate(0, -index * body.height())
            view = QRectF(0, index * body.height(), body.width(), body.height())
            painter.setClipRect(view)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = view
            document.documentLayout().draw(painter, context)
            painter.restore()
            painter.setFont(footer_font)
            painter.drawText(footer, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"{index + 1} / {pages}")
    finally:
        painter.end()
    return pages


def print_page(page: PrintPage, device: QPagedPaintDevice) -> int:
    """Print ``page`` on ``device`` (a QPrinter or QPdfWriter); returns the page count."""
    document = build_document(page, device)
    return paint(document, device, lay_out(document, device))
