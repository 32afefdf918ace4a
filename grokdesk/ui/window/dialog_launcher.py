"""The window's dialogs: opened window-modal, one of each at a time, imported on first use.

Every dialog opens through :meth:`DialogLauncher.open`, never ``exec()`` (a nested
event loop under qasync would re-enter running coroutines), and gives the keyboard
focus back where it was when it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QWidget

from grokdesk.chat.records import Conversation, ConversationSettings
from grokdesk.config import Settings
from grokdesk.secrets import KeyStore
from grokdesk.ui.actions import WindowActions
from grokdesk.ui.chat_controller import ChatController
from grokdesk.ui.dialogs.focus_keeper import return_focus_after
from grokdesk.ui.window import NEW_CHAT_TITLE

if TYPE_CHECKING:
    from grokdesk.ui.dialogs.conversation_settings import ConversationSettingsDialog


def _alive(widget: QWidget | None) -> bool:
    """Whether a dialog opened earlier (deleted on close) is still on screen."""
    return widget is not None and shiboken6.isValid(widget) and widget.isVisible()


class DialogLauncher(QObject):
    """Welcome, Preferences, conversation settings, shortcuts and About."""

    def __init__(self, window: QWidget, *, controller: ChatController, keys: KeyStore,
                 config_path: Path, icon: QIcon, actions: WindowActions,
                 focus_fallback: QWidget, notify: Callable[[str], None],
                 settings_saved: Callable[[Settings], None],
                 changed: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.keys = keys
        self.config_path = config_path
        self.icon = icon
        self.actions = actions
        self._focus_fallback = focus_fallback
        self._notify = notify
        self._settings_saved = settings_saved
        self._changed = changed
        self._welcome: QDialog | None = None
        self._preferences: QDialog | None = None

    @property
    def settings(self) -> Settings:
        return self.controller.service.settings

    def open(self, dialog: QDialog) -> None:
        """Open ``dialog`` window-modal; when it closes the keyboard focus goes back where
        it was, or to the composer."""
        return_focus_after(dialog, self._focus_fallback)
        dialog.open()

    def _open_once(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open(dialog)
        return dialog

    def show_welcome(self, profile_name: str | None = None) -> None:
        """The friendly "we need your key" window (first run, or a send without a key)."""
        if _alive(self._welcome):
            self._welcome.raise_()  # type: ignore[union-attr]
            return
        from grokdesk.ui.dialogs.onboarding import WelcomeDialog

        dialog = WelcomeDialog(self.settings, self.keys, profile_name or None, self.window)
        dialog.keySaved.connect(self._key_saved)
        self._welcome = self._open_once(dialog)

    def _key_saved(self, profile_name: str, where: str) -> None:
        label = self.settings.profiles[profile_name].label
        self._notify(f"Key for {label} saved in the system keyring" if where == "keyring"
                     else f"Key for {label} kept for this session only")
        self._changed()

    def show_preferences(self) -> None:
        if _alive(self._preferences):
            self._preferences.raise_()  # type: ignore[union-attr]
            return
        from grokdesk.ui.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self.keys, self.config_path, self.window,
                                   proxy_credentials=self.controller.service.proxy_credentials)
        dialog.saved.connect(self._preferences_saved)
        dialog.testRequested.connect(self.controller.checks.test_connection)
        self.controller.checks.connectionTested.connect(dialog.show_test_result)
        self._preferences = self._open_once(dialog)

    def _preferences_saved(self, settings: Settings, notes: list[str]) -> None:
        self._settings_saved(settings)
        self._notify("; ".join(notes) if notes else "Preferences saved")

    def show_conversation_settings(self, current: Conversation | None) -> None:
        from grokdesk.ui.dialogs.conversation_settings import ConversationSettingsDialog

        dialog = ConversationSettingsDialog(
            current.title if current else NEW_CHAT_TITLE,
            current.settings if current else ConversationSettings(
                provider=self.settings.active_profile), self.settings, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.modelsWanted.connect(self.controller.checks.fetch_models)
        self.controller.checks.modelsFetched.connect(dialog.set_models)
        dialog.accepted.connect(lambda: self._conversation_settings_saved(dialog, current))
        self.open(dialog)
        dialog.request_models()

    def _conversation_settings_saved(self, dialog: ConversationSettingsDialog,
                                     current: Conversation | None) -> None:
        settings = dialog.result_settings()
        if current is None:
            self.controller.new_conversation(settings)
        else:
            self.controller.update_settings(current.id, settings)

    def show_shortcuts(self) -> None:
        from grokdesk.ui.dialogs.help import ShortcutsDialog
        from grokdesk.ui.transcript.version_switch import SHORTCUT_ROWS

        self._open_once(ShortcutsDialog(self.actions.shortcut_table() + SHORTCUT_ROWS,
                                        self.window))

    def show_about(self) -> None:
        from grokdesk.ui.dialogs.help import about_box

        self.open(about_box(self.window, self.icon))
