"""The main window: the composition root of the desktop face.

It lays out the sidebar, the chat pane, the composer and the status bar, hands each
concern to its presenter (drafts, view options, dialogs, transfers, outside changes,
plain-http consent) and routes what the chat core reports: a :class:`Changes` goes to
the sidebar, the transcript and the status bar, the live signals to the transcript.
It decides which conversation is on screen. A new chat is a draft (no history row)
until its first message is stored, so New chat never leaves empty conversations.

It is built in stages (``grokdesk.app``): the frame (:class:`WindowFrame`: layout,
menus, status bar, the sidebar's first page) needs plain Qt only and is painted first;
the newest conversation, read straight from the history (:meth:`MainWindow.show_opening`),
is painted next; :meth:`MainWindow.attach` then adds the chat controller and every
presenter, which bring the chat core and asyncio with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication

from grokdesk.chat.records import Conversation
from grokdesk.config import Settings
from grokdesk.ui.drafts import DraftStore
from grokdesk.ui.next_paint import after_next_paint
from grokdesk.ui.window import NEW_CHAT_TITLE, window_state
from grokdesk.ui.window.frame import FrameParts, WindowFrame
from grokdesk.ui.window.opening import Opening, versions_of

if TYPE_CHECKING:
    from grokdesk.secrets import KeyStore
    from grokdesk.ui.chat_controller import ChatController
    from grokdesk.ui.transcript.stored_renders import StoredRenders

__all__ = ["APP_TITLE", "ChatParts", "FrameParts", "MainWindow", "window_title"]

APP_TITLE = "grokdesk"


@dataclass
class ChatParts:
    """What every later action needs (:meth:`MainWindow.attach`)."""

    controller: ChatController
    keys: KeyStore
    config_path: Path
    drafts: DraftStore | None = None
    renders: StoredRenders | None = None
    """Where the last messages' renders are written at quit, for the next start."""


def window_title(conversation: Conversation | None) -> str:
    return f"{conversation.title if conversation else NEW_CHAT_TITLE} — {APP_TITLE}"


