"""The sidebar: a paged model over the history, search, inline rename, pin, delete with Undo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from grokdesk.chat.changes import Changes
from grokdesk.chat.service import ChatService
from grokdesk.config import Settings
from grokdesk.secrets import KeyStore
from grokdesk.storage.db import open_database
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from grokdesk.ui.sidebar.model import (
    PAGE_SIZE,
    SEARCH_PAGE,
    ConversationListModel,
    IdRole,
    PinnedRole,
    SubtitleRole,
)
from grokdesk.ui.sidebar.sidebar import ConversationSidebar
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.conftest import MakeWindow
from tests.ui.helpers import shown

CTRL = Qt.KeyboardModifier.ControlModifier


def seed(history: History, titles: list[str], texts: dict[str, str] | None = None) -> list[int]:
    """Conversations created in order (the last is the newest); returns their ids."""
    ids = []
    for title in titles:
        conversation = history.create_conversation(title, ConversationSettings())
        history.add_message(conversation.id, "user", (texts or {}).get(title, f"about {title}"))
        ids.append(conversation.id)
    return ids


def titles(model: ConversationListModel) -> list[str]:
    return [model.index(row).data() for row in range(model.rowCount())]


def list_model(history: History) -> ConversationListModel:
    """The sidebar's model over a chat core on ``history``, shown every change it makes."""
    core = ChatService(history, Settings(), KeyStore(MemoryKeyring()))
    model = ConversationListModel(core)
    core.subscribe(model.apply)
    return model


def make_sidebar(qtbot: QtBot, history: History) -> ConversationSidebar:
    return shown(qtbot, ConversationSidebar(list_model(history)), 280, 500)


def test_the_model_pages_lazily_newest_first_with_pinned_on_top(tmp_path: Path) -> None:
    history = History(open_database(tmp_path / "h.sqlite3"))
    ids = seed(history, [f"chat {n}" for n in range(PAGE_SIZE * 2 + 50)])
    history.set_pinned(ids[3], True)
    model = list_model(history)
    assert model.rowCount() == PAGE_SIZE
    assert titles(model)[:3] == ["chat 3", "chat 249", "chat 248"]
    assert model.index(0).data(PinnedRole) is True
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == len(ids)
    assert not model.canFetchMore()
    assert len({model.index(r).data(IdRole) for r in range(model.rowCount())}) == len(ids)
    history.db.close()


def test_a_conversation_with_news_moves_to_the_top_without_a_reset(tmp_path: Path) -> None:
    history = History(open_database(tmp_path / "h.sqlite3"))
    ids = seed(history, ["a", "b", "c"])
    model = list_model(history)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    history.add_message(ids[0], "user", "news for a")
    model.apply(Changes(conversations=(history.get_conversation(ids[0]),)))  # type: ignore[arg-type]
    assert titles(model) == ["a", "c", "b"]
    new = history.create_conversation("d", ConversationSettings())
    model.apply(Changes(conversations=(new,), created=frozenset({new.id})))
    assert titles(model) == ["d", "a", "c", "b"]
    assert resets == []
    history.db.close()


def test_search_filters_by_title_and_by_full_text(qtbot: QtBot, tmp_path: Path) -> None:
    history = History(open_database(tmp_path / "h.sqlite3"))
    seed(history, ["Lisbon trip", "Rust lifetimes", "Baking bread"],
         {"Baking bread": "How long should the dough rest overnight?"})
    sidebar = make_sidebar(qtbot, history)
    qtbot.keyClicks(sidebar.search, "Lisbon")
    qtbot.waitUntil(lambda: sidebar.model.query == "Lisbon")
    assert titles(sidebar.model) == ["Lisbon trip"]
    sidebar.search.clear()
    qtbot.keyClicks(sidebar.search, "overnight")
    qtbot.waitUntil(lambda: sidebar.model.query == "overnight")
    assert titles(sidebar.model) == ["Baking bread"]
    assert "overnight" in sidebar.model.index(0).data(SubtitleRole)
    sidebar.search.clear()
    qtbot.keyClicks(sidebar.search, "zebra")
    qtbot.waitUntil(lambda: sidebar.model.query == "zebra")
    assert sidebar.model.rowCount() == 0 and sidebar.empty_label.isVisible()
    sidebar.search.clear()
    qtbot.waitUntil(lambda: sidebar.model.query == "")
    assert titles(sidebar.model) == ["Baking bread", "Rust lifetimes", "Lisbon trip"]
    history.db.close()


