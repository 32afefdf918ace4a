"""The chat rules behave the same in the window and on the command line.

Each rule lives once, in the chat core; each test here runs one rule through both
faces, each over its own history and the fake provider, and checks the same result.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit

from grokdesk import paths
from grokdesk.cli import main
from grokdesk.config import ChatDefaults, Settings
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.conftest import KEY, TEST_NETWORK, AppHarness, MakeWindow

Row = tuple[str, str, str]


class Face(Protocol):
    """One way for a person to use grokdesk: the window or the command line."""

    def ask(self, text: str, conversation_id: int | None = None) -> int | None:
        """Send ``text`` (to a new chat when no id is given); the chat it went to."""

    def history_path(self) -> Path: ...

    def wait_for_title(self, conversation_id: int, title: str) -> None: ...

    def rename(self, conversation_id: int, title: str) -> None: ...

    def pin(self, conversation_id: int) -> None: ...

    def delete(self, conversation_id: int) -> None: ...

    def order(self) -> list[int]:
        """The conversations' ids as this face lists them."""


@dataclass
class WindowFace:
    app: AppHarness

    def ask(self, text: str, conversation_id: int | None = None) -> int | None:
        window = self.app.window
        if conversation_id is None:
            window.new_chat()
        else:
            window.open_conversation(conversation_id)
        self.app.send(text)
        self.app.run(self.app.idle())
        return window.current_id

    def history_path(self) -> Path:
        return self.app.history.db.path

    def rename(self, conversation_id: int, title: str) -> None:
        """F2's inline editor: the text replaced, then Enter."""
        sidebar = self.app.window.sidebar
        sidebar.rename(conversation_id)
        editor = sidebar.view.viewport().findChild(QLineEdit)
        assert editor is not None, "F2 opened the inline editor"
        editor.setText(title)
        self.app.qtbot.keyClick(editor, Qt.Key.Key_Return)
        self.app.qtbot.waitUntil(  # the delegate commits from a queued call
            lambda: sidebar.view.state() != QAbstractItemView.State.EditingState)

    def pin(self, conversation_id: int) -> None:
        self.app.window.sidebar.toggle_pin(conversation_id)

    def delete(self, conversation_id: int) -> None:
        """Delete, then let the Undo offer run out."""
        sidebar = self.app.window.sidebar
        sidebar.delete(conversation_id)
        sidebar.commit_delete()

    def order(self) -> list[int]:
        model = self.app.window.sidebar.model
        rows = (model.conversation_at(row) for row in range(model.rowCount()))
        return [conversation.id for conversation in rows if conversation is not None]

    def wait_for_title(self, conversation_id: int, title: str) -> None:
        """The window asks for the title in the background, after the turn."""
        self.app.run(self.app.until(lambda: _title(self, conversation_id) == title,
                                    what=f"the title {title!r}"))


@dataclass
class CommandLineFace:
    def ask(self, text: str, conversation_id: int | None = None) -> int | None:
        chat = [] if conversation_id is None else ["-c", str(conversation_id)]
        before = {c["id"] for c in self._list()}
        main(["ask", text, *chat], stdout=io.StringIO(), stderr=io.StringIO(),
             stdin=io.StringIO())
        if conversation_id is not None:
            return conversation_id
        new = [c["id"] for c in self._list() if c["id"] not in before]
        return new[0] if new else None

    def history_path(self) -> Path:
        return paths.database_path()

    def wait_for_title(self, conversation_id: int, title: str) -> None:
        """``grokdesk ask`` waits for the title before it exits."""
        assert _title(self, conversation_id) == title

    def rename(self, conversation_id: int, title: str) -> None:
        main(["rename", str(conversation_id), title], stdout=io.StringIO(),
             stderr=io.StringIO())

    def pin(self, conversation_id: int) -> None:
        assert main(["pin", str(conversation_id)], stdout=io.StringIO(),
                    stderr=io.StringIO()) == 0

    def delete(self, conversation_id: int) -> None:
        assert main(["delete", str(conversation_id), "--yes"], stdout=io.StringIO(),
                    stderr=io.StringIO()) == 0

    def order(self) -> list[int]:
        return [int(c["id"]) for c in self._list()]  # type: ignore[call-overload]

    @staticmethod
    def _list() -> list[dict[str, object]]:
        out = io.StringIO()
        assert main(["list", "--json"], stdout=out, stderr=io.StringIO()) == 0
        return json.loads(out.getvalue())  # type: ignore[no-any-return]


def _read(face: Face) -> History:
    return History(open_database(face.history_path()))


