"""The window end to end: real widgets, a real qasync loop, the fake provider over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLabel

from grokdesk.api.types import ContentDelta, ReasoningDelta
from grokdesk.chat.changes import Changes
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from grokdesk.ui.dialogs.conversation_settings import ConversationSettingsDialog
from grokdesk.ui.dialogs.onboarding import WelcomeDialog
from grokdesk.ui.main_window import MainWindow
from grokdesk.ui.ui_state import UIState
from tests.support import fake_api
from tests.ui.conftest import KEY, AppHarness, LiveWatch, MakeWindow
from tests.ui.helpers import confirm_delete, shown_text

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def press(harness: AppHarness, key: Qt.Key,
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the user's focus is (the composer), so window shortcuts apply."""
    target = QApplication.focusWidget() or harness.window.composer.input
    harness.qtbot.keyClick(target, key, modifiers)


def dialogs_of(window: MainWindow, kind: type[QDialog]) -> list[QDialog]:
    return [d for d in window.findChildren(kind) if d.isVisible()]


def two_conversations(history: History) -> None:
    older = history.create_conversation("Older talk", ConversationSettings(provider="aimlapi"))
    history.add_message(older.id, "user", "something old")
    time.sleep(0.01)
    newest = history.create_conversation("Newest talk", ConversationSettings(provider="aimlapi"))
    history.add_message(newest.id, "user", "something new")


# ------------------------------------------------------------------------- start


def test_on_start_the_newest_conversation_is_open_and_the_composer_has_focus(
        make_window: MakeWindow) -> None:
    harness = make_window(prepare=two_conversations)
    window = harness.window
    assert window.windowTitle() == "Newest talk — grokdesk"
    assert [m.content for m in window.transcript.messages] == ["something new"]
    assert window.sidebar.selected_id() == window.current_id
    assert not window.windowIcon().isNull()

    async def focused() -> None:
        await harness.until(lambda: QApplication.focusWidget() is window.composer.input,
                            what="the composer to have focus")
    harness.run(focused())


def test_an_empty_history_opens_a_new_chat(make_window: MakeWindow) -> None:
    harness = make_window()
    assert harness.window.windowTitle() == "New chat — grokdesk"
    assert harness.window.current_id is None
    assert harness.history.count_conversations() == 0


# ------------------------------------------------------------------------- send and stream


def _assert_shown_live_then_stored(harness: AppHarness, watch: LiveWatch, text: str) -> None:
    """Reasoning streamed before the answer, the pane showed every event live, and the
    stored conversation is what the window shows."""
    window = harness.window
    kinds = [kind for kind in watch.kinds() if kind in (ReasoningDelta, ContentDelta)]
    assert kinds.index(ContentDelta) > kinds.index(ReasoningDelta), "reasoning comes first"
    assert all(frame.live_shown for frame in watch.frames), "every event reached a live answer"
    assert all(frame.thinking for frame in watch.reasoning_only()), \
        "the reasoning block says Thinking… until the answer starts"
    assert window.transcript.live is None, "the live answer ended with its stream"

    conversation = harness.history.latest_conversation()
    assert conversation is not None and conversation.title == text
    user, answer = harness.history.messages(conversation.id)
    assert (user.role, user.content) == ("user", text)
    assert answer.status == "complete" and answer.content
    assert [m.id for m in window.transcript.messages] == [user.id, answer.id]
    view = window.transcript.view_for(answer.id)
    assert view is not None and view.reasoning is not None and not view.reasoning.thinking
    assert shown_text(view).strip(), "the answer is drawn"
    assert window.windowTitle() == f"{text} — grokdesk"
    assert window.sidebar.selected_id() == conversation.id


