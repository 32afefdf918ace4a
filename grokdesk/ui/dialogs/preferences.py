"""Preferences: provider profiles and their keys, how to send, theme, font, new-chat defaults.

Saving goes through :func:`save_preferences`, outside the widget: settings to
``config.toml`` with ``config.save_settings``, keys to the keyring through
:class:`KeyStore`. A key typed here is never shown back: the field stays empty
and says where the stored key lives. "Test connection" is a request, so the
dialog only asks for it (``testRequested``) and shows what the controller reports.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from grokdesk.api.types import EffortStyle, ReasoningEffort
from grokdesk.chat.network import ProxyCredentials
from grokdesk.config import (
    BUILTIN_PROFILES,
    Profile,
    Settings,
    Theme,
    UIPreferences,
    save_settings,
)
from grokdesk.secrets import KeyringUnavailableError, KeyStore
from grokdesk.ui.dialogs.network_page import NetworkPage, ProxyLogin

EFFORTS: list[tuple[str, ReasoningEffort | None]] = [
    ("Provider default", None), ("Low", "low"), ("High", "high")]
EFFORT_STYLES: list[tuple[str, EffortStyle]] = [
    ('"reasoning": {"effort": …} (AI/ML API, OpenRouter)', "reasoning_object"),
    ('"reasoning_effort": … (xAI, OpenAI)', "reasoning_effort"),
    ("Not sent", "none"),
]
THEMES: list[tuple[str, Theme]] = [("Follow the system", "system"), ("Light", "light"),
                                   ("Dark", "dark")]


@dataclass
class KeyChanges:
    """Keys typed (to store) and keys to forget, by profile name."""

    store: dict[str, str] = field(default_factory=dict)
    delete: set[str] = field(default_factory=set)


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


def key_status(keys: KeyStore, profile: Profile) -> str:
    """Where the profile's key is, in words, shown under the (always empty) key field."""
    source = keys.lookup(profile).source
    if source == "keyring":
        return "A key is stored in the system keyring; paste a new one to replace it."
    if source == "environment":
        return "The key comes from GROKDESK_API_KEY, which overrides the keyring."
    if source == "session":
        return "A key is kept for this session only; paste one to store it."
    if not profile.key_required:
        return "No key set; this service does not need one (optional)."
    return "No key set yet."