class MainWindow(WindowFrame):
    """The app's one window. ``quitRequested`` asks the app to shut down in order."""

    quitRequested = Signal()
    newestPainted = Signal()
    """The conversation the window opened with (:meth:`show_opening`) is on screen."""
    _attached = False
    """Until :meth:`attach`, the frame alone: nothing to quit, look for or send."""
    _opening: Opening | None = None
    """Shown by :meth:`show_opening`, until :meth:`attach` hands it to the chat."""
    _opening_painted = False
    _closing = False
    _renders: StoredRenders | None = None

    def attach(self, parts: ChatParts) -> None:
        """Add the chat: the controller, the presenters, the menus' slots. The core takes
        over the conversation :meth:`show_opening` showed (None: a new chat)."""
        from grokdesk.ui.window.branches import Branches
        from grokdesk.ui.window.dialog_launcher import DialogLauncher
        from grokdesk.ui.window.draft_keeper import DraftKeeper
        from grokdesk.ui.window.open_chat import OpenChat
        from grokdesk.ui.window.outside_changes import OutsideChanges
        from grokdesk.ui.window.sending import Sending
        from grokdesk.ui.window.transfer_flow import TransferFlow

        self.controller = parts.controller
        self._renders = parts.renders
        self.parts.conversations.set_source(parts.controller)
        self.sidebar.finish()
        self.drafts = DraftKeeper(self.composer, parts.drafts or DraftStore(), self)
        self.chat = OpenChat(
            controller=self.controller, conversations=self.parts.conversations,
            sidebar=self.sidebar, transcript=self.transcript, composer=self.composer,
            status=self.status, actions=self.actions_, drafts=self.drafts,
            set_title=lambda conversation: self.setWindowTitle(window_title(conversation)),
            parent=self)
        self.dialogs = DialogLauncher(
            self, controller=self.controller, keys=parts.keys, config_path=parts.config_path,
            icon=self.parts.icon, actions=self.actions_, focus_fallback=self.composer.input,
            notify=self.notify, settings_saved=self.apply_settings,
            changed=self.chat.update_chrome)
        self.transfer_flow = TransferFlow(
            self.controller.service, self, open_dialog=self.dialogs.open, notify=self.notify,
            reasoning_shown=self.actions_.show_reasoning.isChecked)
        self.sending = Sending(controller=self.controller, chat=self.chat,
                               composer=self.composer, drafts=self.drafts,
                               insecure_banner=self.insecure_banner, notify=self.notify,
                               parent=self)
        self._connect()
        # After _connect: a search hit's branch is chosen once its conversation is open.
        self.branches = Branches(
            window=self, controller=self.controller, chat=self.chat, sending=self.sending,
            transcript=self.transcript, sidebar=self.sidebar, undo_bar=self.message_undo,
            actions=self.actions_, open_dialog=self.dialogs.open, notify=self.notify)
        self._attached = True
        self.chat.adopt(self._opening)
        self._opening = None
        self.outside = OutsideChanges(self.controller, self.chat.show_outside_changes, self)
        if self._opening_painted:
            QTimer.singleShot(0, self._greet)
        else:
            self.newestPainted.connect(self._greet, Qt.ConnectionType.SingleShotConnection)

    def show_opening(self, opening: Opening | None) -> None:
        """Show the conversation the window opens with (None: the new-chat draft), read
        before the chat is attached; ``newestPainted`` says when it is on screen."""
        self._opening = opening
        self.setWindowTitle(window_title(opening.conversation if opening is not None else None))
        if opening is not None:
            self.transcript.set_messages(opening.path.messages, versions_of(opening.path))
            self.sidebar.set_current(opening.conversation.id)
        after_next_paint(self.transcript, self._opening_on_screen)

    def _opening_on_screen(self) -> None:
        self._opening_painted = True
        self.newestPainted.emit()

    def _connect(self) -> None:
        a, c, d, t, s = (self.actions_, self.controller, self.dialogs, self.transfer_flow,
                         self.sending)
        for action, slot in (
                (a.new_chat, self.new_chat), (a.quit, self.quitRequested.emit),
                (a.preferences, d.show_preferences), (a.find, self.find_conversations),
                (a.edit_last, self.transcript.start_edit_last), (a.regenerate, s.regenerate),
                (a.stop, c.stop), (a.rename, self.rename_current), (a.pin, self.toggle_pin),
                (a.delete, self.delete_current), (a.suggest_title, s.suggest_title),
                (a.settings, lambda: d.show_conversation_settings(self.chat.current)),
                (a.shortcuts, d.show_shortcuts), (a.about, d.show_about),
                (a.export_conversation, lambda: t.ask_export(self.chat.current)),
                (a.export_pdf, lambda: t.ask_export_pdf(self.chat.current)),
                (a.print_, lambda: t.ask_print(self.chat.current)),
                (a.export_all, t.ask_export_all), (a.import_, t.ask_import),
                (a.copy, lambda: self._on_focus_widget("copy")),
                (a.select_all, lambda: self._on_focus_widget("selectAll"))):
            action.triggered.connect(slot)
        self.sidebar.exportRequested.connect(
            lambda conversation_id: t.ask_export(self.parts.conversations.conversation(
                conversation_id) or self.controller.conversation(conversation_id)))
        self.sidebar.conversationSelected.connect(self.open_conversation)
        self.sidebar.newChatRequested.connect(self.new_chat)
        self.sidebar.deleted.connect(self._conversation_deleted)
        self.composer.stopRequested.connect(c.stop)
        self.transcript.regenerateRequested.connect(s.regenerate)
        self.transcript.retryRequested.connect(s.regenerate)
        self.transcript.editRequested.connect(
            lambda message_id, text: c.edit(message_id, text, self.current_id))
        self.transcript.copied.connect(self.notify)
        c.onlineChanged.connect(
            lambda online: self.status.online.show_online(online, c.offline_host))
        c.keyMissing.connect(d.show_welcome)
        c.notice.connect(self.notify)

    @property
    def settings(self) -> Settings:
        """The core's settings once attached (Preferences change them there)."""
        return self.controller.service.settings if self._attached else super().settings

    # ---------------------------------------------------------------- Qt events

    def _greet(self) -> None:
        """Ask for a key, or get the connection ready once the user starts typing: a
        window that is only read never loads the network stack."""
        if self.controller.needs_key():
            QTimer.singleShot(0, self.dialogs.show_welcome)
        else:
            self.composer.input.textChanged.connect(
                self.controller.warm_up, Qt.ConnectionType.SingleShotConnection)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.sync_external_changes()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window quits, in the app's order (see ``grokdesk.app``)."""
        if self._closing:
            window_state.save(self)
            event.accept()
            return
        event.ignore()
        self.quitRequested.emit()

    def prepare_to_quit(self) -> None:
        """Last writes before the history closes: a pending delete, drafts, window state;
        the offer to undo a message delete ends."""
        self.outside.stop()
        self.sidebar.commit_delete()
        self.branches.forget_undo()
        self.drafts.save()
        if self._renders is not None:
            self._renders.save(view.message.content for view in self.transcript.built_views())
        window_state.save(self)

    def close_for_quit(self) -> None:
        self._closing = True
        self.close()

    # ---------------------------------------------------------------- conversations

    @property
    def current_id(self) -> int | None:
        return self.chat.current_id

    def open_conversation(self, conversation_id: int | None) -> None:
        """Show a stored conversation, or the new-chat draft for ``None``."""
        self.chat.open(conversation_id)

    def new_chat(self) -> None:
        self.chat.open(None)
        self.composer.input.setFocus()

    def _conversation_deleted(self, conversation_id: int) -> None:
        self.chat.deleted(conversation_id)
        self.notify("Conversation deleted — Undo is in the sidebar")

    def rename_current(self) -> None:
        if self.chat.current is not None:
            self.view.set_sidebar_visible(True)
            self.sidebar.rename(self.chat.current.id)

    def toggle_pin(self) -> None:
        if self.chat.current is not None:
            self.sidebar.toggle_pin(self.chat.current.id)

    def delete_current(self) -> None:
        if self.chat.current is not None:
            self.sidebar.delete(self.chat.current.id)

    def find_conversations(self) -> None:
        self.view.set_sidebar_visible(True)
        self.sidebar.focus_search()

    def sync_external_changes(self) -> None:
        """Look now for what another window or the command line wrote."""
        if self._attached and not self._closing:
            self.outside.check()

    # ---------------------------------------------------------------- chrome

    def _on_focus_widget(self, method: str) -> None:
        call = getattr(QApplication.focusWidget(), method, None)
        if callable(call):
            call()

    def apply_settings(self, settings: Settings) -> None:
        """Use new preferences at once: theme, font, sending key, provider, network."""
        self.controller.apply_settings(settings)
        self.apply_look(settings)
        self.chat.update_chrome()
