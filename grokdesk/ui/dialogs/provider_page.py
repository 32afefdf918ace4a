"""The Providers page of Preferences: the profile list, and the form for the selected one.

A key typed here is never shown back: the field stays empty and says where the stored
key lives. Typed and forgotten keys are only collected (:class:`KeyChanges`); the dialog
writes them when Save is pressed. "Test connection" is a request, so the page only asks
for it (``testRequested``) and shows what the controller reports.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from grokdesk.api.types import EffortStyle
from grokdesk.config import BUILTIN_PROFILES, Profile, Settings
from grokdesk.secrets import KeyStore

EFFORT_STYLES: list[tuple[str, EffortStyle]] = [
    ('"reasoning": {"effort": …} (AI/ML API, OpenRouter)', "reasoning_object"),
    ('"reasoning_effort": … (xAI, OpenAI)', "reasoning_effort"),
    ("Not sent", "none"),
]


@dataclass
class KeyChanges:
    """Keys typed (to store) and keys to forget, by profile name."""

    store: dict[str, str] = field(default_factory=dict)
    delete: set[str] = field(default_factory=set)


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
