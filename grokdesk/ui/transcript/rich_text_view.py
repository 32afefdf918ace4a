"""A read-only rich-text view for untrusted model output that sizes to its content.

Each message is laid out by the transcript's scroll area, so the view itself never
scrolls: it reports a height for any width (height-for-width) and hides its
scroll bars. It never loads anything: ``loadResource`` is called for every image
on every repaint, so it answers at once with nothing unless the URL is one of
the app's own compiled-in resources. Links never navigate inside the view; a
click is turned into a copy request or handed to :mod:`grokdesk.ui.transcript.links`.
"""

from __future__ import annotations

import itertools
import math
import re

from PySide6.QtCore import QEvent, QMimeData, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from grokdesk.render.fold import BREAKS, FOLD_MARK, fold_cuts
from grokdesk.ui.colors import muted_text
from grokdesk.ui.transcript import links, math_images
from grokdesk.ui.transcript.guarded_document import (
    IMAGE_RESOURCE,
    GuardedDocument,
    is_app_resource,
    parse_html,
    refused,
)

LIVE_BLOCK = 1024
"""Characters of one line appended to a block before a continuation block starts."""
CONTINUES_LINE = int(QTextBlockFormat.Property.UserProperty.value) + 1
"""Block property: this block is the same line as the one before (a fold, not a newline)."""
_RUN_RE = re.compile(f"[^{BREAKS}]*")
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


def _is_blank(document: QTextDocument) -> bool:
    """Nothing at all: no text, no table, no rule (``isEmpty`` only looks at the text)."""
    return (
        document.characterCount() <= 1
        and not document.rootFrame().childFrames()
        and not document.begin().blockFormat().properties()
    )


def unfold(document: QTextDocument) -> None:
    """Remove the folds from ``document``: bare zero-width spaces and continuation breaks
    (the text's own zero-width spaces are kept: they come in small caps)."""
    removals: list[tuple[int, int]] = []
    block = document.begin()
    while block.isValid():
        if block.blockFormat().boolProperty(CONTINUES_LINE) and block.position() > 0:
            removals.append((block.position() - 1, 1))
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            text = fragment.text()
            small_caps = QFont.Capitalization.SmallCaps
            if FOLD_MARK in text and fragment.charFormat().fontCapitalization() != small_caps:
                position, seen = fragment.position(), 0
                for index, char in enumerate(text):
                    if char == FOLD_MARK:
                        position += _utf16_length(text[seen:index])
                        seen = index
                        removals.append((position, 1))
            fragments += 1
        block = block.next()
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    for position, length in reversed(removals):
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
    cursor.endEditBlock()


def _utf16_length(text: str) -> int:
    """Length in Qt's positions (UTF-16 code units), not in Python characters."""
    return len(text) + len(_ASTRAL_RE.findall(text))


def _insert_text(cursor: QTextCursor, text: str, fmt: QTextCharFormat) -> None:
    """Insert ``text``; its own zero-width spaces go in small caps, to tell them from folds."""
    if FOLD_MARK not in text:
        cursor.insertText(text, fmt)
        return
    kept = QTextCharFormat(fmt)
    kept.setFontCapitalization(QFont.Capitalization.SmallCaps)
    for index, part in enumerate(text.split(FOLD_MARK)):
        if index:
            cursor.insertText(FOLD_MARK, kept)
        cursor.insertText(part, fmt)


class TextHolder(QWidget):
    """A widget whose layout holds text views.

    Its size hint is its layout's, without the height at the hint's width that Qt adds:
    that is a full layout of every text at a width (the texts' 200-pixel floor) the
    holder is never shown at; layouts take the height from ``heightForWidth``.
    """

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()


