"""Cold start: the first frame is painted before anything only later actions need.

docs/performance.md, section 5, "Staged start": everything imported before the first
frame delays it. ``grokdesk.app.show_first_frame`` builds the window's frame over the
sidebar's first page and lets Qt paint it; asyncio, qasync, the network stack, the
keyring, the Markdown renderer, the chat core, export and the dialogs come after
(``attach_chat`` and first use). The newest conversation is painted by plain Qt too,
before the chat core is imported (``show_opening``), and the core takes it over without
drawing it again; asyncio and qasync come last, for the loop that runs the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grokdesk.storage.db import open_database
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from grokdesk.ui.window.opening import OPENING_MESSAGES

DEFERRED = (
    "asyncio",
    "qasync",
    "httpx",
    "keyring",
    "markdown_it",
    "pygments",
    "grokdesk.export",
    "grokdesk.chat.service",
    "grokdesk.ui.chat_controller",
    "grokdesk.ui.dialogs",
    "grokdesk.ui.transcript.message_view",
    "grokdesk.api",
    "grokdesk.cli",
    "grokdesk.storage.repository",
    "grokdesk.storage.message_records",
    "uuid",
    "socket",
    "signal",
)

def _history(tmp_path: Path, **options: Any) -> History:
    """A history where the app run by :func:`_run_app` finds it."""
    (tmp_path / "data").mkdir()
    return History(open_database(tmp_path / "data" / "history.sqlite3"), **options)


def _older_and_newest(tmp_path: Path) -> None:
    """A history of two empty conversations, "Newest" the more recent."""
    history = _history(tmp_path)
    for title in ("Older", "Newest"):
        history.create_conversation(title, ConversationSettings())
    history.db.close()


def _run_app(script: str, tmp_path: Path | None = None, *args: str) -> Any:
    """Run ``script`` in a fresh interpreter (offscreen, over the history in ``tmp_path``)
    and return the JSON it printed last."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GROKDESK_API_KEY": "test-key"}
    if tmp_path is not None:
        env["GROKDESK_DATA_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                            text=True, timeout=120, check=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


FIRST_STAGE = f"""
import json, sys
from PySide6.QtCore import QEvent, QObject
from grokdesk.app import make_application, show_first_frame

class Paints(QObject):
    seen = 0
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            Paints.seen += 1
        return False

app = make_application([])
paints = Paints()
app.installEventFilter(paints)
window = show_first_frame(app).window
model = window.parts.conversations
print(json.dumps({{
    "shown": window.isVisible(),
    "painted": Paints.seen > 0,
    "sidebar": [model.conversation_at(row).title for row in range(model.rowCount())],
    "imported": sorted(m for m in sys.modules
                       if any(m == d or m.startswith(d + ".") for d in {list(DEFERRED)!r})),
}}))
"""


def test_the_first_frame_is_painted_before_asyncio_the_network_and_the_renderer(
        tmp_path: Path) -> None:
    _older_and_newest(tmp_path)
    report = _run_app(FIRST_STAGE, tmp_path)
    assert report["shown"] and report["painted"]
    assert report["sidebar"] == ["Newest", "Older"]
    assert report["imported"] == []


OPENED = """
import json, linecache, sys
from grokdesk.app import (attach_chat, make_application, run_qt_until, show_first_frame,
                          show_opening)

app = make_application([])  # imports PySide, as the app does, after grokdesk.app
from PySide6.QtCore import QTimer
started = show_first_frame(app)
painted = []
started.window.newestPainted.connect(lambda: painted.append(True))
show_opening(started)
run_qt_until(started.window.newestPainted.connect)
"""
"""The app's start up to the newest conversation's paint, as ``grokdesk.app`` runs it;
the scripts below go on from there."""


UNTIL_NEWEST = OPENED + """
LATER = ("grokdesk.chat.service", "grokdesk.ui.chat_controller", "hashlib")
later_at_paint = sorted(m for m in LATER if m in sys.modules)
import PySide6.QtWidgets
every_widget_class_at_paint = "QWizard" in vars(PySide6.QtWidgets)
views_at_paint = [id(view) for view in started.window.transcript.built_views()]
attach_chat(started)
kept = sorted(path for path in linecache.cache
              if any(part in path for part in ("/grokdesk/", "/markdown_it/", "/pygments/")))
print(json.dumps({
    "sources_kept": kept,
    "painted": painted == [True],
    "later_at_paint": later_at_paint,
    "every_widget_class_at_paint": every_widget_class_at_paint,
    "title": started.window.windowTitle(),
    "current": started.window.current_id,
    "drawn_again": [id(v) for v in started.window.transcript.built_views()] != views_at_paint,
    "clear_button": started.window.sidebar.search.isClearButtonEnabled(),
    "shown": [view.message.content for view in started.window.transcript.built_views()],
    "imported": sorted(m for m in ("asyncio", "qasync", "httpx", "keyring", "grokdesk.chat.turn")
                       if m in sys.modules),
}))
"""


def test_the_newest_conversation_is_painted_before_asyncio_and_its_loop(
        tmp_path: Path) -> None:
    history = _history(tmp_path)
    history.create_conversation("Older", ConversationSettings())
    newest = history.create_conversation("Newest", ConversationSettings())
    history.add_message(newest.id, "user", "What is **bold**?")
    history.add_message(newest.id, "assistant", "Text in **two asterisks**.")
    history.db.close()
    report = _run_app(UNTIL_NEWEST, tmp_path)
    assert report["painted"]
    assert report["later_at_paint"] == [], "the chat core, and OpenSSL's hashes for math images"
    assert not report["every_widget_class_at_paint"], (
        "no Qt-made widget handed to Python: PySide would load every widget class")
    assert report["title"].startswith("Newest")
    assert report["current"] == newest.id
    assert not report["drawn_again"]
    assert report["clear_button"]
    assert report["shown"] == ["What is **bold**?", "Text in **two asterisks**."]
    assert report["imported"] == []
    assert report["sources_kept"] == [], "PySide's import hook read no module's source"


SHOWN_AT_PAINT = OPENED + """
RENDERER = ("grokdesk.render.markdown", "grokdesk.render.math.html",
            "grokdesk.render.math.typeset", "markdown_it", "pygments")
renderer = sorted(m for m in RENDERER if m in sys.modules)
views = started.window.transcript.built_views()
shown = [view.body.stable.toHtml() for view in views]
attach_chat(started)
started.window.prepare_to_quit()
started.close()
print(json.dumps({"renderer_at_paint": renderer, "shown": shown}))
"""


def test_after_a_quit_in_order_the_next_start_paints_the_same_without_the_renderer(
        tmp_path: Path) -> None:
    """The renders of the last messages on screen are written at quit
    (``ui.transcript.stored_renders``): the next start shows them as they were, without
    importing the renderer (markdown-it, Pygments, the math) before the newest
    conversation's paint; the math's options and images wait for the first render too."""
    history = _history(tmp_path)
    newest = history.create_conversation("Newest", ConversationSettings())
    history.add_message(newest.id, "user", "Some *Python*?")
    history.add_message(newest.id, "assistant", "```python\nprint('**hi**')\n```\nDone.")
    history.db.close()
    first = _run_app(SHOWN_AT_PAINT, tmp_path)
    assert first["renderer_at_paint"] == ["grokdesk.render.markdown",
                                          "grokdesk.render.math.html",
                                          "grokdesk.render.math.typeset", "markdown_it",
                                          "pygments"]
    assert (tmp_path / "cache" / "renders.json").stat().st_mode & 0o777 == 0o600
    second = _run_app(SHOWN_AT_PAINT, tmp_path)
    assert second["renderer_at_paint"] == []
    assert second["shown"] == first["shown"]
    assert "font-style:italic" in second["shown"][0], "rendered, not the source"
    assert "**hi**" in second["shown"][1], "code shown as written"


AFTER_A_CRASH = OPENED + """
at_paint = [view.message.status for view in started.window.transcript.built_views()]
attach_chat(started)
print(json.dumps({
    "at_paint": at_paint,
    "after_attach": [view.message.status for view in started.window.transcript.built_views()],
}))
"""


def test_an_answer_left_streaming_by_a_crash_shows_as_interrupted_from_the_first_paint(
        tmp_path: Path) -> None:
    """The opening is read before the core marks abandoned answers interrupted: the
    history already reads a stale stream as interrupted, so the core changes nothing
    that is on screen."""
    history = _history(tmp_path, clock=lambda: 1_000_000.0)
    newest = history.create_conversation("Newest", ConversationSettings())
    history.add_message(newest.id, "user", "Still there?")
    history.start_assistant_message(newest.id, "grok-3-mini")
    history.db.close()
    report = _run_app(AFTER_A_CRASH, tmp_path)
    assert report["at_paint"] == report["after_attach"] == ["complete", "interrupted"]


UNREADABLE_NEWEST = """
import json
from PySide6.QtCore import Qt
from grokdesk.app import (attach_chat, make_application, run_qt_until, show_first_frame,
                          show_opening)
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.repository import History

def unreadable(self, conversation_id, last=None):
    raise DatabaseError("The history could not be read (<b>disk I/O error</b>): try again.")

app = make_application([])
started = show_first_frame(app)
History.active_path = unreadable
show_opening(started)
run_qt_until(started.window.newestPainted.connect)
banner = started.window.notice_banner
report = {
    "title": started.window.windowTitle(),
    "notice": banner.label.text() if banner.isVisible() else None,
    "plain": banner.label.textFormat() == Qt.TextFormat.PlainText,
}
attach_chat(started)
model = started.window.parts.conversations
report["current"] = started.window.current_id
report["sidebar"] = [model.conversation_at(row).title for row in range(model.rowCount())]
print(json.dumps(report))
"""


def test_a_newest_conversation_that_cannot_be_read_opens_a_new_chat_and_says_why(
        tmp_path: Path) -> None:
    _older_and_newest(tmp_path)
    report = _run_app(UNREADABLE_NEWEST, tmp_path)
    assert report["title"].startswith("New chat")
    assert report["notice"] == ("The newest conversation could not be opened: The history "
                                "could not be read (<b>disk I/O error</b>): try again.")
    assert report["plain"], "the error's text is shown as it is, never as markup"
    assert report["current"] is None
    assert report["sidebar"] == ["Newest", "Older"]


FEATURE_SCANS = """
import json, sys, types
import PySide6.QtWidgets
import shibokensupport.feature as feature

read = []
getsource = feature.inspect.getsource
feature.inspect = types.SimpleNamespace(
    getsource=lambda module: (read.append(module.__name__), getsource(module))[1])
if sys.argv[1] == "skip":
    from grokdesk.ui.feature_scan import skip_feature_scans
    assert skip_feature_scans()
import markdown_it
print(json.dumps(sorted(name for name in read if name.startswith("markdown_it"))))
"""


@pytest.mark.parametrize("skip", [False, True])
def test_pyside_reads_no_source_of_what_is_imported_after_it(skip: bool) -> None:
    """PySide's import hook reads every new module's source (``from __feature__``
    support); with ``skip_feature_scans`` it reads none."""
    read = _run_app(FEATURE_SCANS, None, "skip" if skip else "read")
    assert (read == []) if skip else ("markdown_it.main" in read)


WRITTEN_MEANWHILE = OPENED + """
from grokdesk import paths
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

other = History(open_database(paths.database_path()))
other.add_message(other.latest_conversation().id, "user", "Asked from the command line")
other.db.close()
attach_chat(started)
run_qt_until(lambda done: QTimer.singleShot(100, done))
print(json.dumps([view.message.content for view in started.window.transcript.built_views()]))
"""


def test_what_another_process_writes_while_the_window_starts_is_shown(
        tmp_path: Path) -> None:
    """The window reads the history before its chat core exists; a write by the command
    line in between is an outside change all the same."""
    history = _history(tmp_path)
    newest = history.create_conversation("Newest", ConversationSettings())
    history.add_message(newest.id, "user", "First question")
    history.db.close()
    shown = _run_app(WRITTEN_MEANWHILE, tmp_path)
    assert shown == ["First question", "Asked from the command line"]


WITH_A_FEATURE = """
import json, sys
from pathlib import Path
from grokdesk.ui.feature_scan import skip_feature_scans
import PySide6.QtCore
assert skip_feature_scans()
folder = Path(sys.argv[1])
(folder / "camel.py").write_text("def name(o):\\n    return o.objectName()\\n")
(folder / "snake.py").write_text(
    "from __feature__ import snake_case\\n"
    "from PySide6.QtCore import QObject\\n"
    "import camel\\n"
    "o = QObject()\\n"
    "o.set_object_name('named in snake_case')\\n"
    "NAME = camel.name(o)\\n")
sys.path.insert(0, str(folder))
import snake
print(json.dumps(snake.NAME))
"""


def test_a_module_that_selects_a_feature_keeps_it_and_no_other_module_sees_it(
        tmp_path: Path) -> None:
    """Modules entered without their source read use Qt's own names, even when they
    are called from a module that selected snake_case."""
    assert _run_app(WITH_A_FEATURE, None, str(tmp_path)) == "named in snake_case"


LONG_NEWEST = OPENED + """
at_paint = len(started.window.transcript.messages)
attach_chat(started)
run_qt_until(lambda done: QTimer.singleShot(300, done))
print(json.dumps({"at_paint": at_paint,
                  "after": [m.content for m in started.window.transcript.messages]}))
"""


def test_a_long_newest_conversation_opens_with_its_end_and_reads_the_rest_once_attached(
        tmp_path: Path) -> None:
    history = _history(tmp_path)
    newest = history.create_conversation("Long", ConversationSettings())
    for n in range(OPENING_MESSAGES + 20):
        history.add_message(newest.id, "user" if n % 2 == 0 else "assistant", f"message {n}")
    history.db.close()
    report = _run_app(LONG_NEWEST, tmp_path)
    assert report["at_paint"] == OPENING_MESSAGES
    assert report["after"] == [f"message {n}" for n in range(OPENING_MESSAGES + 20)]
