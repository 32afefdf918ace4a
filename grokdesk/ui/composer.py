"""The message box: type, send with Enter (or Ctrl+Enter), stop a running answer.

The composer never clears itself when asked to send: the window calls
:meth:`Composer.accept_sent` once the core has stored the message, so a send the
core refuses (no key, nothing to send to) leaves every typed character in place.
Drafts are kept per conversation while the user switches between them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QGuiApplication, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from grokdesk.ui.colors import mix

DraftKey = int | None
MIN_LINES = 2
MAX_LINES = 10


class MessageInput(QPlainTextEdit):
    """A plain-text box whose Enter key sends, by the user's preference."""

    submitted = Signal()
    escapePressed = Signal()
    focusChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.send_with_enter = True
        self.setTabChangesFocus(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            ctrl = mods == Qt.KeyboardModifier.ControlModifier
            plain = mods == Qt.KeyboardModifier.NoModifier
            if ctrl or (plain and self.send_with_enter):
                self.submitted.emit()
                return
            if plain or mods == Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.escapePressed.emit()
        super().keyPressEvent(event)

    def _fit_height(self) -> None:
        """Grow with the text from two lines up to ten, then scroll."""
        lines = max(MIN_LINES, min(MAX_LINES, int(self.document().size().height())))
        margins = self.contentsMargins()
        doc_margin = int(self.document().documentMargin() * 2)
        height = (lines * self.fontMetrics().lineSpacing() + doc_margin
                  + margins.top() + margins.bottom())
        if self.height() != height:
            self.setFixedHeight(height)

    def changeEvent(self, event: object) -> None:
        super().changeEvent(event)  # type: ignore[arg-type]
        self._fit_height()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focusChanged.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focusChanged.emit(False)

    def sizeHint(self) -> QSize:
        return QSize(400, self.height())


class Composer(QWidget):
    """The input and the Send/Stop button."""

    sendRequested = Signal(str)
    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._styled_with: int | None = None
        """The application palette's ``cacheKey`` the style sheet was last set from."""
        self._busy = False
        self._drafts: dict[DraftKey, str] = {}
        self._draft_key: DraftKey = None

        self.input = MessageInput(self)
        self.input.submitted.connect(self.submit)
        self.input.escapePressed.connect(self._escape)
        self.input.focusChanged.connect(self._show_focus)
        self.button = QPushButton(self)
        self.button.setObjectName("sendButton")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setDefault(False)
        self.button.setAutoDefault(False)
        self.button.setMinimumWidth(84)
        self.button.clicked.connect(self._button_clicked)

        self._frame = QFrame(self)
        self._frame.setObjectName("composerFrame")
        row = QHBoxLayout(self._frame)
        row.setContentsMargins(10, 6, 6, 6)
        row.setSpacing(8)
        row.addWidget(self.input, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 12)
        layout.setSpacing(4)
        layout.addWidget(self._frame)
        self.setFocusProxy(self.input)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.set_send_with_enter(True)
        self._update_button()
        self.restyle()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.restyle()

    def _show_focus(self, focused: bool) -> None:
        self._frame.setProperty("focused", focused)
        self._frame.style().unpolish(self._frame)
        self._frame.style().polish(self._frame)

    def restyle(self) -> None:
        """A rounded box on the page colour and an accent Send button, from the palette.

        The window calls this after a theme change too: a widget with a style sheet
        keeps the palette it was polished with, so it may not hear of the new one. With
        the palette unchanged since the last call there is nothing to do: setting the
        same sheet again polishes the composer and its children all again (and setting
        it sends the palette change that calls this again).
        """
        palette = QGuiApplication.palette()
        if palette.cacheKey() == self._styled_with:
            return
        self._styled_with = palette.cacheKey()
        role = QPalette.ColorRole
        base, text = palette.color(role.Base), palette.color(role.Text)
        accent = palette.color(role.Highlight)
        on_accent = palette.color(role.HighlightedText)
        self.setStyleSheet(f"""
            QWidget#composer {{ background: {base.name()}; }}
            QFrame#composerFrame {{
                background: {base.name()};
                border: 1px solid {mix(base, text, 0.22).name()};
                border-radius: 10px;
            }}
            QFrame#composerFrame[focused="true"] {{ border-color: {accent.name()}; }}
            QPlainTextEdit {{ background: transparent; border: none; }}
            QPushButton#sendButton {{
                background: {accent.name()}; color: {on_accent.name()};
                border: none; border-radius: 7px; padding: 6px 16px; font-weight: 600;
            }}
            QPushButton#sendButton:hover {{ background: {mix(accent, text, 0.15).name()}; }}
            QPushButton#sendButton:disabled {{
                background: {mix(base, text, 0.15).name()};
                color: {mix(base, text, 0.5).name()};
            }}
        """)

    # ---------------------------------------------------------------- preferences

    def set_send_with_enter(self, enabled: bool) -> None:
        self.input.send_with_enter = enabled
        hint = ("Enter to send, Shift+Enter for a new line" if enabled
                else "Ctrl+Enter to send, Enter for a new line")
        self.input.setPlaceholderText(f"Message the model…  ({hint})")

    def set_font_point_size(self, size: float) -> None:
        font = QFont(self.input.font())
        font.setPointSizeF(size)
        self.input.setFont(font)

    # ---------------------------------------------------------------- text

    def text(self) -> str:
        return self.input.toPlainText()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)
        self.input.moveCursor(self.input.textCursor().MoveOperation.End)

    def accept_sent(self) -> None:
        """The core took the message: clear the box."""
        self.input.clear()

    def submit(self) -> None:
        """Ask to send; ignored while an answer runs or when there is nothing to send."""
        text = self.text()
        if not self._busy and text.strip():
            self.sendRequested.emit(text)

    # ---------------------------------------------------------------- drafts

    def switch_draft(self, key: DraftKey) -> None:
        """Keep what was typed for the conversation being left; bring back ``key``'s."""
        if key == self._draft_key:
            return
        current = self.text()
        if current:
            self._drafts[self._draft_key] = current
        else:
            self._drafts.pop(self._draft_key, None)
        self._draft_key = key
        self.set_text(self._drafts.pop(key, ""))

    def rekey_draft(self, key: DraftKey) -> None:
        """The draft's conversation got an id (a new chat was stored): follow it."""
        self._draft_key = key

    def forget_draft(self, key: DraftKey) -> None:
        self._drafts.pop(key, None)

    def drafts(self) -> dict[DraftKey, str]:
        """Every unsent text, the one on screen included (for saving to disk)."""
        found = dict(self._drafts)
        found[self._draft_key] = self.text()
        return {key: text for key, text in found.items() if text.strip()}

    def load_drafts(self, drafts: dict[DraftKey, str]) -> None:
        """Take the drafts saved last time; the current conversation's goes in the box."""
        self._drafts = dict(drafts)
        current = self._drafts.pop(self._draft_key, None)
        if current is not None and not self.text():
            self.set_text(current)

    def give_back(self, key: DraftKey, text: str) -> None:
        """Return unsent text (the service was unreachable) to ``key``'s draft, unless
        something new was typed there meanwhile."""
        if key == self._draft_key:
            if not self.text().strip():
                self.set_text(text)
        elif not self._drafts.get(key, "").strip():
            self._drafts[key] = text

    @property
    def draft_key(self) -> DraftKey:
        return self._draft_key

    # ---------------------------------------------------------------- busy state

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        """While an answer runs the button stops it; typing goes on."""
        self._busy = busy
        self._update_button()

    def _update_button(self) -> None:
        if self._busy:
            self.button.setText("Stop")
            self.button.setToolTip("Stop the answer (Esc); what arrived is kept")
        else:
            self.button.setText("Send")
            self.button.setToolTip("Send the message")

    def _button_clicked(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self.submit()

    def _escape(self) -> None:
        if self._busy:
            self.stopRequested.emit()