def _unique_name(base: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or "custom"
    name, number = slug, 2
    while name in taken:
        name, number = f"{slug}-{number}", number + 1
    return name


class ProviderPage(QWidget):
    """The profile list and the form for the selected profile."""

    testRequested = Signal(object, str)

    def __init__(self, settings: Settings, keys: KeyStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keys = keys
        self.profiles: dict[str, Profile] = dict(settings.profiles)
        self.active = settings.active_profile
        self.key_changes = KeyChanges()
        self._current: str | None = None
        self._loading = False

        self.list = QListWidget(self)
        self.list.setMinimumWidth(170)
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(self._select)
        self.add_button = QPushButton("Add custom…", self)
        self.add_button.setToolTip("Add any OpenAI-compatible service (llama.cpp, vLLM, …)")
        self.add_button.clicked.connect(self.add_custom)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_current)

        self.label_edit = QLineEdit(self)
        self.base_url = QLineEdit(self)
        self.base_url.setPlaceholderText("https://host/v1")
        self.model = QLineEdit(self)
        self.effort_style = QComboBox(self)
        for text, value in EFFORT_STYLES:
            self.effort_style.addItem(text, value)
        self.key_required = QCheckBox("This service needs an API key", self)
        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setClearButtonEnabled(True)
        self.key_edit.setPlaceholderText("Paste an API key")
        self.key_state = QLabel(self)
        self.key_state.setWordWrap(True)
        self.key_state.setEnabled(False)
        self.forget_key = QPushButton("Forget key", self)
        self.forget_key.clicked.connect(self._forget_key)
        self.key_link = QLabel(self)
        self.key_link.setOpenExternalLinks(True)
        self.key_link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.use_for_new = QCheckBox("Use for new chats", self)
        self.test_button = QPushButton("Test connection", self)
        self.test_button.clicked.connect(self.request_test)
        self.test_result = QLabel(self)
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        for widget in (self.label_edit, self.base_url, self.model):
            widget.textEdited.connect(self._store_form)
        self.effort_style.currentIndexChanged.connect(self._store_form)
        self.key_required.toggled.connect(self._store_form)
        self.use_for_new.toggled.connect(self._use_for_new)
        self.key_edit.textEdited.connect(self._key_typed)

        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.forget_key)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("Name", self.label_edit)
        form.addRow("Base URL", self.base_url)
        form.addRow("Model", self.model)
        form.addRow("Reasoning effort", self.effort_style)
        form.addRow("", self.key_required)
        form.addRow("API key", key_row)
        form.addRow("", self.key_state)
        form.addRow("", self.key_link)
        form.addRow("", self.use_for_new)
        form.addRow("", test_row)

        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(form, 1)
        self._fill_list(settings.active_profile)

    # ---------------------------------------------------------------- list

    def _fill_list(self, select: str) -> None:
        self.list.clear()
        for name, profile in self.profiles.items():
            item = QListWidgetItem(profile.label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
            if name == select:
                self.list.setCurrentItem(item)
        self._mark_active()

    def _mark_active(self) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            name = item.data(Qt.ItemDataRole.UserRole)
            font = item.font()
            font.setBold(name == self.active)
            item.setFont(font)

    def select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)

    def _select(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self._current = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self._load_form()

    @property
    def current(self) -> Profile | None:
        return self.profiles.get(self._current) if self._current else None

    def add_custom(self) -> None:
        name = _unique_name("custom", set(self.profiles))
        self.profiles[name] = Profile(name, "Custom service", "http://127.0.0.1:8080/v1", "model",
                                      effort_style="none", key_required=False)
        self._fill_list(name)
        self.label_edit.setFocus()
        self.label_edit.selectAll()

    def remove_current(self) -> None:
        profile = self.current
        if profile is None or profile.name in BUILTIN_PROFILES:
            return
        del self.profiles[profile.name]
        self.key_changes.store.pop(profile.name, None)
        self.key_changes.delete.add(profile.name)
        if self.active == profile.name:
            self.active = next(iter(self.profiles))
        self._fill_list(self.active)

    # ---------------------------------------------------------------- form

    def _load_form(self) -> None:
        profile = self.current
        self._loading = True
        try:
            enabled = profile is not None
            for widget in (self.label_edit, self.base_url, self.model, self.effort_style,
                           self.key_required, self.key_edit, self.use_for_new, self.test_button):
                widget.setEnabled(enabled)
            self.test_result.clear()
            if profile is None:
                return
            builtin = profile.name in BUILTIN_PROFILES
            self.label_edit.setText(profile.label)
            self.label_edit.setReadOnly(builtin)
            self.base_url.setText(profile.base_url)
            self.model.setText(profile.model)
            self.effort_style.setCurrentIndex(
                [v for _t, v in EFFORT_STYLES].index(profile.effort_style))
            self.key_required.setChecked(profile.key_required)
            self.key_required.setEnabled(not builtin)
            self.remove_button.setEnabled(not builtin)
            self.key_edit.clear()
            self._show_key_status(profile)
            self.use_for_new.setChecked(profile.name == self.active)
            self.use_for_new.setEnabled(profile.name != self.active)
            if profile.key_url:
                self.key_link.setText(f'<a href="{profile.key_url}">Get a key from '
                                      f"{profile.label}</a>")
            else:
                self.key_link.clear()
        finally:
            self._loading = False

    def _show_key_status(self, profile: Profile) -> None:
        if profile.name in self.key_changes.store:
            text = "The new key is stored when you press Save."
        elif profile.name in self.key_changes.delete:
            text = "The stored key is forgotten when you press Save."
        else:
            text = key_status(self._keys, profile)
        self.key_state.setText(text)
        self.forget_key.setEnabled(self._keys.lookup(profile).source in ("keyring",
                                                                               "session"))

    def _store_form(self, *_args: object) -> None:
        profile = self.current
        if profile is None or self._loading:
            return
        updated = dataclasses.replace(
            profile,
            label=self.label_edit.text().strip() or profile.label,
            base_url=self.base_url.text().strip(),
            model=self.model.text().strip(),
            effort_style=self.effort_style.currentData(),
            key_required=self.key_required.isChecked(),
        )
        self.profiles[profile.name] = updated
        item = self.list.currentItem()
        if item is not None and item.text() != updated.label:
            item.setText(updated.label)

    def _use_for_new(self, checked: bool) -> None:
        if self._loading or not checked or self._current is None:
            return
        self.active = self._current
        self.use_for_new.setEnabled(False)
        self._mark_active()

    def _key_typed(self, text: str) -> None:
        profile = self.current
        if profile is None:
            return
        if text.strip():
            self.key_changes.store[profile.name] = text.strip()
            self.key_changes.delete.discard(profile.name)
        else:
            self.key_changes.store.pop(profile.name, None)
        self._show_key_status(profile)

    def _forget_key(self) -> None:
        profile = self.current
        if profile is None:
            return
        self.key_changes.store.pop(profile.name, None)
        self.key_changes.delete.add(profile.name)
        self.key_edit.clear()
        self._show_key_status(profile)

    # ---------------------------------------------------------------- test

    def request_test(self) -> None:
        profile = self.current
        if profile is None:
            return
        self.test_result.setText("Testing…")
        self.test_button.setEnabled(False)
        self.testRequested.emit(profile, self.key_edit.text().strip())

    def show_test_result(self, profile_name: str, ok: bool, message: str) -> None:
        if profile_name != self._current:
            return
        self.test_button.setEnabled(True)
        mark = "✓" if ok else "✗"
        self.test_result.setText(f"{mark} {message}")

    def problems(self) -> list[str]:
        found = []
        for profile in self.profiles.values():
            if not re.match(r"^https?://\S+$", profile.base_url):
                found.append(f"{profile.label}: the base URL must start with http:// or https://")
            if not profile.model:
                found.append(f"{profile.label}: a model name is needed")
        return found


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

        chat = QWidget(self)
        self.send_enter = QRadioButton("Enter sends, Shift+Enter starts a new line", chat)
        self.send_ctrl_enter = QRadioButton("Ctrl+Enter sends, Enter starts a new line", chat)
        group = QButtonGroup(chat)
        group.addButton(self.send_enter)
        group.addButton(self.send_ctrl_enter)
        (self.send_enter if settings.ui.send_with_enter else self.send_ctrl_enter).setChecked(True)
        self.effort = QComboBox(chat)
        for text, value in EFFORTS:
            self.effort.addItem(text, value)
        self.effort.setCurrentIndex([v for _t, v in EFFORTS].index(
            settings.defaults.reasoning_effort))
        self.set_temperature = QCheckBox("Set", chat)
        self.temperature = QDoubleSpinBox(chat)
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.set_temperature.toggled.connect(self.temperature.setEnabled)
        has_temperature = settings.defaults.temperature is not None
        self.set_temperature.setChecked(has_temperature)
        self.temperature.setValue(settings.defaults.temperature or 1.0)
        self.temperature.setEnabled(has_temperature)
        self.model_titles = QCheckBox(
            "Let the model suggest titles (one extra short request)", chat)
        self.model_titles.setChecked(settings.defaults.model_titles)
        self.system_prompt = QPlainTextEdit(settings.defaults.system_prompt, chat)
        self.system_prompt.setPlaceholderText("Optional instructions sent before every new chat")
        sending = QGroupBox("Sending", chat)
        sending_layout = QVBoxLayout(sending)
        sending_layout.addWidget(self.send_enter)
        sending_layout.addWidget(self.send_ctrl_enter)
        defaults = QGroupBox("Defaults for new chats", chat)
        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.set_temperature)
        temperature_row.addWidget(self.temperature, 1)
        defaults_form = QFormLayout(defaults)
        defaults_form.addRow("Reasoning effort", self.effort)
        defaults_form.addRow("Temperature", temperature_row)
        defaults_form.addRow("System prompt", self.system_prompt)
        defaults_form.addRow("", self.model_titles)
        chat_layout = QVBoxLayout(chat)
        chat_layout.addWidget(sending)
        chat_layout.addWidget(defaults, 1)

        appearance = QWidget(self)
        self.theme = QComboBox(appearance)
        for text, theme in THEMES:
            self.theme.addItem(text, theme)
        self.theme.setCurrentIndex([t for _x, t in THEMES].index(settings.ui.theme))
        self.font_size = QSpinBox(appearance)
        self.font_size.setRange(0, 32)
        self.font_size.setSpecialValueText("System default")
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(settings.ui.font_size)
        self.show_reasoning = QCheckBox("Open reasoning blocks by default", appearance)
        self.show_reasoning.setChecked(settings.ui.show_reasoning)
        appearance_form = QFormLayout(appearance)
        appearance_form.addRow("Theme", self.theme)
        appearance_form.addRow("Font size", self.font_size)
        appearance_form.addRow("", self.show_reasoning)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.providers, "Providers")
        self.tabs.addTab(chat, "Chat")
        self.tabs.addTab(appearance, "Appearance")
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
        theme: Theme = self.theme.currentData()
        return dataclasses.replace(
            self._settings,
            active_profile=self.providers.active,
            profiles=dict(self.providers.profiles),
            defaults=dataclasses.replace(
                self._settings.defaults,
                reasoning_effort=self.effort.currentData(),
                temperature=(round(self.temperature.value(), 2)
                             if self.set_temperature.isChecked() else None),
                system_prompt=self.system_prompt.toPlainText().strip(),
                model_titles=self.model_titles.isChecked(),
            ),
            ui=UIPreferences(
                send_with_enter=self.send_enter.isChecked(),
                theme=theme,
                font_size=self.font_size.value(),
                show_reasoning=self.show_reasoning.isChecked(),
            ),
            network=self.network.result(),
        )

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
