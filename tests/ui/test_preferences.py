"""Preferences: settings go to config.toml, keys to the keyring (never back to the screen)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from grokdesk import paths
from grokdesk.config import Settings, load_settings
from grokdesk.secrets import KeyStore
from grokdesk.ui.dialogs.preferences import PreferencesDialog
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-preferences-key-98765"


def open_preferences(qtbot: QtBot, keys: KeyStore,
                     settings: Settings | None = None) -> tuple[PreferencesDialog, Path]:
    path = paths.config_path()
    dialog = PreferencesDialog(settings or Settings(), keys, path)
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.open()
    return dialog, path


def save(qtbot: QtBot, dialog: PreferencesDialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_preferences_save_to_the_config_file_and_the_key_to_the_keyring(
        qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog, path = open_preferences(qtbot, KeyStore())
    saved: list[Settings] = []
    dialog.saved.connect(lambda settings, _notes: saved.append(settings))
    page = dialog.providers
    page.select("xai")
    qtbot.keyClicks(page.key_edit, KEY)
    qtbot.mouseClick(page.use_for_new, Qt.MouseButton.LeftButton)
    chat, appearance = dialog.chat, dialog.appearance
    chat.send_ctrl_enter.setChecked(True)
    appearance.theme.setCurrentIndex(appearance.theme.findData("dark"))
    appearance.font_size.setValue(13)
    chat.effort.setCurrentIndex(chat.effort.findData("high"))
    chat.set_temperature.setChecked(True)
    chat.temperature.setValue(0.4)
    chat.system_prompt.setPlainText("Be brief.")
    save(qtbot, dialog)

    assert not dialog.isVisible()
    assert memory_keyring.passwords == {("grokdesk", "xai"): KEY}
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    data = tomllib.loads(text)
    assert data["active_profile"] == "xai"
    assert data["ui"]["send_with_enter"] is False
    assert data["ui"]["theme"] == "dark"
    assert data["ui"]["font_size"] == 13
    assert data["defaults"]["reasoning_effort"] == "high"
    assert data["defaults"]["temperature"] == 0.4
    assert data["defaults"]["system_prompt"] == "Be brief."
    assert load_settings(path).settings == saved[0]


def test_a_stored_key_is_never_shown_back(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore()
    keys.store("aimlapi", KEY)
    dialog, _path = open_preferences(qtbot, keys)
    page = dialog.providers
    page.select("aimlapi")
    assert page.key_edit.text() == ""
    assert "stored in the system keyring" in page.key_state.text()
    assert page.key_edit.echoMode() == page.key_edit.EchoMode.Password
    qtbot.mouseClick(page.forget_key, Qt.MouseButton.LeftButton)
    save(qtbot, dialog)
    assert memory_keyring.passwords == {}


def test_a_custom_service_with_an_optional_key(qtbot: QtBot,
                                               memory_keyring: MemoryKeyring) -> None:
    dialog, path = open_preferences(qtbot, KeyStore())
    page = dialog.providers
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    page.label_edit.clear()
    qtbot.keyClicks(page.label_edit, "My llama")
    page.base_url.clear()
    qtbot.keyClicks(page.base_url, "http://127.0.0.1:9999/v1")
    page.model.clear()
    qtbot.keyClicks(page.model, "qwen3-8b")
    assert not page.key_required.isChecked()
    assert "optional" in page.key_state.text()
    save(qtbot, dialog)
    profile = load_settings(path).settings.profiles["custom"]
    assert (profile.label, profile.base_url, profile.model, profile.key_required) == (
        "My llama", "http://127.0.0.1:9999/v1", "qwen3-8b", False)
    assert memory_keyring.passwords == {}


def test_a_bad_base_url_is_named_and_nothing_is_written(
        qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog, path = open_preferences(qtbot, KeyStore())
    page = dialog.providers
    page.select("openrouter")
    page.base_url.clear()
    qtbot.keyClicks(page.base_url, "openrouter.ai/api")
    save(qtbot, dialog)
    assert dialog.isVisible()
    assert "must start with http" in dialog.error.text()
    assert not path.exists()
