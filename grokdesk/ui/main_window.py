"""The main window: the composition root of the desktop face.

It lays out the sidebar, the chat pane, the composer and the status bar, hands each
concern to its presenter (drafts, view options, dialogs, transfers, outside changes,
plain-http consent) and routes what the chat core reports: a :class:`Changes` goes to
the sidebar, the transcript and the status bar, the live signals to the transcript.
It decides which conversation is on screen. A new chat is a draft (no history row)
until its first message is stored, so New chat never leaves empty conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QIcon, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QVBoxLayout, QWidget

from grokdesk.chat.records import Conversation
from grokdesk.config import Settings
from grokdesk.secrets import KeyStore
from grokdesk.ui.actions import WindowActions
from grokdesk.ui.banner import Banner
from grokdesk.ui.chat_controller import ChatController
from grokdesk.ui.composer import Composer
from grokdesk.ui.drafts import DraftStore
from grokdesk.ui.sidebar.model import ConversationListModel
from grokdesk.ui.sidebar.sidebar import ConversationSidebar
from grokdesk.ui.statusbar.bar import WindowStatusBar
from grokdesk.ui.theme import ThemeManager
from grokdesk.ui.transcript.transcript import Transcript
from grokdesk.ui.ui_state import UIState
from grokdesk.ui.window import window_state
from grokdesk.ui.window.dialog_launcher import NEW_CHAT_TITLE, DialogLauncher
from grokdesk.ui.window.draft_keeper import DraftKeeper
from grokdesk.ui.window.open_chat import OpenChat
from grokdesk.ui.window.outside_changes import OutsideChanges
from grokdesk.ui.window.sending import Sending
from grokdesk.ui.window.transfer_flow import TransferFlow
from grokdesk.ui.window.view_options import ViewOptions

if TYPE_CHECKING:
    pass

APP_TITLE = "grokdesk"


@dataclass
class WindowParts:
    """What the window is built from (made by ``grokdesk.app`` or a test)."""

    controller: ChatController
    conversations: ConversationListModel
    keys: KeyStore
    ui_state: UIState
    theme: ThemeManager
    config_path: Path
    icon: QIcon
    settings_warnings: tuple[str, ...] = ()
    drafts: DraftStore | None = None
    startup_notice: str | None = None


def window_title(conversation: Conversation | None) -> str:
    return f"{conversation.title if conversation else NEW_CHAT_TITLE} — {APP_TITLE}"


class MainWindow(QMainWindow):
    """The app's one window. ``quitRequested`` asks the app to shut down in order."""

    quitRequested = Signal()

    def __init__(self, parts: WindowParts) -> None:
        super().__init__()
        self.parts = parts
        self.controller = parts.controller
        self.ui_state = parts.ui_state
        self._closing = False
        self._shown_once = False
        self.setObjectName("mainWindow")
        self.setWindowIcon(parts.icon)
        self.setMinimumSize(720, 460)
        self._build_layout()
        self.status = WindowStatusBar(self)
        self.setStatusBar(self.status)
        self.actions_ = WindowActions(self)
        self.actions_.build_menus(self.menuBar())
        self.view = ViewOptions(actions=self.actions_, transcript=self.transcript,
                                composer=self.composer, sidebar=self.sidebar,
                                splitter=self.splitter, ui_state=self.ui_state, parent=self)
        self.drafts = DraftKeeper(self.composer, parts.drafts or DraftStore(), self)
        self.chat = OpenChat(
            controller=self.controller, conversations=parts.conversations,
            sidebar=self.sidebar, transcript=self.transcript, composer=self.composer,
            status=self.status, actions=self.actions_, drafts=self.drafts,
            set_title=lambda conversation: self.setWindowTitle(window_title(conversation)),
            parent=self)
        self.dialogs = DialogLauncher(
            self, controller=self.controller, keys=parts.keys, config_path=parts.config_path,
            icon=parts.icon, actions=self.actions_, focus_fallback=self.composer.input,
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
        window_state.restore(self)
        self.apply_settings(self.settings)
        # The window frame first, the conversation right after: the first paint does
        # not wait for the newest messages to be rendered.
        QTimer.singleShot(0, self.chat.open_initial)
        self.outside = OutsideChanges(self.controller, self.chat.show_outside_changes, self)
        if parts.startup_notice:
            self.show_notice(parts.startup_notice)

    def _build_layout(self) -> None:
        self.sidebar = ConversationSidebar(self.parts.conversations, self)
        self.transcript = Transcript(self)
        self.composer = Composer(self)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.transcript, 1)
        self.notice_banner = Banner(right)
        self.notice_banner.setObjectName("noticeBanner")
        self.insecure_banner = Banner(right)
        self.insecure_banner.setObjectName("insecureBanner")
        for widget in (self.notice_banner, self.insecure_banner, self.composer):
            column.addWidget(widget)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(right)
        for index, stretch in ((0, 0), (1, 1)):
            self.splitter.setCollapsible(index, False)
            self.splitter.setStretchFactor(index, stretch)
        self.setCentralWidget(self.splitter)

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
        self.transcript.deleteRequested.connect(c.delete_message)
        self.transcript.regenerateRequested.connect(s.regenerate)
        self.transcript.retryRequested.connect(s.regenerate)
        self.transcript.editRequested.connect(
            lambda message_id, text: c.edit(message_id, text, self.current_id))
        self.transcript.copied.connect(self.notify)
        c.onlineChanged.connect(
            lambda online: self.status.online.show_online(online, c.offline_host))
        c.keyMissing.connect(d.show_welcome)
        c.notice.connect(self.notify)
        self.parts.theme.darkChanged.connect(self._theme_changed)

    @property
    def settings(self) -> Settings:
        return self.controller.service.settings

    # ---------------------------------------------------------------- Qt events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._shown_once:
            return
        self._shown_once = True
        self.activateWindow()
        self.composer.input.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
        if warnings := self.parts.settings_warnings:
            self.notify(f"Settings: {warnings[0]}" + (f" (and {len(warnings) - 1} more)"
                                                       if len(warnings) > 1 else ""))
        if self.controller.needs_key():
            QTimer.singleShot(0, self.dialogs.show_welcome)
        else:
            QTimer.singleShot(0, self.controller.warm_up)

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
        """Last writes before the history closes: a pending delete, drafts, window state."""
        self.outside.stop()
        self.sidebar.commit_delete()
        self.drafts.save()
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
        if not self._closing:
            self.outside.check()

    # ---------------------------------------------------------------- chrome

    def notify(self, text: str) -> None:
        self.status.notify(text)

    def show_notice(self, text: str) -> None:
        """Something to read once (a recovered history): a banner until dismissed."""
        self.notice_banner.show_message(text, accept="Dismiss", kind="info")
        self.notify(text)

    def _on_focus_widget(self, method: str) -> None:
        call = getattr(QApplication.focusWidget(), method, None)
        if callable(call):
            call()

    def _theme_changed(self, dark: bool) -> None:
        self.transcript.set_dark(dark)
        self.composer.restyle()

    def apply_settings(self, settings: Settings) -> None:
        """Use new preferences at once: theme, font, sending key, provider, network."""
        self.controller.apply_settings(settings)
        self.transcript.set_dark(self.parts.theme.apply(settings.ui.theme))
        self.composer.restyle()
        self.composer.set_send_with_enter(settings.ui.send_with_enter)
        self.view.set_font_size(float(settings.ui.font_size))
        self.chat.update_chrome()
