"""The first-run welcome: asks for the key kindly, keeps it in the keyring or for this session."""

from __future__ import annotations

from keyring.backends import fail
from keyring.errors import PasswordSetError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from grokdesk.config import BUILTIN_PROFILES, Settings
from grokdesk.secrets import KeyStore
from grokdesk.ui.dialogs.onboarding import WelcomeDialog
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-welcome-test-key-1234"


def open_welcome(qtbot: QtBot, keys: KeyStore, profile: str | None = None) -> WelcomeDialog:
    dialog = WelcomeDialog(Settings(), keys, profile)
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.open()
    return dialog


def test_welcome_links_to_the_key_page_and_saves_to_the_keyring(
        qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore()
    dialog = open_welcome(qtbot, keys)
    assert "https://aimlapi.com/app/keys" in dialog.intro.text()
    assert "system keyring" in dialog.where.text()
    assert "MemoryKeyring" in dialog.where.text()
    assert not dialog.save_button.isEnabled()
    saved: list[tuple[str, str]] = []
    dialog.keySaved.connect(lambda name, where: saved.append((name, where)))
    qtbot.keyClicks(dialog.key_edit, KEY)
    assert dialog.key_edit.echoMode() == dialog.key_edit.EchoMode.Password
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved == [("aimlapi", "keyring")]
    assert memory_keyring.passwords == {("grokdesk", "aimlapi"): KEY}
    assert not dialog.isVisible()


def test_another_provider_can_be_chosen(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog = open_welcome(qtbot, KeyStore(), "xai")
    assert dialog.profile_name == "xai"
    assert "console.x.ai" in dialog.intro.text()
    assert dialog.provider.findData("ollama") == -1, "a provider that needs no key is not offered"
    qtbot.keyClicks(dialog.key_edit, KEY)
    qtbot.keyClick(dialog.key_edit, Qt.Key.Key_Return)
    assert memory_keyring.passwords == {("grokdesk", "xai"): KEY}


def test_without_a_keyring_the_key_is_offered_for_this_session(qtbot: QtBot) -> None:
    keys = KeyStore(backend=fail.Keyring())
    dialog = open_welcome(qtbot, keys)
    assert "No system keyring" in dialog.where.text()
    assert "until grokdesk closes" in dialog.where.text()
    assert dialog.save_button.text() == "Use for this session"
    qtbot.keyClicks(dialog.key_edit, KEY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    found = keys.lookup(BUILTIN_PROFILES["aimlapi"])
    assert (found.key, found.source) == (KEY, "session")


class RefusingKeyring(MemoryKeyring):
    """A keyring that is there but does not store: a locked or broken Secret Service."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("the collection is locked")


def test_a_keyring_that_cannot_save_is_said_once_and_the_dialog_grows_to_fit(
        qtbot: QtBot) -> None:
    keys = KeyStore(backend=RefusingKeyring())
    dialog = open_welcome(qtbot, keys)
    assert dialog.save_button.text() == "Save key"
    qtbot.keyClicks(dialog.key_edit, KEY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible(), "the dialog stays, with the other way to go on"
    assert dialog.where.text().startswith("No system keyring is available (PasswordSetError)")
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisible())
    assert shown.count("cannot be saved") == 1, "the fact is said once"
    assert dialog.save_button.text() == "Use for this session"
    qtbot.waitUntil(lambda: dialog.height() >= dialog.sizeHint().height())
    for label in (dialog.intro, dialog.where):
        assert label.height() >= label.heightForWidth(label.width()), "no line is cut off"

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    found = keys.lookup(BUILTIN_PROFILES["aimlapi"])
    assert (found.key, found.source) == (KEY, "session")
    assert not dialog.isVisible()
