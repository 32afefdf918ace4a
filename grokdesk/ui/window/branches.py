"""Versions of messages in the window: switch, fork, compare, regenerate with, delete.

Conversations are trees. This presenter turns what the user asks for on a message
(its ``‹ 2/3 ›`` switch, its More menu, its Delete button, the Conversation menu, a
search hit) into calls on the controller; what the core changed comes back as a
:class:`Changes` that :class:`OpenChat` shows (``paths``: the new active path, never
read again). Deleting a message takes its subtree after the user confirmed it, and
the bar under the chat offers Undo for a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, cast

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from grokdesk.chat.records import DeletedSubtree, Message
from grokdesk.ui.actions import WindowActions
from grokdesk.ui.chat_controller import ChatController
from grokdesk.ui.colors import is_dark
from grokdesk.ui.sidebar.sidebar import ConversationSidebar
from grokdesk.ui.transcript.transcript import Transcript
from grokdesk.ui.undo_bar import UNDO_SECONDS, UndoBar
from grokdesk.ui.window.open_chat import OpenChat
from grokdesk.ui.window.sending import Sending


def subtree_size(messages: tuple[Message, ...], message_id: int) -> int:
    """How many messages deleting ``message_id`` takes: itself and all below it."""
    children: dict[int | None, list[int]] = {}
    for message in messages:
        children.setdefault(message.parent_id, []).append(message.id)
    count, todo = 0, [message_id]
    while todo:
        count += 1
        todo.extend(children.get(todo.pop(), ()))
    return count


def delete_question(count: int) -> str:
    if count == 1:
        return "Delete this message?"
    return (f"Delete this message and the {count - 1} "
            f"{'message' if count == 2 else 'messages'} below it, on every branch "
            f"({count} in all)?")


class Branches(QObject):
    """The window's side of message versions (see the module docstring)."""

    def __init__(self, *, window: QWidget, controller: ChatController, chat: OpenChat,
                 sending: Sending, transcript: Transcript, sidebar: ConversationSidebar,
                 undo_bar: UndoBar, actions: WindowActions,
                 open_dialog: Callable[[QDialog], None],
                 notify: Callable[[str], None]) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.chat = chat
        self.sending = sending
        self.transcript = transcript
        self.sidebar = sidebar
        self.undo_bar = undo_bar
        self.actions = actions
        self._open_dialog = open_dialog
        self._notify = notify
        self._deleted: DeletedSubtree | None = None
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self.forget_undo)
        undo_bar.undoClicked.connect(self.undo_delete)
        transcript.branchRequested.connect(self.switch)
        transcript.forkRequested.connect(self.fork)
        transcript.compareRequested.connect(self.compare)
        transcript.regenerateWithRequested.connect(self.regenerate_with)
        transcript.deleteRequested.connect(self.ask_delete)
        actions.fork.triggered.connect(lambda: self._on_last(self.fork))
        actions.compare.triggered.connect(lambda: self._on_last(self.compare))
        actions.regenerate_with.triggered.connect(self.regenerate_with)
        sidebar.conversationSelected.connect(self.show_search_hit)
        controller.busyChanged.connect(self._busy_changed)
        self._busy_changed(controller.busy)

    def _busy_changed(self, busy: bool) -> None:
        self.actions.regenerate_with.setEnabled(not busy)

    def _on_last(self, step: Callable[[int], None]) -> None:
        """A Conversation menu entry: on the last message shown."""
        messages = self.transcript.messages
        if messages:
            step(messages[-1].id)

    # ---------------------------------------------------------------- versions

    def switch(self, message_id: int) -> None:
        """Show another version of a message: the path through it, down to its newest
        leaf; the keyboard focus stays on that message's switch."""
        had_focus = self._focus_in_transcript()
        if self.controller.select_branch(message_id) is None:
            return
        self.transcript.reveal(message_id)
        view = self.transcript.view_for(message_id)
        switch = view.footer.versions if view is not None else None
        if had_focus and switch is not None:
            (switch.next if switch.next.isEnabled() else switch.previous).setFocus()

    def _focus_in_transcript(self) -> bool:
        widget = QApplication.focusWidget()
        return widget is not None and self.transcript.isAncestorOf(widget)

    def show_search_hit(self, conversation_id: int) -> None:
        """A search hit was opened: when its message is on another branch, switch to it."""
        message_id = self.sidebar.model.hit_message(conversation_id)
        if message_id is None or self.chat.current_id != conversation_id:
            return
        if all(m.id != message_id for m in self.transcript.messages):
            self.controller.select_branch(message_id)
        self.transcript.reveal(message_id)

    def compare(self, message_id: int) -> None:
        """The versions at that message's place side by side; picking one switches."""
        view = self.transcript.view_for(message_id)
        current = self.chat.current_id
        if view is None or current is None or len(view.versions) < 2:
            self._notify("This message has no other version to compare")
            return
        from grokdesk.ui.dialogs.compare import CompareDialog

        wanted = set(view.versions)
        versions = [m for m in self.controller.tree(current).messages if m.id in wanted]
        dialog = CompareDialog(versions, message_id, dark=is_dark(self.window.palette()),
                               parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.picked.connect(self.switch)
        self._open_dialog(dialog)

    def fork(self, message_id: int) -> None:
        """Copy the path up to that message into a new chat, and open it."""
        changes = self.controller.fork(message_id)
        if changes is None or not changes.created:
            return
        self.chat.open(next(iter(changes.created)))
        self._notify("Forked into a new chat")

    def regenerate_with(self) -> None:
        """Ask which model and effort, then regenerate the last answer with them."""
        current = self.chat.current
        if current is None or self.controller.busy:
            return
        from grokdesk.ui.dialogs.regenerate_with import RegenerateWithDialog

        profile = self.controller.profile_for(current)
        dialog = RegenerateWithDialog(profile.name, self.controller.model_for(current),
                                      self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.modelsWanted.connect(self.controller.checks.fetch_models)
        self.controller.checks.modelsFetched.connect(dialog.set_models)
        dialog.chosen.connect(self._regenerate)
        self._open_dialog(dialog)
        dialog.request_models()

    def _regenerate(self, model: str, effort: str) -> None:
        self.sending.regenerate(model=model or None, reasoning_effort=cast(
            Literal["low", "high"] | None, effort or None))

    # ---------------------------------------------------------------- delete

    def ask_delete(self, message_id: int) -> None:
        """Confirm, saying how many messages go, then delete the subtree (with Undo)."""
        current = self.chat.current_id
        if current is None:
            return
        count = subtree_size(self.controller.tree(current).messages, message_id)
        box = QMessageBox(QMessageBox.Icon.Question, "Delete message",
                          delete_question(count),
                          QMessageBox.StandardButton.Cancel, self.window)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setInformativeText(f"You can undo it for {UNDO_SECONDS} seconds.")
        box.setObjectName("deleteMessageBox")
        box.buttonClicked.connect(
            lambda button: self.delete(message_id) if button is delete else None)
        self._open_dialog(box)

    def delete(self, message_id: int) -> None:
        changes = self.controller.delete_message(message_id)
        if changes is None or changes.deleted is None:
            return
        self._deleted = changes.deleted
        count = len(changes.deleted.messages)
        self.undo_bar.show_text(f"Deleted {count} {'message' if count == 1 else 'messages'}")
        self._undo_timer.start()

    def undo_delete(self) -> None:
        deleted, self._deleted = self._deleted, None
        self.forget_undo()
        if deleted is not None and self.controller.restore_messages(deleted) is not None:
            self._notify("Restored")

    def forget_undo(self) -> None:
        """The offer ends (timed out, used, or the window quits)."""
        self._undo_timer.stop()
        self._deleted = None
        self.undo_bar.hide()
