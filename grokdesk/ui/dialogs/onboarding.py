"""The first-run welcome: ask for an API key kindly, say where it will be kept.

Shown when the chosen provider needs a key and none is set (and again when a send
finds none). With a keyring, the key goes there; without one, the welcome says so
plainly and offers to use the key for this session only.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from grokdesk.config import Settings
from grokdesk.secrets import KeyringUnavailableError, KeyStore


class WelcomeDialog(QDialog):
    """Asks for the key of a provider; emits ``keySaved(profile, where)`` once kept."""

    keySaved = Signal(str, str)

    def __init__(self, settings: Settings, keys: KeyStore, profile_name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to grokdesk")
        self.setMinimumWidth(520)
        self._settings = settings
        self._keys = keys
        self._keyring_problem = None if keys.available() else keys.backend_name()

        heading = QLabel("Welcome to grokdesk", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        logo = QLabel(self)
        logo.setPixmap(QApplication.windowIcon().pixmap(48, 48))
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(logo)
        header.addWidget(heading, 1)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setOpenExternalLinks(True)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        self.provider = QComboBox(self)
        for name, profile in settings.profiles.items():
            if profile.key_required:
                self.provider.addItem(profile.label, name)
        wanted = profile_name or settings.active_profile
        index = self.provider.findData(wanted)
        self.provider.setCurrentIndex(max(0, index))
        self.provider.currentIndexChanged.connect(self._update_text)

        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste your API key")
        self.key_edit.textChanged.connect(self._update_enabled)

        self.where = QLabel(self)
        self.where.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        later = self.buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        later.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Provider", self.provider)
        form.addRow("API key", self.key_edit)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(header)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.where)
        layout.addWidget(self.buttons)
        self._update_text()
        self._update_enabled()
        self.key_edit.setFocus()

    @property
    def profile_name(self) -> str:
        return str(self.provider.currentData())

    def _update_text(self) -> None:
        profile = self._settings.profiles[self.profile_name]
        link = (f' You can create one on <a href="{html.escape(profile.key_url)}">'
                f"{html.escape(profile.label)}’s key page</a>." if profile.key_url else "")
        self.intro.setText(
            "grokdesk talks to Grok 3 Mini through an API provider. To start chatting it "
            f"needs your API key for {html.escape(profile.label)}.{link}")
        if self._keyring_problem is None:
            self.save_button.setText("Save key")
            self.where.setText(
                "Your key is kept in the system keyring "
                f"({html.escape(self._keys.backend_name())}), never in a file, and is sent "
                "only to the provider. You can change it later in Preferences.")
        else:
            self.save_button.setText("Use for this session")
            self.where.setText(
                f"{html.escape(self._keyring_problem)}, so the key cannot be saved. Press "
                "“Use for this session” to use it until grokdesk closes. To keep it, "
                "install and unlock a Secret Service (GNOME Keyring or KWallet), or set "
                "GROKDESK_API_KEY.")
        # A longer text needs a taller dialog: without this the labels are squeezed
        # and the first lines are cut off.
        self.adjustSize()

    def _update_enabled(self) -> None:
        self.save_button.setEnabled(bool(self.key_edit.text().strip()))

    def accept(self) -> None:
        """Keep the key (keyring, or this session), then close."""
        key = self.key_edit.text().strip()
        if not key:
            return
        name = self.profile_name
        where = "keyring"
        if self._keyring_problem is None:
            try:
                self._keys.store(name, key)
            except KeyringUnavailableError as exc:
                self._keyring_problem = exc.message
                self._update_text()
                return
        else:
            self._keys.remember_for_session(name, key)
            where = "session"
        self.key_edit.clear()
        self.keySaved.emit(name, where)
        super().accept()
