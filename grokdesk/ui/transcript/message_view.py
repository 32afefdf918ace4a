"""One message in the transcript: role, reasoning, rendered text, error, small print, actions.

A user's message sits in a tinted bubble on the right, as wide as its text; an
answer uses the full column. The action buttons (Copy, Edit, Regenerate, Delete)
are built on first hover and shown while hovered, and always on the last
message, so a long conversation is not a wall of buttons; their row keeps its
height either way so nothing jumps. The view forwards intent as signals: the
transcript and the window decide.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QEnterEvent,
    QFont,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from grokdesk.storage.models import Message
from grokdesk.ui.colors import bubble_fill, muted_text
from grokdesk.ui.transcript.error_box import ErrorBox
from grokdesk.ui.transcript.message_body import MessageBody
from grokdesk.ui.transcript.message_editor import MessageEditor
from grokdesk.ui.transcript.message_meta import footer_text, role_label
from grokdesk.ui.transcript.reasoning_block import ReasoningBlock

BUBBLE_SHARE = 0.8
"""A user's bubble is at most this share of the column's width."""
BUBBLE_PADDING = (14, 9, 14, 9)
BUBBLE_RADIUS = 14
SMALL_PRINT_SCALE = 0.85
COPIED_FEEDBACK_MS = 1500


@functools.lru_cache(maxsize=16)
def _button_height_for(font_key: str) -> int:
    font = QFont()
    font.fromString(font_key)
    probe = QToolButton()
    probe.setFont(font)
    probe.setText("Copy")
    return probe.sizeHint().height()


def _button_height(font: QFont) -> int:
    """The height of a small action button, so the footer keeps it while buttons hide."""
    return _button_height_for(font.toString())


class _Bubble(QWidget):
    """The tinted rounded background of a user's message."""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bubble_fill(self.palette()))
        painter.drawRoundedRect(self.rect(), BUBBLE_RADIUS, BUBBLE_RADIUS)