class RichTextView(QTextBrowser):
    """Shows one piece of rendered HTML; text is selectable, links are policed.

    ``muted`` draws the text in a dimmer colour taken from the palette (for reasoning).
    """

    copyCodeRequested = Signal(int)
    linkRejected = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None, *, muted: bool = False) -> None:
        super().__init__(parent)
        self._muted = muted
        self._in_palette_update = False
        self._hfw_cache: dict[int, int] = {}
        self._laid_out = False
        self.setDocument(GuardedDocument(self))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        document = self.document()
        document.setUndoRedoEnabled(False)
        document.setDocumentMargin(0)
        document.contentsChanged.connect(self._content_changed)
        self.anchorClicked.connect(self._on_anchor)
        self._update_palette()

    def loadResource(self, type: int, name: QUrl | str) -> object:
        """Nothing from the network or the disk: only the app's own resources.

        The document asks here only for those; QTextBrowser itself may ask for others.
        """
        if type == IMAGE_RESOURCE and math_images.is_math(name):
            return math_images.image(name)
        if is_app_resource(name):
            return super().loadResource(type, QUrl(name) if isinstance(name, str) else name)
        return refused(type)

    def show_html(self, html: str) -> None:
        """Replace the content with ``html``, parsed by the view's guarded document."""
        self.setHtml(html)

    def append_html(self, html: str) -> None:
        """Add finished blocks at the end, laying out only the new text.

        Inserting HTML merges its first block into the block at the cursor, which would
        lose that block's format (margins, alignment) or leave a stray empty paragraph
        before a list or table; so the chunk is inserted into a fresh block that then
        takes the chunk's own first format, or is dropped when nothing merged into it.
        """
        document = self.document()
        if _is_blank(document):
            document.setHtml(html)
            return
        chunk = parse_html(html)
        cursor = QTextCursor(document)
        cursor.beginEditBlock()  # one layout of the new text, not one per edit
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        joint = cursor.position()
        cursor.insertFragment(QTextDocumentFragment(chunk))
        block = document.findBlock(joint)
        cursor.setPosition(block.position())
        if block.length() <= 1 and block.next().isValid():
            cursor.deletePreviousChar()
        else:
            first = chunk.begin()
            block_format = first.blockFormat()
            block_format.setObjectIndex(-1)
            cursor.setBlockFormat(block_format)
            cursor.setBlockCharFormat(first.charFormat())
        cursor.endEditBlock()

    def set_plain(self, text: str) -> None:
        """Replace the content with plain text, folded as :meth:`append_plain` folds it."""
        self.clear()
        self.append_plain(text)

    def append_plain(self, text: str, char_format: QTextCharFormat | None = None) -> None:
        """Add plain text at the end, folded (the reasoning stream, a long unfinished line)."""
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        fmt = QTextCharFormat(cursor.charFormat() if char_format is None else char_format)
        fmt.clearProperty(QTextFormat.Property.FontCapitalization)  # small caps mark kept text
        cursor.beginEditBlock()  # one layout pass for the whole text, not one per piece
        for number, line in enumerate(text.split("\n")):
            if number:
                block_format = cursor.blockFormat()
                block_format.clearProperty(CONTINUES_LINE)
                cursor.insertBlock(block_format, fmt)
            self._append_line(cursor, line, fmt)
        cursor.endEditBlock()

    def _append_line(self, cursor: QTextCursor, line: str, fmt: QTextCharFormat) -> None:
        shown = cursor.block().text()
        run = _RUN_RE.match(shown[::-1])
        cuts, _ = fold_cuts(line, len(run.group()) if run else 0)
        used = len(shown)
        for number, (start, end) in enumerate(itertools.pairwise([0, *cuts, len(line)])):
            if number and used < LIVE_BLOCK:
                cursor.insertText(FOLD_MARK, fmt)
                used += 1
            piece = line[start:end]
            while used + len(piece) > LIVE_BLOCK:
                room = max(0, LIVE_BLOCK - used)
                _insert_text(cursor, piece[:room], fmt)
                block_format = cursor.blockFormat()
                block_format.setProperty(CONTINUES_LINE, True)
                cursor.insertBlock(block_format, fmt)
                piece = piece[room:]
                used = 0
            _insert_text(cursor, piece, fmt)
            used += len(piece)

    def createMimeDataFromSelection(self) -> QMimeData:
        """The selection without our folds and with math as its LaTeX: what the model
        wrote, not how it was wrapped or typeset."""
        data = QMimeData()
        selection = self.textCursor()
        if not selection.hasSelection():
            return data
        copy = GuardedDocument()
        QTextCursor(copy).insertFragment(selection.selection())
        unfold(copy)
        math_images.show_sources(copy)
        whole = QTextCursor(copy)
        whole.select(QTextCursor.SelectionType.Document)
        fragment = whole.selection()
        data.setText(fragment.toPlainText())
        data.setHtml(fragment.toHtml())
        return data

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """The height the whole document needs at ``width``: the view never scrolls.

        Re-wrapping is a full layout of the document, so once laid out a view is
        measured only at the width it has; other widths (a layout trying the width with
        and without a scroll bar) get that height as an estimate, corrected if the
        width really changes.
        """
        cached = self._hfw_cache.get(width)
        if cached is not None:
            return cached
        current = self.width()
        if self._laid_out and width != current:
            return self.heightForWidth(current)
        horizontal, vertical = self._chrome()
        height = math.ceil(self._measure(max(1, width - horizontal))) + vertical
        if len(self._hfw_cache) > 8:
            self._hfw_cache.clear()
        self._hfw_cache[width] = height
        return height

    def sizeHint(self) -> QSize:
        """Cheap: layouts ask :meth:`heightForWidth` for the real height."""
        document = self.document()
        horizontal, vertical = self._chrome()
        width = max(self.width(), 200)
        if document.textWidth() == width - horizontal:
            height = math.ceil(document.size().height())
        else:
            height = self.fontMetrics().lineSpacing()
        return QSize(width, height + vertical)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, 0)

    def natural_width(self, limit: int) -> int:
        """The width the text needs when it may be up to ``limit`` wide (for bubbles)."""
        horizontal = self._chrome()[0]
        ideal = self._measure(max(1, limit - horizontal), ideal=True)
        return math.ceil(ideal) + horizontal + 2

    def _measure(self, text_width: int, *, ideal: bool = False) -> float:
        """Lay the document out at ``text_width``; its height, or with ``ideal`` its used width.

        Setting a text width lays out the whole document even when the width is the
        same, hence the checks. Once the view has a size, the document is laid out at
        its viewport's width again afterwards, and the layout's signals are blocked
        meanwhile: QTextEdit would re-wrap the document to its viewport at once,
        undoing the measurement before it is read. (``idealWidth`` visits every line,
        so only bubbles ask for it.)
        """
        document = self.document()
        layout = document.documentLayout()
        # The viewport's width. Asking Qt for the viewport itself would hand Python its
        # first Qt-made widget, and PySide would load every widget class (own_viewport.py).
        shown = self.maximumViewportSize().width()
        was_blocked = layout.blockSignals(True)
        try:
            if document.textWidth() != text_width:
                document.setTextWidth(text_width)
            measured = document.idealWidth() if ideal else document.size().height()
            if self._laid_out and shown > 0 and document.textWidth() != shown:
                document.setTextWidth(shown)
        finally:
            layout.blockSignals(was_blocked)
        return measured

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._laid_out = True
        if event.size().width() != event.oldSize().width():
            self._hfw_cache.clear()
            self.updateGeometry()

    def _chrome(self) -> tuple[int, int]:
        """Horizontal and vertical space taken by the frame and viewport margins."""
        frame = self.contentsMargins()
        viewport = self.viewportMargins()
        return (
            frame.left() + frame.right() + viewport.left() + viewport.right(),
            frame.top() + frame.bottom() + viewport.top() + viewport.bottom(),
        )

    def changeEvent(self, event: QEvent) -> None:
        kind = event.type()
        if kind in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._update_palette()
        elif kind == QEvent.Type.FontChange:
            self._content_changed()
        super().changeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Let the transcript scroll: this view has nothing to scroll itself."""
        event.ignore()

    def _update_palette(self) -> None:
        if self._in_palette_update:
            return
        self._in_palette_update = True
        try:
            palette = self.palette()
            palette.setColor(QPalette.ColorRole.Base, QColor(Qt.GlobalColor.transparent))
            if self._muted:
                palette.setColor(QPalette.ColorRole.Text, muted_text(self))
            self.setPalette(palette)
        finally:
            self._in_palette_update = False

    def _content_changed(self) -> None:
        self._hfw_cache.clear()
        self.updateGeometry()

    def _on_anchor(self, url: QUrl) -> None:
        index = links.copy_index(url)
        if index is not None:
            self.copyCodeRequested.emit(index)
        elif not links.open_external(url):
            self.linkRejected.emit(url)
