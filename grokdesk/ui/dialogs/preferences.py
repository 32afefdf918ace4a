"""Preferences: one tab per page (providers and keys, chat, appearance, network), and Save.

Saving goes through :func:`save_preferences`, outside the widget: settings to
``config.toml`` with ``config.save_settings``, keys to the keyring through
:class:`KeyStore`. Each page shows its part of the settings and gives it back; the
dialog validates, writes, and reports ``saved``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from grokdesk.chat.network import ProxyCredentials
from grokdesk.config import Settings, save_settings
from grokdesk.secrets import KeyringUnavailableError, KeyStore
from grokdesk.ui.dialogs.appearance_page import AppearancePage
from grokdesk.ui.dialogs.chat_page import ChatPage
from grokdesk.ui.dialogs.network_page import NetworkPage, ProxyLogin
from grokdesk.ui.dialogs.provider_page import KeyChanges, ProviderPage


def save_preferences(settings: Settings, changes: KeyChanges, keys: KeyStore,
                     config_path: Path, *, proxy_login: ProxyLogin | None = None,
                     proxy_credentials: ProxyCredentials | None = None) -> list[str]:
    """Write the settings file, the keys and the proxy login; returns notes for the user
    (never a secret).

    Without a keyring a typed key or proxy password is kept for this session only,
    and the note says so.
    """
    notes: list[str] = []
    save_settings(settings, config_path)
    if proxy_login is not None and proxy_credentials is not None:
        login = proxy_login
        try:
            proxy_credentials.store(login.proxy_url, login.user, login.password)
        except KeyringUnavailableError as exc:
            proxy_credentials.remember_for_session(login.proxy_url, login.user, login.password)
            notes.append(f"{exc.message}: the proxy password is kept for this session only")
    for name in changes.delete:
        keys.delete(name)
    for name, key in changes.store.items():
        label = settings.profiles[name].label if name in settings.profiles else name
        try:
            keys.store(name, key)
        except KeyringUnavailableError as exc:
            keys.remember_for_session(name, key)
            notes.append(f"{exc.message}: the key for {label} is kept for this session only")
    return notes


class PreferencesDialog(QDialog):
    """The Preferences window; emits ``saved`` with the new settings once written."""

    saved = Signal(object, list)
    testRequested = Signal(object, str)

    def __init__(self, settings: Settings, keys: KeyStore, config_path: Path,
                 parent: QWidget | None = None, *,
                 proxy_credentials: ProxyCredentials | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._proxy_credentials = proxy_credentials
        self.setMinimumWidth(640)
        self._settings = settings
        self._keys = keys
        self._config_path = config_path

        self.providers = ProviderPage(settings, keys, self)
        self.providers.testRequested.connect(self.testRequested)
        self.chat = ChatPage(settings, self)
        self.appearance = AppearancePage(settings, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.providers, "Providers")
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.appearance, "Appearance")
        self.network = NetworkPage(settings.network, proxy_credentials, self)
        self.tabs.addTab(self.network, "Network")
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d93025;")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def result_settings(self) -> Settings:
        """The settings as the dialog shows them now."""
        settings = dataclasses.replace(
            self._settings,
            active_profile=self.providers.active,
            profiles=dict(self.providers.profiles),
            network=self.network.result(),
        )
        return self.appearance.result(self.chat.result(settings))

    def show_test_result(self, profile_name: str, ok: bool, message: str) -> None:
        self.providers.show_test_result(profile_name, ok, message)

    def accept(self) -> None:
        """Validate, write, and close; on a problem say what it is and stay open."""
        for page, problems in ((self.providers, self.providers.problems()),
                               (self.network, self.network.problems())):
            if problems:
                self.error.setText("\n".join(problems))
                self.error.show()
                self.tabs.setCurrentWidget(page)
                return
        settings = self.result_settings()
        try:
            notes = save_preferences(settings, self.providers.key_changes, self._keys,
                                     self._config_path, proxy_login=self.network.login(),
                                     proxy_credentials=self._proxy_credentials)
        except OSError as exc:
            self.error.setText(f"Could not save {self._config_path}: {exc.strerror or exc}")
            self.error.show()
            return
        self.saved.emit(settings, notes)
        super().accept()