class MessageView(QWidget):
    """Shows a :class:`Message`; the transcript feeds it a new one when it changes."""

    copied = Signal(str)
    deleteClicked = Signal(int)
    regenerateClicked = Signal()
    retryClicked = Signal()
    editSaved = Signal(int, str)

    def __init__(
        self,
        message: Message,
        *,
        dark: bool = False,
        reasoning_shown: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._message = message
        self._dark = dark
        self._reasoning_shown = reasoning_shown
        self._last = False
        self._busy = False
        self._hovered = False
        self._live = False
        self._render_pending = False
        self._natural_width: tuple[int, int] | None = None
        self.reasoning: ReasoningBlock | None = None
        self.error_box: ErrorBox | None = None
        self.editor: MessageEditor | None = None
        self._buttons: dict[str, QToolButton] = {}
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._build()
        self._apply_fonts()
        self._apply_colors()
        self._show(message)

    @property
    def message(self) -> Message:
        return self._message

    @property
    def is_user(self) -> bool:
        return self._message.role == "user"

    def button(self, name: str) -> QToolButton | None:
        """An action button by name (copy, edit, regenerate, delete), built if need be."""
        self._ensure_actions()
        return self._buttons.get(name)

    def update_message(self, message: Message) -> None:
        """Render ``message`` in full (a stored message, or a live one that finished)."""
        self._live = False
        self._message = message
        self._show(message)

    def finish_live(self, message: Message, *, keep_body: bool,
                    shown_reasoning: str | None = None) -> None:
        """The live answer ended as ``message``: show its final state.

        With ``keep_body`` the streamed rendering already shows ``message.content``
        exactly, so it stays (with its code blocks for the copy links) and only the
        small print, the error box and the reasoning summary change. Otherwise the
        full render runs from a zero timer, after the turn's bookkeeping. The reasoning
        text is set again only if it differs from ``shown_reasoning`` (what streamed).
        """
        self._live = False
        self._message = message
        self._role.setText(role_label(message))
        if keep_body:
            self.body.setVisible(bool(message.content) or self.is_user)
        else:
            self._render_pending = True
            QTimer.singleShot(0, self, self._render_if_pending)
        self._show_reasoning(message, shown=shown_reasoning)
        self._update_error()
        self._meta.setText(footer_text(message))
        self._update_actions()

    def set_last(self, last: bool) -> None:
        """Only the last message offers Regenerate / Retry and keeps its actions in view."""
        if last == self._last:
            return
        self._last = last
        if last:
            self._ensure_actions()
        self._update_actions()
        self._update_error()

    def set_busy(self, busy: bool) -> None:
        """While an answer streams, nothing may start or change another turn."""
        self._busy = busy
        self._update_actions()
        if self.error_box is not None:
            self.error_box.set_retry_enabled(not busy)

    def set_dark(self, dark: bool) -> None:
        if dark == self._dark:
            return
        self._dark = dark
        if not self._live:
            self._render_body()

    def set_reasoning_shown(self, shown: bool) -> None:
        self._reasoning_shown = shown
        if self.reasoning is not None:
            self.reasoning.set_expanded(shown)

    def copy_to_clipboard(self) -> None:
        """The whole message as Markdown, as the model wrote it."""
        QGuiApplication.clipboard().setText(self._message.content)
        self.copied.emit("Message copied")
        button = self._buttons.get("copy")
        if button is not None:
            button.setText("Copied")
            QTimer.singleShot(COPIED_FEEDBACK_MS, button, lambda: button.setText("Copy"))

    def start_edit(self) -> None:
        """Swap the text for an editor; Save & resend emits :attr:`editSaved`."""
        if self.editor is None:
            self.editor = MessageEditor(self._message.content, self)
            self.editor.saved.connect(self._edit_saved)
            self.editor.cancelled.connect(self.cancel_edit)
            self._column.insertWidget(self._column.indexOf(self._bubble_row_widget), self.editor)
        self._bubble_row_widget.hide()
        self._footer.hide()
        self.editor.show()
        self.editor.focus()

    def cancel_edit(self) -> None:
        if self.editor is not None:
            self.editor.hide()
            self.editor.deleteLater()
            self.editor = None
        self._bubble_row_widget.show()
        self._footer.show()

    def ensure_reasoning(self) -> ReasoningBlock:
        """The reasoning block, created on demand (most stored answers have one)."""
        if self.reasoning is None:
            self.reasoning = ReasoningBlock(self, expanded=self._reasoning_shown)
            self.reasoning.toggle.setFont(self._small_font())
            self._column.insertWidget(self._column.indexOf(self._bubble_row_widget), self.reasoning)
        return self.reasoning

    def begin_live(self) -> None:
        """Empty answer, "Thinking…" running, small print hidden until the end."""
        self._live = True
        self._render_pending = False
        self.body.clear_stream()
        self.body.hide()
        reasoning = self.ensure_reasoning()
        reasoning.set_text("")
        reasoning.show()
        reasoning.start_thinking()
        self._meta.setText("")
        if self.error_box is not None:
            self.error_box.hide()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), 200), hint.height())

    def enterEvent(self, event: QEnterEvent) -> None:
        self._hovered = True
        self._ensure_actions()
        self._update_actions()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hovered = False
        self._update_actions()
        super().leaveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit_bubble()
        super().resizeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self._fit_bubble()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.FontChange:
            self._apply_fonts()
            self._natural_width = None
            self._fit_bubble()
        elif kind in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_colors()
        super().changeEvent(event)

    def _build(self) -> None:
        user = self.is_user
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(4)

        self._role = QLabel(role_label(self._message), self)
        self._role.setObjectName("roleLabel")
        self._column.addWidget(
            self._role, 0, Qt.AlignmentFlag.AlignRight if user else Qt.AlignmentFlag.AlignLeft
        )

        self.body = MessageBody()
        self.body.copyCodeRequested.connect(self._copy_code)
        self._bubble_row_widget = QWidget(self)
        row = QHBoxLayout(self._bubble_row_widget)
        row.setContentsMargins(0, 0, 0, 0)
        if user:
            self._bubble: QWidget | None = _Bubble(self._bubble_row_widget)
            self._bubble.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            inner = QVBoxLayout(self._bubble)
            inner.setContentsMargins(*BUBBLE_PADDING)
            inner.addWidget(self.body)
            row.addStretch(1)
            row.addWidget(self._bubble, 100)
        else:
            self._bubble = None
            self.body.setParent(self._bubble_row_widget)
            row.addWidget(self.body)
        self._column.addWidget(self._bubble_row_widget)

        self._error_slot = QVBoxLayout()
        self._error_slot.setContentsMargins(0, 4, 0, 0)
        self._column.addLayout(self._error_slot)

        self._footer = QWidget(self)
        self._footer_row = QHBoxLayout(self._footer)
        self._footer_row.setContentsMargins(0, 0, 0, 0)
        self._footer_row.setSpacing(2)
        self._meta = QLabel(self._footer)
        self._meta.setObjectName("smallPrint")
        self._meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if user:
            self._footer_row.addStretch(1)
            self._footer_row.addWidget(self._meta)
        else:
            self._footer_row.addWidget(self._meta)
            self._footer_row.addStretch(1)
        self._column.addWidget(self._footer)

    def _ensure_actions(self) -> None:
        if self._buttons:
            return
        specs = [("copy", "Copy", "Copy the message as Markdown", self.copy_to_clipboard)]
        if self.is_user:
            specs.append(("edit", "Edit", "Edit and resend", self.start_edit))
        else:
            regenerate = self.regenerateClicked.emit
            specs.append(("regenerate", "Regenerate", "Ask again for this answer", regenerate))
        specs.append(("delete", "Delete", "Delete this message", self._delete))
        position = 1 if self.is_user else self._footer_row.count()
        small = self._small_font()
        muted = muted_text(self)
        for name, text, tip, slot in specs:
            button = QToolButton(self._footer)
            button.setObjectName(f"{name}Button")
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFont(small)
            palette = button.palette()
            palette.setColor(QPalette.ColorRole.ButtonText, muted)
            button.setPalette(palette)
            button.clicked.connect(slot)
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(name != "regenerate")
            button.setSizePolicy(policy)
            self._footer_row.insertWidget(position, button)
            position += 1
            self._buttons[name] = button
        self._update_actions()

    def _update_actions(self) -> None:
        if not self._buttons:
            return
        message = self._message
        visible = (self._hovered or self._last) and not self._live
        answer_ok = message.role == "assistant" and message.status == "complete"
        for name, button in self._buttons.items():
            shown = visible
            if name == "regenerate":
                shown = visible and self._last and answer_ok
            button.setVisible(shown)
            button.setEnabled(name == "copy" or not self._busy)

    def _show(self, message: Message) -> None:
        self._role.setText(role_label(message))
        self._render_body()
        self._show_reasoning(message)
        self._update_error()
        self._meta.setText(footer_text(message))
        self._update_actions()

    def _render_if_pending(self) -> None:
        if self._render_pending and not self._live:
            self._render_body()

    def _render_body(self) -> None:
        self._render_pending = False
        content = self._message.content
        self.body.show_markdown(content, dark=self._dark)
        self.body.setVisible(bool(content) or self.is_user)
        self._natural_width = None
        self._fit_bubble()

    def _show_reasoning(self, message: Message, *, shown: str | None = None) -> None:
        if not message.reasoning:
            if self.reasoning is not None:
                self.reasoning.hide()
            return
        reasoning = self.ensure_reasoning()
        if message.reasoning != shown:
            reasoning.set_text(message.reasoning)
        reasoning.set_summary(message.reasoning_seconds, message.reasoning_tokens)
        reasoning.show()

    def _update_error(self) -> None:
        message = self._message
        failed = message.status in ("error", "interrupted") and not self._live
        if not failed:
            if self.error_box is not None:
                self.error_box.hide()
            return
        if self.error_box is None:
            self.error_box = ErrorBox(self)
            self.error_box.retryClicked.connect(self.retryClicked)
            self._error_slot.addWidget(self.error_box)
        text = message.error or (
            "The answer was cut off." if message.status == "interrupted" else "The request failed."
        )
        self.error_box.show_error(text, severe=message.status == "error", can_retry=self._last)
        self.error_box.set_retry_enabled(not self._busy)
        self.error_box.show()

    def _fit_bubble(self) -> None:
        """Make a user's bubble as wide as its text, up to BUBBLE_SHARE of the column."""
        if self._bubble is None or not self.isVisible():
            return
        left, _, right, _ = BUBBLE_PADDING
        limit = max(80, int(self.width() * BUBBLE_SHARE))
        if self._natural_width is None or self._natural_width[0] != limit:
            natural = self.body.stable.natural_width(limit - left - right) + left + right
            self._natural_width = (limit, natural)
        self._bubble.setMaximumWidth(min(limit, self._natural_width[1]))

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, self.font().pointSizeF() * SMALL_PRINT_SCALE))
        return font

    def _apply_fonts(self) -> None:
        small = self._small_font()
        role = QFont(small)
        role.setWeight(QFont.Weight.DemiBold)
        self._role.setFont(role)
        self._meta.setFont(small)
        for button in self._buttons.values():
            button.setFont(small)
        if self.reasoning is not None:
            self.reasoning.toggle.setFont(small)
        self._footer.setFixedHeight(_button_height(small))

    def _apply_colors(self) -> None:
        muted = muted_text(self)
        for label in (self._role, self._meta):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, muted)
            palette.setColor(QPalette.ColorRole.Text, muted)
            label.setPalette(palette)
        for button in self._buttons.values():
            palette = button.palette()
            palette.setColor(QPalette.ColorRole.ButtonText, muted)
            button.setPalette(palette)

    def _copy_code(self, code: str) -> None:
        QGuiApplication.clipboard().setText(code)
        self.copied.emit("Code copied")

    def _delete(self) -> None:
        self.deleteClicked.emit(self._message.id)

    def _edit_saved(self, text: str) -> None:
        self.editSaved.emit(self._message.id, text)
