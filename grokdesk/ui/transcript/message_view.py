"""One message in the transcript: role, reasoning, rendered text, error, small print, actions.

The view stacks those parts (the text in a :class:`BodyRow`, the small print and the
buttons in a :class:`MessageFooter`) and decides what each shows: the actions while
hovered, and always on the last message; Regenerate and Retry only there; nothing
that starts a turn while an answer streams. It forwards intent as signals: the
transcript and the window decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QEnterEvent, QFont, QGuiApplication, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from grokdesk.chat.records import Message
from grokdesk.ui.colors import muted_text
from grokdesk.ui.transcript.body_row import BodyRow
from grokdesk.ui.transcript.message_body import MessageBody
from grokdesk.ui.transcript.message_footer import MessageFooter
from grokdesk.ui.transcript.message_meta import footer_text, role_label
from grokdesk.ui.transcript.reasoning_block import ReasoningBlock

if TYPE_CHECKING:  # built when first needed: most messages never show either
    from grokdesk.ui.transcript.error_box import ErrorBox
    from grokdesk.ui.transcript.message_editor import MessageEditor

SMALL_PRINT_SCALE = 0.85


class MessageView(QWidget):
    """Shows a :class:`Message`; the transcript feeds it a new one when it changes."""

    copied = Signal(str)
    deleteClicked = Signal(int)
    regenerateClicked = Signal()
    retryClicked = Signal()
    editSaved = Signal(int, str)
    versionPicked = Signal(int)
    forkClicked = Signal(int)
    regenerateWithClicked = Signal()
    compareClicked = Signal(int)

    def __init__(
        self,
        message: Message,
        *,
        dark: bool = False,
        reasoning_shown: bool = True,
        width: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if width is not None:
            self.resize(width, self.height())
        self._message = message
        self._dark = dark
        self._reasoning_shown = reasoning_shown
        self._last = False
        self._busy = False
        self._hovered = False
        self._live = False
        self._render_pending = False
        self.reasoning: ReasoningBlock | None = None
        self.error_box: ErrorBox | None = None
        self.editor: MessageEditor | None = None
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
        return self._footer.button(name)

    @property
    def versions(self) -> tuple[int, ...]:
        """Every version at this message's place (oldest first); one: no other version."""
        switch = self._footer.versions
        return switch.versions if switch is not None else (self._message.id,)

    @property
    def footer(self) -> MessageFooter:
        return self._footer

    def set_versions(self, versions: tuple[int, ...]) -> None:
        """Show ``‹ i/n ›`` when the message has other versions."""
        self._footer.set_versions(versions, self._message.id, self)
        self._update_actions()

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
        self._footer.meta.setText(footer_text(message))
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
        self._footer.flash_copied()

    def start_edit(self) -> None:
        """Swap the text for an editor; Save & resend emits :attr:`editSaved`."""
        if self.editor is None:
            from grokdesk.ui.transcript.message_editor import MessageEditor

            self.editor = MessageEditor(self._message.content, self)
            self.editor.saved.connect(self._edit_saved)
            self.editor.cancelled.connect(self.cancel_edit)
            self._column.insertWidget(self._column.indexOf(self._body_row), self.editor)
        self._body_row.hide()
        self._footer.hide()
        self.editor.show()
        self.editor.focus()

    def cancel_edit(self) -> None:
        if self.editor is not None:
            self.editor.hide()
            self.editor.deleteLater()
            self.editor = None
        self._body_row.show()
        self._footer.show()

    def ensure_reasoning(self) -> ReasoningBlock:
        """The reasoning block, created on demand (most stored answers have one)."""
        if self.reasoning is None:
            self.reasoning = ReasoningBlock(self, expanded=self._reasoning_shown)
            self.reasoning.toggle.setFont(self._small_font())
            self._column.insertWidget(self._column.indexOf(self._body_row), self.reasoning)
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
        self._footer.meta.setText("")
        if self.error_box is not None:
            self.error_box.hide()

    def sizeHint(self) -> QSize:
        """As tall as the message is at its own width: Qt's default asks for the height
        at the hint's width, one more layout of every text for a size never used."""
        hint = self._column.sizeHint()
        return QSize(max(hint.width(), 200), self.heightForWidth(self.width()))

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
            self._body_row.text_changed()
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
        self._body_row = BodyRow(self.body, user=user, parent=self)
        self._column.addWidget(self._body_row)

        self._error_slot = QVBoxLayout()
        self._error_slot.setContentsMargins(0, 4, 0, 0)
        self._column.addLayout(self._error_slot)

        self._footer = MessageFooter(user=user, parent=self)
        self._footer.copyClicked.connect(self.copy_to_clipboard)
        self._footer.editClicked.connect(self.start_edit)
        self._footer.regenerateClicked.connect(self.regenerateClicked)
        self._footer.deleteClicked.connect(self._delete)
        self._footer.versionPicked.connect(self.versionPicked)
        self._footer.forkClicked.connect(lambda: self.forkClicked.emit(self._message.id))
        self._footer.regenerateWithClicked.connect(self.regenerateWithClicked)
        self._footer.compareClicked.connect(lambda: self.compareClicked.emit(self._message.id))
        self._column.addWidget(self._footer)

    def _ensure_actions(self) -> None:
        if self._footer.build_buttons(self._small_font(), muted_text(self)):
            self._update_actions()

    def _update_actions(self) -> None:
        message = self._message
        visible = (self._hovered or self._last) and not self._live
        answer_ok = message.role == "assistant" and message.status == "complete"
        self._footer.set_actions(shown=visible, regenerate=visible and self._last and answer_ok,
                                 busy=self._busy)

    def _show(self, message: Message) -> None:
        self._role.setText(role_label(message))
        self._render_body()
        self._show_reasoning(message)
        self._update_error()
        self._footer.meta.setText(footer_text(message))
        self._update_actions()

    def _render_if_pending(self) -> None:
        if self._render_pending and not self._live:
            self._render_body()

    def _render_body(self) -> None:
        self._render_pending = False
        content = self._message.content
        self.body.show_markdown(content, dark=self._dark)
        shown = bool(content) or self.is_user
        if self.body.isVisibleTo(self) != shown:  # showing it again lays it out at once
            self.body.setVisible(shown)
        self._body_row.text_changed()
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
        if not reasoning.isVisibleTo(self):
            reasoning.show()

    def _update_error(self) -> None:
        message = self._message
        failed = message.status in ("error", "interrupted") and not self._live
        if not failed:
            if self.error_box is not None:
                self.error_box.hide()
            return
        if self.error_box is None:
            from grokdesk.ui.transcript.error_box import ErrorBox

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
        if self.isVisible():
            self._body_row.fit(self.width())

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, self.font().pointSizeF() * SMALL_PRINT_SCALE))
        return font

    def _apply_fonts(self) -> None:
        small = self._small_font()
        role = QFont(small)
        role.setWeight(QFont.Weight.DemiBold)
        self._role.setFont(role)
        self._footer.apply_font(small)
        if self.reasoning is not None:
            self.reasoning.toggle.setFont(small)

    def _apply_colors(self) -> None:
        muted = muted_text(self)
        palette = self._role.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        palette.setColor(QPalette.ColorRole.Text, muted)
        self._role.setPalette(palette)
        self._footer.apply_color(muted)

    def _copy_code(self, code: str) -> None:
        QGuiApplication.clipboard().setText(code)
        self.copied.emit("Code copied")

    def _delete(self) -> None:
        self.deleteClicked.emit(self._message.id)

    def _edit_saved(self, text: str) -> None:
        self.editSaved.emit(self._message.id, text)