def test_send_streams_reasoning_then_the_answer_and_stores_both(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    harness.fake.delay = 0.02  # between chunks of its echoing answer: reads of their own
    watch = harness.watch_live()

    async def scenario() -> None:
        harness.send("Hello there")
        assert window.composer.text() == "", "the core stored it, so the box is cleared"
        await harness.idle()

    harness.run(scenario())
    _assert_shown_live_then_stored(harness, watch, "Hello there")
    assert watch.reasoning_only(), "paced, the reasoning came in reads of its own"
    answer = harness.history.messages(window.current_id)[-1]  # type: ignore[arg-type]
    assert "Hello there" in answer.content and answer.reasoning.startswith("The user wrote")
    assert "tokens" in window.status.usage.text() and "$" in window.status.usage.text()
    assert "Online" in window.status.online.text()
    assert "AI/ML API" in window.status.provider.text()
    assert harness.fake.last_body["messages"][-1] == {"role": "user", "content": "Hello there"}


def test_an_answer_that_starts_and_ends_between_two_looks_is_still_shown_live(
        make_window: MakeWindow) -> None:
    """The cause of a failure seen only under load: the whole answer came in one read,
    so it began and ended while the test slept, and polling for the live answer afterwards
    never saw it. Here the loop is held still until the reply has been written, as a busy
    machine holds it; only then does the test look."""
    harness = make_window()
    window = harness.window
    harness.fake.queue(fake_api.whole_stream(["Thinking fast. "], ["All ", "at ", "once."]))
    watch = harness.watch_live()

    async def scenario() -> None:
        harness.send("Quick one")
        await harness.until(lambda: harness.fake.chat_requests, what="the request")
        time.sleep(0.3)
        await asyncio.sleep(0.05)
        assert window.transcript.live is None, "the answer came and went before this look"
        await harness.idle()

    harness.run(scenario())
    _assert_shown_live_then_stored(harness, watch, "Quick one")
    answer = window.transcript.messages[-1]
    assert answer.content == "All at once."
    assert shown_text(window.transcript.view_for(answer.id)).strip() == "All at once."  # type: ignore[arg-type]


def test_stop_mid_stream_keeps_the_partial_answer_as_interrupted(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    words = [f"word{n} " for n in range(400)]
    harness.fake.queue(fake_api.stream(["Thinking it over. "], words, delay=0.02))

    async def scenario() -> None:
        harness.send("Tell me a long story")
        await harness.until(lambda: len(getattr(harness.controller.live, "content", ())) > 5,
                            what="some of the answer")
        assert window.actions_.stop.isEnabled()
        press(harness, Qt.Key.Key_Escape)
        await harness.idle()

    harness.run(scenario())
    answer = harness.history.messages(window.current_id)[-1]  # type: ignore[arg-type]
    assert answer.status == "interrupted"
    assert answer.content.startswith("word0 word1 ")
    assert len(answer.content) < len("".join(words))
    assert window.transcript.messages[-1].status == "interrupted"
    assert not window.actions_.stop.isEnabled()
    assert window.composer.button.text() == "Send"
    assert harness.fake.wait_for_early_close() is not None, "the connection was closed"


def test_show_reasoning_toggles_every_block_and_is_remembered(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window

    async def scenario() -> None:
        harness.send("first")
        await harness.idle()
        harness.send("second")
        await harness.idle()

    harness.run(scenario())
    blocks = [v.reasoning for v in window.transcript.built_views() if v.reasoning is not None]
    assert len(blocks) == 2 and all(b.expanded for b in blocks)
    action = window.actions_.show_reasoning
    assert action.shortcut() == QKeySequence("Ctrl+R") and action.isChecked()
    press(harness, Qt.Key.Key_R, CTRL)
    assert not action.isChecked()
    assert not any(b.expanded for b in blocks)
    assert UIState(harness.ui_state_path).show_reasoning(True) is False
    blocks[0].flip()
    assert blocks[0].expanded and not blocks[1].expanded, "each block still opens on its own"
    press(harness, Qt.Key.Key_R, CTRL)
    assert all(b.expanded for b in blocks)


def test_switching_away_during_a_stream_and_back_shows_it_live(make_window: MakeWindow) -> None:
    harness = make_window(prepare=two_conversations)
    window = harness.window
    other = window.current_id
    words = [f"w{n} " for n in range(120)]
    harness.fake.queue(fake_api.stream(["Hmm. "], words, delay=0.01))

    async def scenario() -> None:
        window.new_chat()
        harness.send("Long one")
        streaming = window.current_id
        await harness.until(lambda: len(getattr(harness.controller.live, "content", ())) > 10)
        window.open_conversation(other)
        assert window.transcript.live is None
        assert [m.content for m in window.transcript.messages] == ["something new"]
        window.open_conversation(streaming)
        assert window.transcript.live is not None, "the live answer is shown again"
        await harness.idle()

    harness.run(scenario())
    final = window.transcript.messages[-1]
    assert final.status == "complete" and final.content == "".join(words)


def test_a_message_can_be_deleted_from_the_transcript(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window

    async def scenario() -> None:
        harness.send("Delete my answer")
        await harness.idle()

    harness.run(scenario())
    answer = window.transcript.messages[-1]
    window.transcript.deleteRequested.emit(answer.id)
    assert confirm_delete(harness.qtbot, window) == "Delete this message?"
    assert [m.role for m in window.transcript.messages] == ["user"]
    assert harness.history.get_message(answer.id) is None
    assert window.status.usage.text() == ""


def test_deleting_a_question_takes_what_followed_and_restoring_shows_it_again(
        make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window

    async def scenario() -> None:
        harness.send("First")
        await harness.idle()
        harness.send("Second")
        await harness.idle()

    harness.run(scenario())
    shown = [m.id for m in window.transcript.messages]
    published: list[Changes] = []
    harness.controller.changed.connect(published.append)
    window.transcript.deleteRequested.emit(shown[2])
    confirm_delete(harness.qtbot, window)
    assert [m.id for m in window.transcript.messages] == shown[:2]
    deleted = next(c.deleted for c in published if c.deleted is not None)
    harness.controller.service.restore_messages(deleted)
    assert [m.id for m in window.transcript.messages] == shown


def test_regenerate_shows_a_new_version_and_keeps_the_old(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    first: list[int] = []

    async def scenario() -> None:
        harness.send("Give me a name")
        await harness.idle()
        first.append(window.transcript.messages[-1].id)
        harness.fake.queue(fake_api.stream(["Another idea. "], ["Call it ", "Nova."]))
        press(harness, Qt.Key.Key_R, CTRL_SHIFT)
        await harness.until(lambda: harness.controller.busy, what="the new turn")
        await harness.idle()

    harness.run(scenario())
    messages = harness.history.messages(window.current_id)  # type: ignore[arg-type]
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].content == "Call it Nova."
    assert [m.content for m in window.transcript.messages] == ["Give me a name", "Call it Nova."]
    assert len(harness.fake.chat_requests) == 2
    assert harness.history.sibling_ids(messages[1].id) == (first[0], messages[1].id)


def test_edit_a_message_and_resend_shows_the_new_version(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window

    async def scenario() -> None:
        harness.send("What is 2+2?")
        await harness.idle()
        window.actions_.edit_last.trigger()
        user_id = window.transcript.messages[0].id
        view = window.transcript.view_for(user_id)
        assert view is not None and view.editor is not None
        view.editor.edit.setPlainText("What is 3+3?")
        harness.qtbot.mouseClick(view.editor.save_button, Qt.MouseButton.LeftButton)
        await harness.until(lambda: harness.controller.busy, what="the resend")
        await harness.idle()

    harness.run(scenario())
    messages = harness.history.messages(window.current_id)  # type: ignore[arg-type]
    assert [(m.role, m.status) for m in messages] == [("user", "complete"),
                                                      ("assistant", "complete")]
    assert messages[0].content == "What is 3+3?"
    assert "What is 3+3?" in messages[1].content
    assert [m.id for m in window.transcript.messages] == [m.id for m in messages]
    old_question = harness.history.sibling_ids(messages[0].id)[0]
    assert [m.content for m in harness.history.path_to(old_question)] == ["What is 2+2?"]
    assert len(harness.history.tree(window.current_id).messages) == 4  # type: ignore[arg-type]


def test_an_error_is_shown_in_the_conversation_then_retry_succeeds(
        make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    harness.fake.queue(fake_api.json_error(500, "Upstream exploded"))

    async def scenario() -> None:
        harness.send("Will this work?")
        await harness.idle()

    harness.run(scenario())
    failed = harness.history.messages(window.current_id)[-1]  # type: ignore[arg-type]
    assert failed.status == "error" and "Upstream exploded" in (failed.error or "")
    view = window.transcript.view_for(failed.id)
    assert view is not None and view.error_box is not None and view.error_box.isVisible()
    assert "Upstream exploded" in view.error_box.text()
    assert "Online" in window.status.online.text(), "the server answered, so we are online"
    retry = view.error_box.retry_button
    assert retry.isVisible()

    async def retry_it() -> None:
        harness.qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
        await harness.until(lambda: harness.controller.busy, what="the retry")
        await harness.idle()

    harness.run(retry_it())
    messages = harness.history.messages(window.current_id)  # type: ignore[arg-type]
    assert [(m.role, m.status) for m in messages] == [("user", "complete"),
                                                      ("assistant", "complete")]
    assert "Will this work?" in window.transcript.messages[-1].content


def test_no_network_is_said_and_the_status_bar_goes_offline(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    service = harness.controller.service
    service.base_url_override = "http://127.0.0.1:9/v1"

    async def scenario() -> None:
        harness.send("Anyone there?")
        await harness.idle()

    harness.run(scenario())
    failed = window.transcript.messages[-1]
    assert failed.status == "error" and "Could not reach" in (failed.error or "")
    assert "Offline" in window.status.online.text()
    service.base_url_override = harness.fake.url

    async def retry() -> None:
        window.sending.regenerate()
        await harness.idle()

    harness.run(retry())
    assert "Online" in window.status.online.text()


def test_without_a_key_the_welcome_opens_and_the_typed_text_stays(
        make_window: MakeWindow) -> None:
    harness = make_window(key=None)
    window = harness.window

    async def scenario() -> None:
        await harness.until(lambda: dialogs_of(window, WelcomeDialog), what="the welcome")
        welcome = dialogs_of(window, WelcomeDialog)[0]
        welcome.reject()
        await harness.until(lambda: not dialogs_of(window, WelcomeDialog))
        harness.send("My first question")
        await harness.until(lambda: dialogs_of(window, WelcomeDialog), what="welcome again")
        assert window.composer.text() == "My first question"
        assert harness.history.count_conversations() == 0, "nothing stored without a key"
        welcome = dialogs_of(window, WelcomeDialog)[0]
        assert isinstance(welcome, WelcomeDialog)
        harness.qtbot.keyClicks(welcome.key_edit, KEY)
        harness.qtbot.mouseClick(welcome.save_button, Qt.MouseButton.LeftButton)
        assert harness.keyring.passwords == {("grokdesk", "aimlapi"): KEY}
        harness.qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
        await harness.until(lambda: harness.controller.busy, what="the send")
        await harness.idle()

    harness.run(scenario())
    assert window.composer.text() == ""
    assert harness.fake.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert window.transcript.messages[-1].status == "complete"


# ------------------------------------------------------------------------- window


def test_menus_hold_every_action_with_its_shortcut(make_window: MakeWindow) -> None:
    window = make_window().window
    menus = {m.title().replace("&", ""): [a.text().replace("&", "") for a in m.actions()
                                          if not a.isSeparator()]
             for m in (a.menu() for a in window.menuBar().actions()) if m is not None}
    assert list(menus) == ["File", "Edit", "View", "Conversation", "Help"]
    assert menus["File"] == ["New chat", "Export conversation…", "Export as PDF…",
                             "Export all…", "Import…", "Print…", "Preferences…", "Quit"]
    assert {"Copy", "Select all", "Find in conversations", "Edit last message"} <= set(
        menus["Edit"])
    assert {"Show reasoning", "Show sidebar", "Zoom in", "Zoom out", "Reset zoom"} <= set(
        menus["View"])
    assert {"Regenerate answer", "Edit last message", "Stop", "Rename…", "Pin to top",
            "Delete conversation", "Conversation settings…"} <= set(menus["Conversation"])
    assert menus["Help"] == ["Keyboard shortcuts", "About grokdesk"]
    a = window.actions_
    expected = {a.new_chat: "Ctrl+N", a.quit: "Ctrl+Q", a.preferences: "Ctrl+,",
                a.find: "Ctrl+F", a.show_reasoning: "Ctrl+R", a.show_sidebar: "Ctrl+B",
                a.zoom_in: "Ctrl++", a.zoom_out: "Ctrl+-", a.zoom_reset: "Ctrl+0",
                a.regenerate: "Ctrl+Shift+R", a.stop: "Esc", a.rename: "F2",
                a.print_: "Ctrl+P"}
    for action, keys in expected.items():
        assert action.shortcut() == QKeySequence(keys), action.text()
    table = a.shortcut_table()
    assert ("View", "Show reasoning", "Ctrl+R") in table


def test_sidebar_hides_and_the_window_fits_small_screens(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    for width, height in ((1024, 600), (1280, 720)):
        window.resize(width, height)
        harness.qtbot.wait(20)
        assert window.width() <= width and window.height() <= height
        button = window.composer.button
        corner = button.mapTo(window, QPoint(button.width(), button.height()))
        assert window.rect().contains(corner), "the Send button is not clipped"
        assert window.transcript.height() > 200
        assert window.sidebar.width() >= 180
    press(harness, Qt.Key.Key_B, CTRL)
    assert not window.sidebar.isVisible()
    press(harness, Qt.Key.Key_B, CTRL)
    assert window.sidebar.isVisible()


def test_zoom_changes_the_text_size_and_resets(make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    normal = window.transcript.font().pointSizeF()
    press(harness, Qt.Key.Key_Equal, CTRL)
    press(harness, Qt.Key.Key_Plus, CTRL)
    assert window.view.zoom_steps == 2
    assert window.transcript.font().pointSizeF() > normal
    assert window.composer.input.font().pointSizeF() > normal
    press(harness, Qt.Key.Key_Minus, CTRL)
    assert window.view.zoom_steps == 1
    press(harness, Qt.Key.Key_0, CTRL)
    assert window.view.zoom_steps == 0
    assert window.transcript.font().pointSizeF() == normal


def test_geometry_sidebar_and_zoom_are_remembered(make_window: MakeWindow) -> None:
    first = make_window(prepare=two_conversations)
    first.window.resize(777, 555)  # the offscreen screen is 800×600
    first.window.splitter.setSizes([300, 477])
    first.window.view.set_sidebar_visible(False)
    first.window.view.zoom(2)
    first.close()
    second = make_window()
    assert (second.window.width(), second.window.height()) == (777, 555)
    assert not second.window.sidebar.isVisible()
    assert not second.window.actions_.show_sidebar.isChecked()
    assert second.window.view.zoom_steps == 2
    second.window.view.set_sidebar_visible(True)
    second.qtbot.wait(20)
    assert second.window.splitter.sizes()[0] == 300


def test_conversation_settings_offer_the_provider_models_and_are_used(
        make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window

    async def scenario() -> None:
        harness.send("hi")
        await harness.idle()
        window.actions_.settings.trigger()
        dialog = dialogs_of(window, ConversationSettingsDialog)[0]
        assert isinstance(dialog, ConversationSettingsDialog)
        await harness.until(lambda: dialog.model.count() > 0, what="the model list")
        assert dialog.model.findData("x-ai/grok-3-mini-beta") >= 0
        dialog.model.setEditText("my/custom-model")
        dialog.effort.setCurrentIndex(dialog.effort.findData("high"))
        dialog.system_prompt.setPlainText("Answer in French.")
        dialog.accept()
        harness.send("again")
        await harness.idle()

    harness.run(scenario())
    conversation = harness.history.get_conversation(window.current_id)  # type: ignore[arg-type]
    assert conversation is not None
    assert conversation.settings.model == "my/custom-model"
    body = harness.fake.last_body
    assert body["model"] == "my/custom-model"
    assert body["reasoning"] == {"effort": "high"}
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert "my/custom-model" in window.status.provider.text()


def test_preferences_test_connection_reports_success_and_failure(
        make_window: MakeWindow) -> None:
    from grokdesk.ui.dialogs.preferences import PreferencesDialog

    harness = make_window()
    window = harness.window

    async def scenario() -> None:
        window.actions_.preferences.trigger()
        dialog = dialogs_of(window, PreferencesDialog)[0]
        assert isinstance(dialog, PreferencesDialog)
        page = dialog.providers
        page.select("aimlapi")
        page.base_url.setText(harness.fake.url)
        page.base_url.textEdited.emit(harness.fake.url)
        page.test_button.click()
        await harness.until(lambda: "✓" in page.test_result.text(), what="success")
        assert "models available" in page.test_result.text()
        assert harness.fake.requests[-1].headers["authorization"] == f"Bearer {KEY}"
        harness.fake.queue(fake_api.json_error(401, "Invalid API key"), path="/models")
        page.key_edit.setText("sk-wrong-key-000000")
        page.key_edit.textEdited.emit("sk-wrong-key-000000")
        page.test_button.click()
        await harness.until(lambda: "✗" in page.test_result.text(), what="failure")
        assert "API key rejected" in page.test_result.text()
        assert "sk-wrong-key-000000" not in page.test_result.text()
        dialog.reject()

    harness.run(scenario())


def test_help_dialogs_open_without_blocking(make_window: MakeWindow) -> None:
    from grokdesk.ui.dialogs.help import ShortcutsDialog

    harness = make_window()
    window = harness.window
    window.actions_.shortcuts.trigger()
    shortcuts = dialogs_of(window, ShortcutsDialog)
    assert shortcuts and isinstance(shortcuts[0], ShortcutsDialog)
    assert shortcuts[0].table.rowCount() >= 15
    shortcuts[0].reject()
    window.actions_.about.trigger()
    boxes = [w for w in QApplication.topLevelWidgets() if w.isVisible()
             and w.windowTitle() == "About grokdesk"]
    assert boxes
    for box in boxes:
        box.close()


def test_export_and_import_run_in_the_background(make_window: MakeWindow,
                                                 tmp_path: Path) -> None:
    harness = make_window()
    window = harness.window
    notes: list[str] = []
    window.transfer_flow.transfers.finished.connect(lambda _ok, text: notes.append(text))

    async def scenario() -> None:
        harness.send("Keep this one")
        await harness.idle()
        window.transfer_flow.export_to(tmp_path / "one.md", [window.current_id])  # type: ignore[list-item]
        await harness.until(lambda: notes, what="the export")
        window.transfer_flow.export_to(tmp_path / "all.json", None)
        await harness.until(lambda: len(notes) == 2, what="the second export")
        harness.history.delete_conversation(window.current_id)  # type: ignore[arg-type]
        window.parts.conversations.reload()
        assert window.parts.conversations.rowCount() == 0
        window.transfer_flow.import_from([tmp_path / "all.json"])
        await harness.until(lambda: len(notes) == 3, what="the import")

    harness.run(scenario())
    assert "Keep this one" in (tmp_path / "one.md").read_text(encoding="utf-8")
    assert notes[0].startswith("Exported 1 conversation to")
    assert notes[2].startswith("Imported 1 conversation and 2 messages")
    assert window.parts.conversations.rowCount() == 1
    assert window.parts.conversations.conversation_at(0).title == "Keep this one"  # type: ignore[union-attr]


def test_export_asks_where_to_save(make_window: MakeWindow) -> None:
    harness = make_window(prepare=two_conversations)
    window = harness.window
    window.actions_.export_conversation.trigger()
    dialogs = dialogs_of(window, QFileDialog)
    assert dialogs and dialogs[0].windowTitle() == "Export conversation"
    assert dialogs[0].selectedFiles()[0].endswith("Newest talk.md")
    dialogs[0].reject()


# ------------------------------------------------------------------------- responsiveness


def test_a_fast_stream_of_thousands_of_chunks_is_shown_in_full(make_window: MakeWindow) -> None:
    """2,400 chunks half a millisecond apart. How late the GUI thread runs meanwhile is a
    speed figure, measured against its budget by ``make bench`` (bench/fig_stream.py)."""
    harness = make_window()
    window = harness.window
    assert window.actions_.show_reasoning.isChecked()
    reasoning = [f"step {n} of the reasoning, " for n in range(1200)]
    content = [f"word{n} " if n % 40 else f"\n\nParagraph {n}. " for n in range(1200)]
    harness.fake.queue(fake_api.stream(reasoning, content, delay=0.0005))
    chunks: list[int] = [0]
    harness.controller.liveEvents.connect(
        lambda events: chunks.__setitem__(0, chunks[0] + len(events)))

    async def scenario() -> None:
        harness.send("Stream fast")
        await harness.idle()

    harness.run(scenario(), timeout=60)
    assert chunks[0] >= 2000
    answer = window.transcript.messages[-1]
    assert answer.status == "complete" and answer.content == "".join(content)
    view = window.transcript.view_for(answer.id)
    assert view is not None and "word1199" in shown_text(view)
    assert view.reasoning is not None and "step 1199" in view.reasoning.text_view.toPlainText()


# ------------------------------------------------------------------------- focus


def _type_where_the_focus_is(harness: AppHarness, text: str) -> None:
    """Type as a person would: each key goes to whatever has the keyboard focus."""
    for char in text:
        target = QApplication.focusWidget() or harness.window
        harness.qtbot.keyClicks(target, char)


def _open_editors(window: MainWindow) -> list[int]:
    return [m.id for m in window.transcript.messages
            if (v := window.transcript.view_for(m.id)) is not None and v.editor is not None]


def test_after_conversation_settings_close_typing_goes_to_the_composer(
        make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window

    async def scenario() -> None:
        harness.send("First question")
        await harness.idle()
        for close in ("accept", "reject"):
            window.composer.input.setFocus()
            press(harness, Qt.Key.Key_S, CTRL_SHIFT)
            await harness.until(lambda: dialogs_of(window, ConversationSettingsDialog),
                                what="conversation settings")
            dialog = dialogs_of(window, ConversationSettingsDialog)[0]
            getattr(dialog, close)()
            await harness.until(lambda: QApplication.focusWidget() is window.composer.input,
                                what=f"the focus back in the composer after {close}")
            _type_where_the_focus_is(harness, "hello world")
            assert window.composer.text() == "hello world"
            assert _open_editors(window) == [], "no message editor opened"
            window.composer.set_text("")

    harness.run(scenario())


def test_focus_returns_where_it_was_or_to_the_composer_when_that_is_gone(
        make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window

    async def open_and_close(while_open: Callable[[], object] = lambda: None) -> None:
        press(harness, Qt.Key.Key_S, CTRL_SHIFT)
        await harness.until(lambda: dialogs_of(window, ConversationSettingsDialog),
                            what="conversation settings")
        while_open()
        dialogs_of(window, ConversationSettingsDialog)[0].reject()
        await harness.until(lambda: not dialogs_of(window, ConversationSettingsDialog))

    async def scenario() -> None:
        window.sidebar.search.setFocus()
        await open_and_close()
        await harness.until(lambda: QApplication.focusWidget() is window.sidebar.search,
                            what="the focus back where it was")
        await open_and_close(lambda: window.view.set_sidebar_visible(False))
        await harness.until(lambda: QApplication.focusWidget() is window.composer.input,
                            what="the composer, since the search box went away")
        _type_where_the_focus_is(harness, "typed after")
        assert window.composer.text() == "typed after"

    harness.run(scenario())


def test_no_plain_key_reaches_a_message_action(make_window: MakeWindow) -> None:
    """Walking the tab chain never stops on a message's Edit, Regenerate, Copy or Delete,
    so no Space or letter typed after a dialog can start editing a message nobody picked."""
    def unanswered(history: History) -> None:
        conversation = history.create_conversation("Unanswered",
                                                   ConversationSettings(provider="aimlapi"))
        history.add_message(conversation.id, "user", "a question still waiting")

    harness = make_window(prepare=unanswered)
    window = harness.window

    async def scenario() -> None:
        await harness.until(lambda: window.transcript.messages, what="the conversation")
        question = window.transcript.view_for(window.transcript.messages[-1].id)
        assert question is not None and question.button("edit") is not None
        assert question.button("edit").isVisible(), "the last message shows its actions"
        window.sidebar.search.setFocus()
        stops = []
        for _ in range(60):
            harness.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            stops.append(QApplication.focusWidget())
            if stops[-1] is window.composer.input:
                break  # the composer takes Tab as text; from here the chain starts over
        assert window.composer.input in stops, "the walk went round the whole window"
        assert not [w for w in stops if question.isAncestorOf(w)
                    and w.objectName().endswith("Button")]
        harness.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
        assert _open_editors(window) == []

    harness.run(scenario())


# ------------------------------------------------------------------------- small print


def test_the_answer_shows_its_effort_and_the_status_bar_the_same_money(
        make_window: MakeWindow) -> None:
    def high_effort(history: History) -> None:
        history.create_conversation("Effortful", ConversationSettings(
            provider="aimlapi", reasoning_effort="high"))

    harness = make_window(prepare=high_effort)
    window = harness.window
    harness.fake.queue(fake_api.stream(["Hmm. "], ["Done."], cost_usd=6.15e-05))

    async def scenario() -> None:
        await harness.until(lambda: window.current_id is not None, what="the conversation")
        harness.send("Think hard")
        await harness.idle()

    harness.run(scenario())
    assert harness.fake.last_body["reasoning"] == {"effort": "high"}
    answer = window.transcript.messages[-1]
    view = window.transcript.view_for(answer.id)
    assert view is not None
    small_print = view.findChild(QLabel, "smallPrint").text()
    assert "effort high" in small_print.split(" · ")
    assert "$0.000062" in small_print
    assert window.status.usage.text().endswith("· $0.000062"), "one money format everywhere"
    assert "e-" not in window.status.usage.text()


def test_an_answer_sent_before_the_warm_up_leaves_the_status_online(
        make_window: MakeWindow) -> None:
    """The first send of a session, before the deferred warm-up has run: the status bar
    follows the answer, not the order in which the client was built."""
    harness = make_window(show=False)
    window = harness.window
    window.show()
    assert "Not connected yet" in window.status.online.text()

    async def scenario() -> None:
        harness.send("Before the warm-up")
        await harness.idle()

    harness.run(scenario())
    assert window.transcript.messages[-1].status == "complete"
    assert "Online" in window.status.online.text()
