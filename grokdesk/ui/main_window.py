"""The main window: sidebar, transcript and composer in a splitter; menus; status bar.

Layout and wiring only. The conversation model and the chat controller do the
work; this class decides which conversation is on screen and routes signals to
the widget that shows them. A new chat is a draft (no history row) until its
first message is sent, so New chat never leaves empty conversations behind.

Unsent text is saved (debounced, and at every switch and at quit) so it survives
a restart. Another window or the command line may write to the same history: the
window notices through ``PRAGMA data_version`` when it gains focus or on a slow
timer, and re-reads the list and the open conversation (unless it is streaming).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from grokdesk.api.types import StreamEvent
from grokdesk.chat.changes import Changes, Totals
from grokdesk.config import Settings
from grokdesk.money import format_usd
from grokdesk.secrets import KeyStore
from grokdesk.storage.models import Conversation, ConversationSettings, Message
from grokdesk.ui.actions import WindowActions
from grokdesk.ui.banner import Banner
from grokdesk.ui.chat_controller import ChatController
from grokdesk.ui.composer import Composer
from grokdesk.ui.conversation_model import ConversationListModel
from grokdesk.ui.conversations import ConversationSidebar
from grokdesk.ui.dialogs.focus_keeper import return_focus_after
from grokdesk.ui.drafts import DraftStore
from grokdesk.ui.theme import ThemeManager
from grokdesk.ui.transcript.transcript import Transcript
from grokdesk.ui.transfers import Transfers
from grokdesk.ui.ui_state import UIState

if TYPE_CHECKING:
    from grokdesk.chat.turn import LiveAnswer

    # The dialogs and the export package are imported when first opened, not before
    # the first frame (docs/performance.md, "Cold start").
    from grokdesk.ui.dialogs.conversation_settings import ConversationSettingsDialog
    from grokdesk.ui.dialogs.onboarding import WelcomeDialog
    from grokdesk.ui.dialogs.preferences import PreferencesDialog
    from grokdesk.ui.dialogs.transfer import TransferProgress

APP_TITLE = "grokdesk"
NEW_CHAT_TITLE = "New chat"
SIDEBAR_WIDTH = 270
ZOOM_STEP = 1.1
NOTICE_MS = 8000
DRAFT_SAVE_MS = 500
SYNC_MS = 3000


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


def _alive(widget: QWidget | None) -> bool:
    """Whether a dialog opened earlier (deleted on close) is still on screen."""
    return widget is not None and shiboken6.isValid(widget) and widget.isVisible()


def window_title(conversation: Conversation | None) -> str:
    return f"{conversation.title if conversation else NEW_CHAT_TITLE} — {APP_TITLE}"


def usage_text(totals: Totals) -> str:
    if not totals.tokens and totals.cost_usd is None:
        return ""
    text = f"{totals.tokens:,} tokens"
    if totals.cost_usd is not None:
        text += f" · {format_usd(totals.cost_usd)}"
    return text


class MainWindow(QMainWindow):
    """The app's one window. ``quitRequested`` asks the app to shut down in order."""

    quitRequested = Signal()

    def __init__(self, parts: WindowParts) -> None:
        super().__init__()
        self.parts = parts
        self.controller = parts.controller
        self.ui_state = parts.ui_state
        self._current: Conversation | None = None
        self._closing = False
        self._shown_once = False
        self._zoom = parts.ui_state.zoom_steps
        self._welcome: WelcomeDialog | None = None
        self._preferences: PreferencesDialog | None = None
        self._trusted_insecure: set[str] = set()
        self._pending_insecure: str | None = None
        self.drafts = parts.drafts or DraftStore()
        self.setObjectName("mainWindow")
        self.setWindowIcon(parts.icon)
        self.setMinimumSize(720, 460)

        self.sidebar = ConversationSidebar(parts.conversations, self)
        self.transcript = Transcript(self)
        self.composer = Composer(self)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.transcript, 1)
        self.notice_banner = Banner(right)
        self.notice_banner.setObjectName("noticeBanner")
        self.insecure_banner = Banner(right)
        self.insecure_banner.setObjectName("insecureBanner")
        for banner in (self.notice_banner, self.insecure_banner):
            right_layout.addWidget(banner)
        right_layout.addWidget(self.composer)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(right)
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.transfers = Transfers(self.controller.service, self)
        self.actions_ = WindowActions(self)
        self.actions_.build_menus(self.menuBar())
        self._build_status_bar()
        self._connect()
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_SAVE_MS)
        self._draft_timer.timeout.connect(self.save_drafts)
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(SYNC_MS)
        self._sync_timer.timeout.connect(self.sync_external_changes)
        self._restore_state()
        self.apply_settings(self.settings)
        self.composer.load_drafts(self.drafts.load())
        # The window frame first, the conversation right after: the first paint does
        # not wait for the newest messages to be rendered.
        self._initial_pending = True
        QTimer.singleShot(0, self._open_initial_conversation)
        self.composer.input.textChanged.connect(self._draft_timer.start)
        self.controller.external_change()
        self._sync_timer.start()
        if parts.startup_notice:
            self.show_notice(parts.startup_notice)

    # ---------------------------------------------------------------- building

    @property
    def settings(self) -> Settings:
        return self.controller.service.settings

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.profile_label = QLabel(self)
        self.usage_label = QLabel(self)
        self.online_label = QLabel(self)
        for label in (self.profile_label, self.usage_label, self.online_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        self._show_online(None)

    def _connect(self) -> None:
        a, c = self.actions_, self.controller
        a.new_chat.triggered.connect(self.new_chat)
        a.quit.triggered.connect(self.quitRequested)
        a.preferences.triggered.connect(self.show_preferences)
        a.copy.triggered.connect(lambda: self._on_focus_widget("copy"))
        a.select_all.triggered.connect(lambda: self._on_focus_widget("selectAll"))
        a.find.triggered.connect(self.find_conversations)
        a.edit_last.triggered.connect(self.edit_last_message)
        a.show_reasoning.toggled.connect(self.set_show_reasoning)
        a.show_sidebar.toggled.connect(self.set_sidebar_visible)
        a.zoom_in.triggered.connect(lambda: self.zoom(1))
        a.zoom_out.triggered.connect(lambda: self.zoom(-1))
        a.zoom_reset.triggered.connect(lambda: self.zoom(0))
        a.regenerate.triggered.connect(self.regenerate)
        a.stop.triggered.connect(c.stop)
        a.rename.triggered.connect(self.rename_current)
        a.pin.triggered.connect(self.toggle_pin)
        a.delete.triggered.connect(self.delete_current)
        a.settings.triggered.connect(self.show_conversation_settings)
        a.suggest_title.triggered.connect(self.suggest_title)
        a.shortcuts.triggered.connect(self.show_shortcuts)
        a.about.triggered.connect(self.show_about)
        a.export_conversation.triggered.connect(self.ask_export_current)
        a.export_all.triggered.connect(self.ask_export_all)
        a.import_.triggered.connect(self.ask_import)
        self.transfers.finished.connect(lambda _ok, message: self.notify(message))
        self.transfer_progress: TransferProgress | None = None  # made by the first transfer
        self.transfers.importReported.connect(self._show_import_report)
        self.sidebar.exportRequested.connect(self.ask_export_one)

        self.sidebar.conversationSelected.connect(self.open_conversation)
        self.sidebar.newChatRequested.connect(self.new_chat)
        self.sidebar.deleted.connect(self._conversation_deleted)

        self.composer.sendRequested.connect(self.send)
        self.composer.stopRequested.connect(c.stop)
        self.transcript.deleteRequested.connect(c.delete_message)
        self.transcript.regenerateRequested.connect(self.regenerate)
        self.transcript.retryRequested.connect(self.regenerate)
        self.transcript.editRequested.connect(self._edit)
        self.transcript.copied.connect(self.notify)

        c.changed.connect(self._apply_changes)
        c.liveStarted.connect(self._live_started)
        c.liveEvent.connect(self._live_event)
        c.liveFinished.connect(self._live_finished)
        c.busyChanged.connect(self._busy_changed)
        c.onlineChanged.connect(self._show_online)
        c.keyMissing.connect(self.show_welcome)
        c.notice.connect(self.notify)
        c.sendUndelivered.connect(self._send_undelivered)
        c.titleSuggested.connect(self._title_suggested)
        self.insecure_banner.accepted.connect(self._insecure_accepted)
        self.insecure_banner.rejected.connect(self._insecure_rejected)
        self.parts.theme.darkChanged.connect(self._theme_changed)
        self._busy_changed(False)

    def _restore_state(self) -> None:
        state = self.ui_state
        geometry = state.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QGuiApplication.primaryScreen()
            available = screen.availableGeometry() if screen is not None else None
            width = min(1200, available.width()) if available else 1200
            height = min(780, available.height()) if available else 780
            self.resize(width, height)
        splitter = state.splitter
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes([SIDEBAR_WIDTH, max(400, self.width() - SIDEBAR_WIDTH)])
        window_state = state.window_state
        if window_state is not None:
            self.restoreState(window_state)
        self.actions_.show_sidebar.setChecked(state.sidebar_visible)
        self.sidebar.setVisible(state.sidebar_visible)
        shown = state.show_reasoning(self.settings.ui.show_reasoning)
        self.actions_.show_reasoning.setChecked(shown)
        self.transcript.set_show_reasoning(shown)

    def save_state(self) -> None:
        """Remember geometry, splitter, sidebar, reasoning toggle and zoom."""
        state = self.ui_state
        state.geometry = self.saveGeometry()
        state.window_state = self.saveState()
        if self.sidebar.isVisible():
            state.splitter = QByteArray(self.splitter.saveState())
        state.sidebar_visible = self.actions_.show_sidebar.isChecked()
        state.set_show_reasoning(self.actions_.show_reasoning.isChecked())
        state.zoom_steps = self._zoom
        state.sync()

    def _initial_conversation(self) -> int | None:
        latest = self.controller.latest_conversation()
        return latest.id if latest is not None else None

    def _open_initial_conversation(self) -> None:
        if self._initial_pending:
            self.open_conversation(self._initial_conversation())

    # ---------------------------------------------------------------- Qt events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._shown_once:
            return
        self._shown_once = True
        self.activateWindow()
        self.composer.input.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
        if self.parts.settings_warnings:
            warnings = self.parts.settings_warnings
            self.notify(f"Settings: {warnings[0]}" + (f" (and {len(warnings) - 1} more)"
                                                       if len(warnings) > 1 else ""))
        if self.controller.needs_key():
            QTimer.singleShot(0, self.show_welcome)
        else:
            QTimer.singleShot(0, self.controller.warm_up)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.sync_external_changes()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window quits, in the app's order (see ``grokdesk.app``)."""
        if self._closing:
            self.save_state()
            event.accept()
            return
        event.ignore()
        self.quitRequested.emit()

    def prepare_to_quit(self) -> None:
        """Last writes before the history closes: a pending delete, the window state."""
        self._sync_timer.stop()
        self.sidebar.commit_delete()
        self.save_drafts()
        self.save_state()

    def close_for_quit(self) -> None:
        self._closing = True
        self.close()

    # ---------------------------------------------------------------- conversations

    @property
    def current_id(self) -> int | None:
        return self._current.id if self._current is not None else None

    def open_conversation(self, conversation_id: int | None) -> None:
        """Show a stored conversation, or the new-chat draft for ``None``."""
        self._initial_pending = False
        conversation = (self.controller.conversation(conversation_id)
                        if conversation_id is not None else None)
        self._current = conversation
        self.composer.switch_draft(conversation.id if conversation else None)
        self.save_drafts()
        if conversation is None:
            self.transcript.clear()
        else:
            self._show_messages(conversation.id)
        self.sidebar.set_current(conversation.id if conversation else None)
        self._update_chrome()
        self._show_usage(self.controller.totals(conversation.id) if conversation else Totals())

    def _show_messages(self, conversation_id: int) -> None:
        messages = self.controller.messages(conversation_id)
        live = self.controller.live
        if live is None or live.conversation_id != conversation_id:
            self.transcript.set_messages(messages)
            return
        self.transcript.set_messages([m for m in messages if m.id != live.message.id])
        self.transcript.begin_live(live)

    def new_chat(self) -> None:
        self.open_conversation(None)
        self.composer.input.setFocus()

    def _apply_changes(self, changes: Changes) -> None:
        """Route what the core changed to the parts that show it; nothing is read again."""
        self.parts.conversations.apply(changes)
        if changes.reloaded:
            self.sidebar.set_current(self.current_id)
        if self._current is None and changes.created:
            self._adopt(next(c for c in changes.conversations if c.id in changes.created))
        elif (updated := changes.conversation(self.current_id)) is not None:
            self._current = updated
            self._update_chrome()
        current = self.current_id
        if current is None:
            return
        for message_id in changes.removed:
            self.transcript.remove_message(message_id)
        for message in changes.added:
            if message.conversation_id == current and message.status != "streaming":
                self.transcript.append_message(message)
        if current in changes.totals:
            self._show_usage(changes.totals[current])

    def _adopt(self, conversation: Conversation) -> None:
        """The new-chat draft became ``conversation`` (its first message was stored)."""
        self._current = conversation
        self.composer.rekey_draft(conversation.id)
        self.sidebar.set_current(conversation.id)
        self._update_chrome()
        self._show_usage(Totals())

    def _conversation_deleted(self, conversation_id: int) -> None:
        if self._is_live_in(conversation_id):
            self.controller.stop()
        self.composer.forget_draft(conversation_id)
        if conversation_id == self.current_id:
            first = self.parts.conversations.conversation_at(0)
            self.open_conversation(first.id if first is not None else None)
        self.notify("Conversation deleted — Undo is in the sidebar")

    def rename_current(self) -> None:
        if self._current is not None:
            self.set_sidebar_visible(True)
            self.sidebar.rename(self._current.id)

    def toggle_pin(self) -> None:
        if self._current is not None:
            self.sidebar.toggle_pin(self._current.id)
        self._update_chrome()

    def delete_current(self) -> None:
        if self._current is not None:
            self.sidebar.delete(self._current.id)

    def find_conversations(self) -> None:
        self.set_sidebar_visible(True)
        self.sidebar.focus_search()

    # ---------------------------------------------------------------- turns

    def send(self, text: str) -> None:
        """Send the composer's text; it is cleared only once the core has stored it.

        The first send of the session to a service reached over plain http (not this
        machine) waits for the user to accept the warning, in a banner: the key is not
        sent before that.
        """
        self._open_initial_conversation()
        warning = self.controller.insecure_transport_warning(self._current)
        if warning is not None and warning not in self._trusted_insecure:
            self._pending_insecure = warning
            self.insecure_banner.show_message(warning, accept="Send anyway", reject="Cancel")
            return
        if self.controller.send(self.current_id, text) is not None:
            self.composer.accept_sent()
            self.save_drafts()

    def _insecure_accepted(self) -> None:
        if self._pending_insecure is not None:
            self._trusted_insecure.add(self._pending_insecure)
            self._pending_insecure = None
            self.composer.submit()

    def _insecure_rejected(self) -> None:
        self._pending_insecure = None
        self.notify("Not sent: the text stays in the box")
        self.composer.input.setFocus()

    def _send_undelivered(self, conversation_id: int, text: str) -> None:
        """The service was unreachable: the sent text goes back in the box."""
        self.composer.give_back(conversation_id, text)
        self.save_drafts()
        self.notify(f"Offline — {self.controller.offline_host} unreachable; "
                    "your message is back in the box")

    def save_drafts(self) -> None:
        """Write the unsent texts now (the debounce timer, a switch, a send and quit)."""
        self._draft_timer.stop()
        self.drafts.save(self.composer.drafts())

    def suggest_title(self) -> None:
        if self._current is not None:
            self.notify("Asking the model for a title…")
            self.controller.suggest_title(self._current.id)

    def _title_suggested(self, conversation_id: int, title: str) -> None:
        if conversation_id == self.current_id:
            self.notify(f"New title: {title}")

    def sync_external_changes(self) -> None:
        """Pick up what another window or the CLI wrote to the history."""
        if self._closing or not self.controller.external_change():
            return
        if self.sidebar.view.state() != self.sidebar.view.State.EditingState:
            self.parts.conversations.reload()
            self.sidebar.set_current(self.current_id)
        current = self.current_id
        if current is None or self._is_live_in(current):
            return
        conversation = self.controller.conversation(current)
        if conversation is None:
            first = self.parts.conversations.conversation_at(0)
            self.open_conversation(first.id if first is not None else None)
            return
        self._current = conversation
        messages = self.controller.messages(current)
        if [(m.id, m.status, m.content) for m in messages] != [
                (m.id, m.status, m.content) for m in self.transcript.messages]:
            self.transcript.set_messages(messages)
        self._update_chrome()
        self._show_usage(self.controller.totals(current))

    def show_notice(self, text: str) -> None:
        """Something the user should read once (a recovered history): a banner that
        stays until dismissed, and the status bar."""
        self.notice_banner.show_message(text, accept="Dismiss", kind="info")
        self.notify(text)

    def regenerate(self) -> None:
        if self._current is not None:
            self.controller.regenerate(self._current.id)

    def edit_last_message(self) -> None:
        if self._current is None or self.controller.busy:
            return
        users = [m for m in self.transcript.messages if m.role == "user"]
        view = self.transcript.view_for(users[-1].id) if users else None
        if view is not None:
            self.transcript.scroll_area.ensureWidgetVisible(view)
            view.start_edit()

    def _edit(self, message_id: int, text: str) -> None:
        self.controller.edit(message_id, text, self.current_id)

    def _is_live_in(self, conversation_id: int | None) -> bool:
        live = self.controller.live
        return live is not None and live.conversation_id == conversation_id

    def _live_started(self, answer: LiveAnswer) -> None:
        if answer.conversation_id == self.current_id:
            self.transcript.begin_live(answer)

    def _live_event(self, event: StreamEvent) -> None:
        if self._is_live_in(self.current_id):
            self.transcript.live_event(event)

    def _live_finished(self, message: Message) -> None:
        if message.conversation_id == self.current_id:
            self.transcript.finish_live(message)

    def _busy_changed(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        a = self.actions_
        a.stop.setEnabled(busy)
        for action in (a.regenerate, a.edit_last):
            action.setEnabled(not busy)

    # ---------------------------------------------------------------- chrome

    def _update_chrome(self) -> None:
        self.setWindowTitle(window_title(self._current))
        has = self._current is not None
        a = self.actions_
        for action in (a.rename, a.pin, a.delete):
            action.setEnabled(has)
        a.pin.setChecked(bool(self._current and self._current.pinned))
        profile = self.controller.profile_for(self._current)
        model = self.controller.model_for(self._current)
        self.profile_label.setText(f"{profile.label} · {model}")
        self.profile_label.setToolTip(f"Provider {profile.label} at {profile.base_url}")

    def _show_usage(self, totals: Totals) -> None:
        self.usage_label.setText(usage_text(totals))
        self.usage_label.setToolTip("Tokens and cost of this conversation so far")

    def _show_online(self, online: bool | None) -> None:
        if online is None:
            text, color, tip = "Not connected yet", "#8a8d93", "No request has been made yet"
        elif online:
            text, color, tip = "Online", "#2e9d50", "The last request reached the service"
        else:
            host = self.controller.offline_host
            text = f"Offline — {host} unreachable" if host else "Offline"
            color, tip = "#d93025", "The service could not be reached"
        self.online_label.setText(f'<span style="color:{color}">●</span> {text}')
        self.online_label.setToolTip(tip)

    def notify(self, text: str) -> None:
        self.statusBar().showMessage(text, NOTICE_MS)

    # ---------------------------------------------------------------- view

    def set_show_reasoning(self, shown: bool) -> None:
        if self.actions_.show_reasoning.isChecked() != shown:
            self.actions_.show_reasoning.setChecked(shown)
        self.transcript.set_show_reasoning(shown)
        self.ui_state.set_show_reasoning(shown)

    def set_sidebar_visible(self, visible: bool) -> None:
        if self.actions_.show_sidebar.isChecked() != visible:
            self.actions_.show_sidebar.setChecked(visible)
        if not visible and self.sidebar.isVisible():
            self.ui_state.splitter = QByteArray(self.splitter.saveState())
        self.sidebar.setVisible(visible)
        self.ui_state.sidebar_visible = visible
        focused = QApplication.focusWidget()
        if not visible and focused is not None and self.sidebar.isAncestorOf(focused):
            self.composer.input.setFocus()

    def zoom(self, steps: int) -> None:
        """Change text size by ``steps`` (0 resets)."""
        self._zoom = 0 if steps == 0 else max(-5, min(10, self._zoom + steps))
        self._apply_font_size()

    def _apply_font_size(self) -> None:
        base = float(self.settings.ui.font_size) or QApplication.font().pointSizeF()
        size = round(base * ZOOM_STEP ** self._zoom, 1)
        self.transcript.set_font_point_size(size)
        self.composer.set_font_point_size(size)
        self.ui_state.zoom_steps = self._zoom

    @property
    def zoom_steps(self) -> int:
        return self._zoom

    def _on_focus_widget(self, method: str) -> None:
        widget = QApplication.focusWidget()
        call = getattr(widget, method, None)
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
        self._apply_font_size()
        self._update_chrome()

    # ---------------------------------------------------------------- dialogs

    def open_dialog(self, dialog: QDialog) -> None:
        """Open ``dialog`` window-modal (never ``exec()``); when it closes the keyboard
        focus goes back where it was, or to the composer."""
        return_focus_after(dialog, self.composer.input)
        dialog.open()

    def show_welcome(self, profile_name: str | None = None) -> None:
        """The friendly "we need your key" window (first run, or a send without a key)."""
        if _alive(self._welcome):
            self._welcome.raise_()  # type: ignore[union-attr]
            return
        from grokdesk.ui.dialogs.onboarding import WelcomeDialog

        dialog = WelcomeDialog(self.settings, self.parts.keys, profile_name or None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.keySaved.connect(self._key_saved)
        self._welcome = dialog
        self.open_dialog(dialog)

    def _key_saved(self, profile_name: str, where: str) -> None:
        label = self.settings.profiles[profile_name].label
        self.notify(f"Key for {label} saved in the system keyring" if where == "keyring"
                    else f"Key for {label} kept for this session only")
        self._update_chrome()

    def show_preferences(self) -> None:
        if _alive(self._preferences):
            self._preferences.raise_()  # type: ignore[union-attr]
            return
        from grokdesk.ui.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self.parts.keys, self.parts.config_path, self,
                                   proxy_credentials=self.controller.service.proxy_credentials)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._preferences_saved)
        dialog.testRequested.connect(self.controller.test_connection)
        self.controller.connectionTested.connect(dialog.show_test_result)
        self._preferences = dialog
        self.open_dialog(dialog)

    def _preferences_saved(self, settings: Settings, notes: list[str]) -> None:
        self.apply_settings(settings)
        self.notify("; ".join(notes) if notes else "Preferences saved")

    def show_conversation_settings(self) -> None:
        from grokdesk.ui.dialogs.conversation_settings import ConversationSettingsDialog

        current = self._current
        dialog = ConversationSettingsDialog(
            current.title if current else NEW_CHAT_TITLE,
            current.settings if current else ConversationSettings(
                provider=self.settings.active_profile), self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.modelsWanted.connect(self.controller.fetch_models)
        self.controller.modelsFetched.connect(dialog.set_models)
        dialog.accepted.connect(lambda: self._conversation_settings_saved(dialog))
        self.open_dialog(dialog)
        dialog.request_models()

    def _conversation_settings_saved(self, dialog: ConversationSettingsDialog) -> None:
        settings = dialog.result_settings()
        if self._current is None:
            self.controller.new_conversation(settings)
        else:
            self.controller.update_settings(self._current.id, settings)
        self._update_chrome()

    def ask_export_current(self) -> None:
        if self._current is None:
            self.notify("Nothing to export yet: this chat has no messages")
            return
        self.ask_export_one(self._current.id)

    def ask_export_one(self, conversation_id: int) -> None:
        """Ask where to save one conversation (from the menu or the sidebar)."""
        conversation = (self.parts.conversations.conversation(conversation_id)
                        or self.controller.conversation(conversation_id))
        if conversation is None:
            return
        from grokdesk.export import ExportOptions, suggested_name
        from grokdesk.ui.dialogs.file_choosers import EXPORT_ONE_FILTERS, save_dialog

        name = suggested_name([conversation], ExportOptions())
        self.open_dialog(save_dialog(self, "Export conversation", name, EXPORT_ONE_FILTERS,
                                     lambda path: self.export_to(path, [conversation_id])))

    def ask_export_all(self) -> None:
        from grokdesk.export import ExportOptions, suggested_name
        from grokdesk.ui.dialogs.file_choosers import EXPORT_ALL_FILTERS, save_dialog

        self.open_dialog(save_dialog(
            self, "Export all conversations", suggested_name([], ExportOptions()),
            EXPORT_ALL_FILTERS, lambda path: self.export_to(path, None)))

    def export_to(self, path: Path, conversation_ids: list[int] | None) -> None:
        """Export (in the background) with reasoning included when it is shown."""
        self.notify(f"Exporting to {path}…")
        self._ensure_transfer_progress()
        self.transfers.export(conversation_ids, path,
                              include_reasoning=self.actions_.show_reasoning.isChecked())

    def ask_import(self) -> None:
        from grokdesk.ui.dialogs.file_choosers import import_dialog

        self.open_dialog(import_dialog(self, self.import_from))

    def import_from(self, paths: list[Path]) -> None:
        self.notify("Importing…")
        self._ensure_transfer_progress()
        self.transfers.import_files(paths)

    def _ensure_transfer_progress(self) -> None:
        """The progress dialog, made before the first transfer starts (not at start-up)."""
        if self.transfer_progress is None:
            from grokdesk.ui.dialogs.transfer import TransferProgress

            self.transfer_progress = TransferProgress(self.transfers, self)

    def _show_import_report(self, lines: list[str]) -> None:
        from grokdesk.ui.dialogs.transfer import import_report_box

        self.open_dialog(import_report_box(self, lines))

    def show_shortcuts(self) -> None:
        from grokdesk.ui.dialogs.help import ShortcutsDialog

        dialog = ShortcutsDialog(self.actions_.shortcut_table(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialog(dialog)

    def show_about(self) -> None:
        from grokdesk.ui.dialogs.help import about_box

        self.open_dialog(about_box(self, self.parts.icon))