def _rows(face: Face, conversation_id: int) -> list[Row]:
    history = _read(face)
    try:
        return [(m.role, m.content, m.status) for m in history.messages(conversation_id)]
    finally:
        history.db.close()


def _title(face: Face, conversation_id: int) -> str | None:
    history = _read(face)
    try:
        conversation = history.get_conversation(conversation_id)
        return conversation.title if conversation is not None else None
    finally:
        history.db.close()


def _conversation_count(face: Face) -> int:
    if not face.history_path().exists():
        return 0
    history = _read(face)
    try:
        return history.count_conversations()
    finally:
        history.db.close()


@pytest.fixture(params=["window", "command line"])
def face_for(request: pytest.FixtureRequest, fake_api: FakeAPI, memory_keyring: MemoryKeyring,
             monkeypatch: pytest.MonkeyPatch) -> object:
    """Build the face under test: ``face_for(key=..., model_titles=...)``."""

    def make(*, key: bool = True, model_titles: bool = False) -> Face:
        defaults = ChatDefaults(model_titles=model_titles)
        if request.param == "window":
            make_window: MakeWindow = request.getfixturevalue("make_window")
            return WindowFace(make_window(
                key=KEY if key else None,
                settings=Settings(network=TEST_NETWORK, defaults=defaults)))
        monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
        if key:
            memory_keyring.set_password("grokdesk", "aimlapi", KEY)
        config = paths.config_path()
        config.write_text(
            "[network]\nconnect_timeout = 2.0\nread_timeout = 5.0\nmax_retries = 0\n"
            f"[defaults]\nmodel_titles = {'true' if model_titles else 'false'}\n",
            encoding="utf-8")
        return CommandLineFace()

    return make


def test_sending_again_the_question_whose_answer_failed_retries_it(
        face_for: object, fake_api: FakeAPI) -> None:
    face: Face = face_for()  # type: ignore[operator]
    fake_api.queue(fake.json_error(503, "The model is overloaded"))
    conversation_id = face.ask("What is 2+2?")
    assert conversation_id is not None
    assert [(role, status) for role, _text, status in _rows(face, conversation_id)] == [
        ("user", "complete"), ("assistant", "error")]
    fake_api.queue(fake.stream([], ["Four."]))
    face.ask("What is 2+2?", conversation_id)
    assert _rows(face, conversation_id) == [("user", "What is 2+2?", "complete"),
                                            ("assistant", "Four.", "complete")]


def test_a_new_chat_is_created_only_once_the_key_is_there(
        face_for: object, fake_api: FakeAPI) -> None:
    face: Face = face_for(key=False)  # type: ignore[operator]
    assert face.ask("Hello?") is None
    assert _conversation_count(face) == 0
    assert fake_api.chat_requests == []


def test_a_title_is_asked_for_after_the_first_answer(
        face_for: object, fake_api: FakeAPI) -> None:
    face: Face = face_for(model_titles=True)  # type: ignore[operator]
    fake_api.queue(fake.stream([], ["It is a monoid in the category of endofunctors."]),
                   fake.completion("Monads in one line"))
    conversation_id = face.ask("What is a monad?")
    assert conversation_id is not None
    face.wait_for_title(conversation_id, "Monads in one line")
    fake_api.queue(fake.stream([], ["Sure."]))
    face.ask("And a functor?", conversation_id)
    assert _title(face, conversation_id) == "Monads in one line"
    assert len(fake_api.chat_requests) == 3, "no second title request"


def test_a_chosen_title_is_one_plain_line_and_a_blank_one_is_refused(
        face_for: object, fake_api: FakeAPI) -> None:
    face: Face = face_for()  # type: ignore[operator]
    conversation_id = face.ask("Soup")
    assert conversation_id is not None
    face.rename(conversation_id, " Soups\tof  the\u200b world\n")
    assert _title(face, conversation_id) == "Soups of the world"
    face.rename(conversation_id, " \t\u200b ")
    assert _title(face, conversation_id) == "Soups of the world"


def test_a_pinned_conversation_comes_first(face_for: object, fake_api: FakeAPI) -> None:
    face: Face = face_for()  # type: ignore[operator]
    older, newer = face.ask("Older"), face.ask("Newer")
    assert older is not None and newer is not None
    assert face.order() == [newer, older]
    face.pin(older)
    assert face.order() == [older, newer]


def test_a_deleted_conversation_leaves_the_history(face_for: object, fake_api: FakeAPI) -> None:
    face: Face = face_for()  # type: ignore[operator]
    keep, doomed = face.ask("Keep"), face.ask("Go")
    assert keep is not None and doomed is not None
    face.delete(doomed)
    assert face.order() == [keep]
    assert _title(face, doomed) is None and _rows(face, doomed) == []
