"""The window on a laptop: network preferences, cached model lists, drafts, offline sends,
model titles, the plain-http warning, a recovered history and two windows at once.

Every test drives the real window over the fake provider on loopback.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import tomllib
from pathlib import Path

import pytest
import trustme
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from grokdesk import paths
from grokdesk.config import NetworkPreferences, Settings
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from grokdesk.ui.dialogs.conversation_settings import ConversationSettingsDialog
from grokdesk.ui.dialogs.preferences import PreferencesDialog
from grokdesk.ui.main_window import MainWindow
from tests.support import fake_api
from tests.ui.conftest import KEY, AppHarness, MakeWindow

PROXY_PASSWORD = "proxy-secret-7788"


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was just free)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def open_dialog(window: MainWindow, kind: type[QDialog]) -> QDialog:
    found = [d for d in window.findChildren(kind) if d.isVisible()]
    assert found, f"no {kind.__name__} is open"
    return found[-1]


def one_conversation(history: History) -> None:
    conversation = history.create_conversation("Talk", ConversationSettings(provider="aimlapi"))
    history.add_message(conversation.id, "user", "hello")


# ------------------------------------------------------------------------- 1. network


def test_network_preferences_validate_save_and_reach_the_service(
        make_window: MakeWindow, tmp_path: Path) -> None:
    harness = make_window()
    window = harness.window
    service = harness.controller.service
    old_client = service.client_for(service.profile_for(None))
    window.actions_.preferences.trigger()
    dialog = open_dialog(window, PreferencesDialog)
    assert isinstance(dialog, PreferencesDialog)
    page = dialog.network
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)

    page.proxy.setText("ftp://127.0.0.1:21")
    page.ca_bundle.setText(str(tmp_path / "missing.pem"))
    save.click()
    assert dialog.isVisible()
    assert dialog.tabs.currentWidget() is page
    assert "is not a proxy URL" in page.proxy_error.text()
    assert "does not exist" in page.ca_error.text()
    assert not harness.config_path.exists()

    bundle = tmp_path / "corporate-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    page.proxy.setText("http://127.0.0.1:3128")
    page.proxy_user.setText("alice")
    page.proxy_password.setText(PROXY_PASSWORD)
    assert page.proxy_password.echoMode() == page.proxy_password.EchoMode.Password
    page.no_proxy.setText("localhost, 127.0.0.1, ::1, intranet.example")
    page.ca_bundle.setText(str(bundle))
    page.connect_timeout.setValue(3.5)
    page.read_timeout.setValue(45)
    save.click()
    assert not dialog.isVisible()

    text = harness.config_path.read_text(encoding="utf-8")
    assert PROXY_PASSWORD not in text and "alice" not in text
    network = tomllib.loads(text)["network"]
    assert network["proxy"] == "http://127.0.0.1:3128"
    assert network["ca_bundle"] == str(bundle)
    assert (network["connect_timeout"], network["read_timeout"]) == (3.5, 45.0)
    assert harness.keyring.passwords[("grokdesk", "proxy:127.0.0.1")] == \
        f"alice:{PROXY_PASSWORD}"
    assert service.settings.network.proxy == "http://127.0.0.1:3128"
    assert service.proxy_credentials.lookup("http://127.0.0.1:3128") == (
        "alice", PROXY_PASSWORD)

    async def scenario() -> None:
        await harness.until(lambda: old_client._http.is_closed, what="the old client closed")
        # The fake listens on 127.0.0.1, which bypasses the proxy: a turn still works.
        harness.send("through the new settings")
        await harness.idle()

    harness.run(scenario())
    assert service.client_for(service.profile_for(None)) is not old_client
    assert harness.fake.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"

    window.actions_.preferences.trigger()
    again = open_dialog(window, PreferencesDialog)
    assert isinstance(again, PreferencesDialog)
    assert again.network.proxy_password.text() == ""
    assert again.network.proxy_user.text() == "alice"
    assert "stored in the system keyring" in again.network.credentials_state.text()
    again.reject()


# ------------------------------------------------------------------------- 2. models


def test_test_connection_and_the_model_picker_use_the_service_and_work_offline(
        make_window: MakeWindow) -> None:
    harness = make_window(prepare=one_conversation)
    window = harness.window

    async def picker(refresh: bool = False) -> ConversationSettingsDialog:
        window.actions_.settings.trigger()
        dialog = open_dialog(window, ConversationSettingsDialog)
        assert isinstance(dialog, ConversationSettingsDialog)
        if refresh:
            dialog.refresh_models.click()
        await harness.until(lambda: "models offered" in dialog.models_note.text(),
                            what="the model list")
        return dialog

    async def scenario() -> None:
        online = await picker()
        index = online.model.findData("x-ai/grok-3-mini-beta")
        assert index >= 0
        assert "Grok 3 Mini Beta" in online.model.itemText(index)
        assert "131k tokens" in online.model.itemText(index)
        assert online.model.findData("flux/schnell") < 0
        assert "cached" not in online.models_note.text()
        online.model.setCurrentIndex(index)
        online.model.textActivated.emit(online.model.itemText(index))
        assert online.model.model_id() == "x-ai/grok-3-mini-beta"
        online.model.setEditText("free/text-model")
        assert online.model.model_id() == "free/text-model"
        online.reject()

        harness.fake.stop()
        cached = await picker()
        assert cached.model.findData("x-ai/grok-3-mini-beta") >= 0
        assert "cached list" in cached.models_note.text()
        cached.models_note.clear()
        cached.refresh_models.click()
        await harness.until(lambda: "unreachable" in cached.models_note.text(),
                            what="the cached list after a failed refresh")
        assert cached.model.findData("x-ai/grok-3-mini-beta") >= 0
        cached.reject()
        await harness.until(lambda: "unreachable" in window.status.online.text(),
                            what="offline in the status bar")

    harness.run(scenario())


# ------------------------------------------------------------------------- 3. drafts


def test_drafts_survive_a_switch_and_a_restart_and_sending_clears_them(
        make_window: MakeWindow) -> None:
    def two(history: History) -> None:
        for title in ("First", "Second"):
            conversation = history.create_conversation(title, ConversationSettings())
            history.add_message(conversation.id, "user", title.lower())
            time.sleep(0.01)

    first = make_window(prepare=two)
    window = first.window
    second_id = window.current_id
    assert second_id is not None
    first_id = next(c.id for c in first.history.list_conversations() if c.id != second_id)
    first.qtbot.keyClicks(window.composer.input, "half a thought")
    window.open_conversation(first_id)
    assert window.composer.text() == ""
    first.qtbot.keyClicks(window.composer.input, "draft in the first")

    async def debounced() -> None:
        drafts = paths.data_dir() / "drafts.json"
        await first.until(lambda: drafts.exists() and "draft in the first"
                          in drafts.read_text(encoding="utf-8"), 3.0, "the debounced save")

    first.run(debounced())
    window.open_conversation(second_id)
    assert window.composer.text() == "half a thought"
    first.close()

    second = make_window()
    assert second.window.current_id == second_id
    assert second.window.composer.text() == "half a thought"
    second.window.open_conversation(first_id)
    assert second.window.composer.text() == "draft in the first"

    async def send() -> None:
        second.qtbot.keyClick(second.window.composer.input, Qt.Key.Key_Return)
        await second.idle()

    second.run(send())
    assert second.window.composer.text() == ""
    saved = json.loads((paths.data_dir() / "drafts.json").read_text(encoding="utf-8"))
    assert saved["drafts"] == {str(second_id): "half a thought"}
    assert KEY not in json.dumps(saved)


# ------------------------------------------------------------------------- 4. offline


def test_an_offline_send_fails_fast_keeps_the_text_and_says_offline(
        make_window: MakeWindow) -> None:
    # Failing fast means not waiting out the connect timeout: set it long, so the two
    # differ by far more than a loaded machine can add.
    network = NetworkPreferences(connect_timeout=60.0, read_timeout=60.0, max_retries=0)
    harness = make_window(base_url=closed_port_url(), settings=Settings(network=network))
    window = harness.window

    async def scenario() -> float:
        started = time.monotonic()
        harness.send("are you there?")
        await harness.until(lambda: window.composer.text() == "are you there?", 30.0,
                            "the text back in the box")
        elapsed = time.monotonic() - started
        await harness.idle()
        return elapsed

    elapsed = harness.run(scenario())
    assert elapsed < network.connect_timeout / 3, "the refusal was taken at once"
    assert "Offline — 127.0.0.1 unreachable" in window.status.online.text()
    assert "unreachable" in window.statusBar().currentMessage()
    messages = harness.history.messages(window.current_id)  # type: ignore[arg-type]
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[-1].status == "error"

    async def back_online() -> None:
        window.controller.service.base_url_override = harness.fake.url
        harness.qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
        await harness.idle()

    harness.run(back_online())
    messages = harness.history.messages(window.current_id)  # type: ignore[arg-type]
    assert [m.role for m in messages] == ["user", "assistant"]  # a retry, not a duplicate
    assert messages[-1].status == "complete"
    assert "Online" in window.status.online.text()
    assert window.composer.text() == ""


# ------------------------------------------------------------------------- 5. titles


def test_the_model_suggests_a_title_in_the_background_when_enabled(
        make_window: MakeWindow) -> None:
    from grokdesk.config import ChatDefaults, Settings
    from tests.ui.conftest import TEST_NETWORK

    harness = make_window(settings=Settings(network=TEST_NETWORK,
                                            defaults=ChatDefaults(model_titles=True)))
    window = harness.window
    harness.fake.queue(fake_api.stream(), fake_api.completion("Otters and beavers"))

    async def scenario() -> None:
        harness.send("tell me about otters and beavers please")
        await harness.until(lambda: window.windowTitle().startswith("Otters and beavers"),
                            what="the suggested title")
        conversation_id = window.current_id
        assert conversation_id is not None
        listed = harness.window.parts.conversations.conversation(conversation_id)
        assert listed is not None and listed.title == "Otters and beavers"

        harness.fake.queue(fake_api.completion("Dam builders"))
        window.actions_.suggest_title.trigger()
        await harness.until(lambda: window.windowTitle().startswith("Dam builders"),
                            what="the forced title")
        harness.fake.queue(fake_api.json_error(500, "down"))
        window.actions_.suggest_title.trigger()
        await asyncio.sleep(0.3)

    harness.run(scenario())
    assert window.windowTitle().startswith("Dam builders")
    assert len(harness.fake.chat_requests) == 4


def test_no_title_request_unless_enabled(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    window.actions_.preferences.trigger()
    dialog = open_dialog(window, PreferencesDialog)
    assert isinstance(dialog, PreferencesDialog)
    assert dialog.chat.model_titles.text() == \
        "Let the model suggest titles (one extra short request)"
    assert not dialog.chat.model_titles.isChecked()
    dialog.reject()

    async def scenario() -> None:
        harness.send("no titles please")
        await harness.idle()
        await asyncio.sleep(0.1)

    harness.run(scenario())
    assert len(harness.fake.chat_requests) == 1


# ------------------------------------------------------------------------- 6. plain http


def test_plain_http_asks_before_the_key_is_sent(make_window: MakeWindow,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    harness = make_window()
    window = harness.window
    warning = "AI/ML API uses plain http:// to api.example: the API key would travel unencrypted"
    monkeypatch.setattr(harness.controller.service, "insecure_transport_warning",
                        lambda conversation=None: warning)
    banner = window.insecure_banner

    async def scenario() -> None:
        harness.send("secret plans")
        await asyncio.sleep(0.1)
        assert banner.isVisible() and "unencrypted" in banner.label.text()
        assert banner.label.textFormat() == Qt.TextFormat.PlainText, "the address, as it is"
        assert harness.fake.requests == []
        banner.reject_button.click()
        assert not banner.isVisible()
        assert window.composer.text() == "secret plans"
        assert harness.history.count_conversations() == 0

        harness.send("secret plans")
        await asyncio.sleep(0.05)
        assert banner.isVisible()
        banner.accept_button.click()
        await harness.idle()
        assert harness.fake.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"

        harness.send("second message")
        await asyncio.sleep(0.05)
        assert not banner.isVisible()
        await harness.idle()

    harness.run(scenario())
    assert len(harness.fake.chat_requests) == 2


# ------------------------------------------------------------------------- 7. recovery


def test_a_damaged_history_is_moved_aside_and_said_once(make_window: MakeWindow,
                                                        tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"
    database.write_bytes(b"this is not a database at all " * 200)
    harness = make_window(recover=True)
    window = harness.window
    banner = window.notice_banner
    assert banner.isVisible()
    assert "The history file was damaged" in banner.label.text()
    assert "damaged" in window.statusBar().currentMessage()
    moved = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert moved and moved[0].read_bytes().startswith(b"this is not a database")
    recovered = banner.label.text()
    window.show_notice("The newest conversation could not be opened: disk I/O error")
    assert banner.label.text() == (f"{recovered}\nThe newest conversation could not be "
                                   "opened: disk I/O error"), "the first notice stays"
    banner.accept_button.click()
    assert not banner.isVisible()
    window.show_notice("Later news")
    assert banner.label.text() == "Later news", "a dismissed notice is not shown again"
    banner.accept_button.click()

    async def scenario() -> None:
        harness.send("a fresh start")
        await harness.idle()

    harness.run(scenario())
    assert harness.history.count_conversations() == 1


# ------------------------------------------------------------------------- 8. two windows


def test_two_windows_over_one_history_see_each_others_changes(
        make_window: MakeWindow) -> None:
    first = make_window(prepare=one_conversation)
    second = make_window()
    assert first.history.db is not second.history.db

    def titles(harness: AppHarness) -> list[str]:
        model = harness.window.parts.conversations
        return [model.conversation_at(row).title  # type: ignore[union-attr]
                for row in range(model.rowCount())]

    async def scenario() -> None:
        first.window.new_chat()
        first.send("written in the first window")
        await first.idle()
        second.send("written in the second window")
        await second.idle()
        assert "written in the first window" not in titles(second)
        second.window.sync_external_changes()
        first.window.sync_external_changes()

    first.run(scenario())
    assert "written in the first window" in titles(second)
    assert titles(first) == titles(second)
    assert first.history.count_conversations() == second.history.count_conversations() == 2


def test_the_open_conversation_follows_another_window(make_window: MakeWindow) -> None:
    first = make_window(prepare=one_conversation)
    second = make_window()
    talk_id = first.window.current_id
    assert talk_id == second.window.current_id

    async def scenario() -> None:
        second.send("a follow-up from elsewhere")
        await second.idle()
        assert len(first.window.transcript.messages) == 1
        first.window.sync_external_changes()
        contents = [m.content for m in first.window.transcript.messages]
        assert contents[:2] == ["hello", "a follow-up from elsewhere"]
        assert len(contents) == 3

    first.run(scenario())
