"""Versions of messages in the window: ‹ i/n › with mouse and keys, fork, compare,
regenerate with another model, deleting a subtree with Undo, a search hit on another
branch. Real window, real history, the fake provider for the turns."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from grokdesk.chat.changes import Changes
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.models import ActivePath, ConversationSettings
from grokdesk.storage.repository import History
from grokdesk.ui.dialogs.compare import CompareDialog
from grokdesk.ui.dialogs.help import ShortcutsDialog
from grokdesk.ui.dialogs.regenerate_with import RegenerateWithDialog
from grokdesk.ui.main_window import MainWindow
from grokdesk.ui.transcript.message_view import MessageView
from grokdesk.ui.transcript.version_switch import VersionSwitch
from grokdesk.ui.window.opening import OPENING_MESSAGES
from tests.support import fake_api
from tests.ui.conftest import AppHarness, MakeWindow
from tests.ui.helpers import box_button, delete_box, hover_and_click, settle
from tests.ui.trees import Tree, branched

ALT = Qt.KeyboardModifier.AltModifier


def shown_ids(window: MainWindow) -> list[int]:
    return [m.id for m in window.transcript.messages]


def view(window: MainWindow, message_id: int) -> MessageView:
    found = window.transcript.view_for(message_id)
    assert found is not None, f"message {message_id} is not built"
    return found


def switch_of(window: MainWindow, message_id: int) -> VersionSwitch:
    switch = view(window, message_id).footer.versions
    assert switch is not None and switch.isVisible(), "the message shows no ‹ i/n ›"
    return switch


def open_window(make_window: MakeWindow, tree: Tree, **options: bool) -> AppHarness:
    harness = make_window(prepare=branched(tree, **options))
    harness.run(harness.until(lambda: harness.window.transcript.messages, what="the chat"))
    settle(harness.qtbot)
    return harness


def test_the_arrows_switch_versions_with_the_mouse_and_show_the_returned_path(
        make_window: MakeWindow) -> None:
    tree = Tree()
    harness = open_window(make_window, tree)
    window = harness.window
    assert shown_ids(window) == [tree.question, tree.luna]
    switch = switch_of(window, tree.luna)
    assert switch.label.text() == "2/2"
    assert not switch.next.isEnabled()
    assert view(window, tree.question).footer.versions is None, "one version: no switch"
    published: list[Changes] = []
    harness.controller.changed.connect(published.append)

    harness.qtbot.mouseClick(switch.previous, Qt.MouseButton.LeftButton)

    # The path below follows the newest leaf of the chosen branch.
    assert shown_ids(window) == [tree.question, tree.tom, tree.why, tree.because]
    path = next(c.paths[tree.conversation] for c in published if c.paths)
    assert shown_ids(window) == [m.id for m in path.messages]
    assert switch_of(window, tree.tom).label.text() == "1/2"
    assert harness.history.active_path(tree.conversation).current_leaf_id == tree.because

    harness.qtbot.mouseClick(switch_of(window, tree.tom).next, Qt.MouseButton.LeftButton)
    assert shown_ids(window) == [tree.question, tree.luna]


def test_alt_left_and_alt_right_switch_the_focused_message_and_keep_the_focus_there(
        make_window: MakeWindow) -> None:
    tree = Tree()
    harness = open_window(make_window, tree)
    window = harness.window
    switch = switch_of(window, tree.luna)
    assert switch.previous.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert switch.previous.accessibleName() == "Previous version"
    assert switch.accessibleName() == "Version 2 of 2"
    switch.previous.setFocus()
    harness.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left, ALT)
    assert shown_ids(window) == [tree.question, tree.tom, tree.why, tree.because]
    focus = QApplication.focusWidget()
    assert focus is switch_of(window, tree.tom).next, "the focus stays on the switch"

    harness.qtbot.keyClick(focus, Qt.Key.Key_Right, ALT)
    assert shown_ids(window) == [tree.question, tree.luna]
    focus = QApplication.focusWidget()
    assert focus is switch_of(window, tree.luna).previous
    harness.qtbot.keyClick(focus, Qt.Key.Key_Space)
    assert shown_ids(window)[1] == tree.tom, "Space presses the focused arrow"

    text = view(window, tree.tom).body.stable
    text.setFocus()  # a click into the answer's text puts the focus there
    assert QApplication.focusWidget() is text
    harness.qtbot.keyClick(text, Qt.Key.Key_Right, ALT)
    assert shown_ids(window) == [tree.question, tree.luna]


def test_the_shortcuts_dialog_names_the_version_keys(make_window: MakeWindow) -> None:
    harness = make_window()
    harness.window.actions_.shortcuts.trigger()
    dialog = next(d for d in harness.window.findChildren(ShortcutsDialog) if d.isVisible())
    rows = [[dialog.table.item(r, c).text() for c in range(3)]
            for r in range(dialog.table.rowCount())]
    assert ["Message", "Previous version of the focused message", "Alt+Left"] in rows
    assert ["Message", "Next version of the focused message", "Alt+Right"] in rows
    dialog.reject()


def test_fork_copies_the_path_up_to_a_message_and_opens_the_copy(
        make_window: MakeWindow) -> None:
    tree = Tree()
    harness = open_window(make_window, tree)
    window = harness.window
    question = view(window, tree.question)
    more = question.button("more")
    assert more is not None and more.accessibleName() == "More actions"
    fork = question.footer.menu_action("fork")
    assert fork is not None
    fork.trigger()
    copy = window.current_id
    assert copy is not None and copy != tree.conversation
    assert [m.content for m in window.transcript.messages] == ["Name a cat"]
    assert window.sidebar.current_id == copy
    assert [m.content for m in harness.history.messages(copy)] == ["Name a cat"]

    window.open_conversation(tree.conversation)
    window.actions_.fork.trigger()  # Conversation ▸ Fork to new chat: up to the last message
    assert [m.content for m in window.transcript.messages] == ["Name a cat", "Luna."]
    assert window.current_id not in (copy, tree.conversation)
    assert len(harness.history.tree(tree.conversation).messages) == 5, "the source is kept"


def test_compare_shows_each_version_with_its_small_print_and_picking_one_switches(
        make_window: MakeWindow) -> None:
    tree = Tree()
    harness = open_window(make_window, tree)
    window = harness.window
    window.actions_.compare.trigger()
    dialog = next(d for d in window.findChildren(CompareDialog) if d.isVisible())
    first, second = dialog.columns
    assert [first.message.id, second.message.id] == [tree.tom, tree.luna]
    assert "x-ai/grok-3-mini-beta" in first.meta.text()
    assert "effort low" in first.meta.text() and "$0.0001" in first.meta.text()
    assert "x-ai/grok-3-beta" in second.meta.text()
    assert "effort high" in second.meta.text() and "5 completion" in second.meta.text()
    assert "Luna." in second.body.stable.toPlainText()
    assert not second.use.isEnabled(), "the version shown now cannot be picked again"

    harness.qtbot.mouseClick(first.use, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert shown_ids(window) == [tree.question, tree.tom, tree.why, tree.because]


def test_deleting_a_message_says_how_many_go_and_undo_brings_them_back(
        make_window: MakeWindow) -> None:
    tree = Tree()
    harness = open_window(make_window, tree)
    window = harness.window
    qtbot = harness.qtbot
    question = view(window, tree.question)
    hover_and_click(qtbot, question, question.button("delete"))  # type: ignore[arg-type]
    box = delete_box(window)
    assert "and the 4 messages below it" in box.text()
    qtbot.mouseClick(box_button(box, "Cancel"), Qt.MouseButton.LeftButton)
    assert len(harness.history.tree(tree.conversation).messages) == 5, "cancel keeps all"

    question = view(window, tree.question)
    hover_and_click(qtbot, question, question.button("delete"))  # type: ignore[arg-type]
    qtbot.mouseClick(box_button(delete_box(window), "Delete"), Qt.MouseButton.LeftButton)
    assert window.transcript.messages == []
    assert harness.history.tree(tree.conversation).messages == ()
    bar = window.message_undo
    assert bar.isVisible() and bar.label.text() == "Deleted 5 messages"

    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    assert shown_ids(window) == [tree.question, tree.luna]
    assert len(harness.history.tree(tree.conversation).messages) == 5
    assert switch_of(window, tree.luna).label.text() == "2/2"


def test_regenerate_with_another_model_and_effort_applies_to_that_answer_only(
        make_window: MakeWindow) -> None:
    harness = make_window()
    window = harness.window
    versions_while_live: list[tuple[int, ...]] = []

    def live_started(_answer: object) -> None:
        live = window.transcript.live
        versions_while_live.append(live.view.versions if live is not None else ())

    async def scenario() -> None:
        harness.send("Name a dog")
        await harness.idle()
        harness.controller.liveStarted.connect(live_started)
        window.actions_.regenerate_with.trigger()
        dialog = next(d for d in window.findChildren(RegenerateWithDialog) if d.isVisible())
        await harness.until(lambda: "models offered" in dialog.note.text()
                            or "No model list" in dialog.note.text(), what="the model list")
        dialog.model.setEditText("x-ai/grok-3-beta")
        dialog.effort.setCurrentIndex(dialog.effort.findText("High"))
        harness.fake.queue(fake_api.stream(["Again. "], ["Rex."]))
        ok = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Regenerate")
        harness.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        await harness.until(lambda: harness.controller.busy, what="the new turn")
        await harness.idle()

    harness.run(scenario())
    body = harness.fake.last_body
    assert body["model"] == "x-ai/grok-3-beta"
    assert body["reasoning"] == {"effort": "high"}
    answer = window.transcript.messages[-1]
    assert answer.content == "Rex." and answer.reasoning_effort == "high"
    assert len(versions_while_live) == 1 and len(versions_while_live[0]) == 2, \
        "the new version is counted while it streams"
    assert switch_of(window, answer.id).label.text() == "2/2"
    conversation = harness.history.get_conversation(window.current_id)  # type: ignore[arg-type]
    assert conversation is not None and conversation.settings.model is None
    assert conversation.settings.reasoning_effort is None


def test_opening_a_search_hit_on_another_branch_switches_to_that_branch(
        make_window: MakeWindow) -> None:
    tree = Tree()
    harness = open_window(make_window, tree, newer_chat=True)
    window = harness.window
    assert window.current_id != tree.conversation

    async def scenario() -> None:
        window.sidebar.search.setText("zanzibar")
        window.sidebar.search.setFocus()
        harness.qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Return)

    harness.run(scenario())
    assert window.current_id == tree.conversation
    assert shown_ids(window) == [tree.question, tree.tom, tree.why, tree.because]
    assert harness.history.active_path(tree.conversation).current_leaf_id == tree.because
    assert window.transcript.view_for(tree.because) is not None


def long_chat(ids: dict[str, int]) -> Callable[[History], None]:
    """A ``prepare``: an 80-message chat whose current leaf is not the newest one below
    its 79th message (another answer there is newer), and a newer short chat."""

    def prepare(history: History) -> None:
        chat = history.create_conversation("Long", ConversationSettings(provider="aimlapi"))
        start = time.time() - 600
        first = [history.add_message(chat.id, "user" if i % 2 == 0 else "assistant",
                                     "quetzal" if i == 2 else f"Line {i}",
                                     created_at=start + i).id for i in range(80)]
        history.add_message(chat.id, "assistant", "A newer answer", parent_id=first[-2],
                            created_at=start + 100)
        history.select_branch(first[-1])  # not the newest leaf below the hit
        ids.update(chat=chat.id, hit=first[2], leaf=first[-1])
        time.sleep(0.01)
        other = history.create_conversation("Other", ConversationSettings(provider="aimlapi"))
        history.add_message(other.id, "user", "something else")
    return prepare


def test_a_search_hit_far_up_the_active_path_of_a_long_chat_stays_on_that_path(
        make_window: MakeWindow) -> None:
    """A conversation opens with the end of its path; the rest, read later, still counts
    as the path: the hit is revealed where it is, no branch is switched."""
    ids: dict[str, int] = {}
    harness = make_window(prepare=long_chat(ids))
    window = harness.window
    harness.run(harness.until(lambda: window.transcript.messages, what="the newer chat"))

    async def scenario() -> None:
        window.sidebar.search.setText("quetzal")
        window.sidebar.search.setFocus()
        harness.qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Return)

    harness.run(scenario())
    assert window.current_id == ids["chat"]
    assert harness.history.active_path(ids["chat"]).current_leaf_id == ids["leaf"]
    assert len(window.transcript.messages) == 80
    assert window.transcript.view_for(ids["hit"]) is not None


def test_older_messages_that_cannot_be_read_are_said_and_the_end_stays(
        make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    ids: dict[str, int] = {}
    harness = make_window(prepare=long_chat(ids))
    window = harness.window
    harness.run(harness.until(lambda: window.transcript.messages, what="the newer chat"))
    service = harness.controller.service

    def failing(conversation_id: int, message_id: int) -> Iterator[ActivePath]:
        yield from ()  # a generator, as the real one: it fails when read
        raise DatabaseError("The history could not be read. Check the disk.")

    monkeypatch.setattr(service, "path_above", failing)

    async def scenario() -> None:
        window.open_conversation(ids["chat"])
        await harness.until(lambda: "could not be read" in window.statusBar().currentMessage(),
                            what="the notice")

    harness.run(scenario())
    shown = window.transcript.messages
    assert len(shown) == OPENING_MESSAGES and shown[-1].id == ids["leaf"]