def test_search_shows_the_newest_hits_first_and_more_on_scrolling_to_the_end(
        tmp_path: Path) -> None:
    history = History(open_database(tmp_path / "h.sqlite3"))
    names = [f"chat {n}" for n in range(SEARCH_PAGE * 2 + 5)]
    seed(history, names, dict.fromkeys(names, "the word is marmalade"))
    model = list_model(history)
    model.set_query("marmalade")
    newest_first = list(reversed(names))
    assert titles(model) == newest_first[:SEARCH_PAGE]
    assert model.canFetchMore()
    model.fetchMore()
    assert titles(model) == newest_first[:2 * SEARCH_PAGE]
    model.fetchMore()
    assert titles(model) == newest_first
    assert not model.canFetchMore()
    assert "marmalade" in model.index(0).data(SubtitleRole)
    history.db.close()


def test_inline_rename_with_f2_updates_the_history_and_the_title(
        make_window: MakeWindow) -> None:
    harness = make_window(prepare=lambda h: seed(h, ["Old name"]))
    window = harness.window
    conversation_id = window.current_id
    harness.qtbot.keyClick(window.composer.input, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "Old name"
    editor.selectAll()
    harness.qtbot.keyClicks(editor, "Brand new name")
    harness.qtbot.keyClick(editor, Qt.Key.Key_Return)
    harness.qtbot.waitUntil(lambda: window.sidebar.view.state() == QAbstractItemView.State.NoState)
    stored = harness.history.get_conversation(conversation_id)  # type: ignore[arg-type]
    assert stored is not None and stored.title == "Brand new name"
    assert window.windowTitle() == "Brand new name — grokdesk"
    assert titles(window.sidebar.model) == ["Brand new name"]


def test_delete_can_be_undone_and_otherwise_happens(make_window: MakeWindow) -> None:
    harness = make_window(prepare=lambda h: seed(h, ["keep me", "delete me"]))
    window, history = harness.window, harness.history
    doomed = window.current_id
    assert window.windowTitle() == "delete me — grokdesk"
    window.actions_.delete.trigger()
    sidebar = window.sidebar
    assert titles(sidebar.model) == ["keep me"]
    assert sidebar.undo_bar.isVisible() and "delete me" in sidebar.undo_bar.label.text()
    assert window.windowTitle() == "keep me — grokdesk", "the next conversation opens"
    assert history.get_conversation(doomed) is not None, "not gone until Undo expires"
    harness.qtbot.mouseClick(sidebar.undo_bar.button, Qt.MouseButton.LeftButton)
    assert titles(sidebar.model) == ["delete me", "keep me"]
    assert not sidebar.undo_bar.isVisible()

    window.open_conversation(doomed)
    window.actions_.delete.trigger()
    sidebar.commit_delete()
    assert history.get_conversation(doomed) is None
    assert titles(sidebar.model) == ["keep me"]


def test_a_pending_delete_is_carried_out_at_quit(make_window: MakeWindow) -> None:
    harness = make_window(prepare=lambda h: seed(h, ["only"]))
    doomed = harness.window.current_id
    harness.window.sidebar.delete(doomed)  # type: ignore[arg-type]
    assert harness.window.windowTitle() == "New chat — grokdesk"
    harness.window.prepare_to_quit()
    assert harness.history.get_conversation(doomed) is None  # type: ignore[arg-type]


def test_pin_moves_a_conversation_to_the_top(make_window: MakeWindow) -> None:
    harness = make_window(prepare=lambda h: seed(h, ["first", "second", "third"]))
    window = harness.window
    first = harness.history.list_conversations(limit=10, offset=0)[-1]
    window.open_conversation(first.id)
    window.actions_.pin.trigger()
    assert titles(window.sidebar.model)[0] == "first"
    assert window.actions_.pin.isChecked()
    stored = harness.history.get_conversation(first.id)
    assert stored is not None and stored.pinned
    window.actions_.pin.trigger()
    assert titles(window.sidebar.model) == ["third", "second", "first"]


def test_find_focuses_the_search_and_new_chat_starts_a_draft(make_window: MakeWindow) -> None:
    harness = make_window(prepare=lambda h: seed(h, ["existing"]))
    window = harness.window
    harness.qtbot.keyClick(window.composer.input, Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is window.sidebar.search
    harness.qtbot.keyClick(window.sidebar.search, Qt.Key.Key_N, CTRL)
    assert window.windowTitle() == "New chat — grokdesk"
    assert window.transcript.messages == []
    assert window.sidebar.selected_id() is None
    assert QApplication.focusWidget() is window.composer.input
    assert harness.history.count_conversations() == 1, "a draft is not stored"
