"""Cold start: the first frame is painted before anything only later actions need.

docs/performance.md, section 5, "Staged start": everything imported before the first
frame delays it. ``grokdesk.app.show_first_frame`` builds the window's frame over the
sidebar's first page and lets Qt paint it; asyncio, qasync, the network stack, the
keyring, the Markdown renderer, the chat core, export and the dialogs come after
(``attach_chat`` and first use). The newest conversation is painted by plain Qt too,
before asyncio and qasync are imported for the loop that runs the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grokdesk.storage.db import open_database
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History

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
    "grokdesk.api.types",
    "grokdesk.cli",
    "uuid",
)

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
    (tmp_path / "data").mkdir()
    history = History(open_database(tmp_path / "data" / "history.sqlite3"))
    for title in ("Older", "Newest"):
        history.create_conversation(title, ConversationSettings())
    history.db.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GROKDESK_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", FIRST_STAGE], capture_output=True, text=True,
                            timeout=120, check=True, env=env)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["shown"] and report["painted"]
    assert report["sidebar"] == ["Newest", "Older"]
    assert report["imported"] == []

UNTIL_NEWEST = """
import json, linecache, sys
from grokdesk.app import attach_chat, make_application, run_qt_until, show_first_frame

app = make_application([])
started = show_first_frame(app)
attach_chat(started)
kept = sum(len(entry[2]) for entry in linecache.cache.values())
painted = []
started.window.newestPainted.connect(lambda: painted.append(True))
run_qt_until(started.window.newestPainted.connect)
print(json.dumps({
    "sources_kept": kept,
    "painted": painted == [True],
    "title": started.window.windowTitle(),
    "clear_button": started.window.sidebar.search.isClearButtonEnabled(),
    "shown": [view.message.content for view in started.window.transcript.built_views()],
    "imported": sorted(m for m in ("asyncio", "qasync", "httpx", "keyring", "grokdesk.chat.turn")
                       if m in sys.modules),
}))
"""


def test_the_newest_conversation_is_painted_before_asyncio_and_its_loop(
        tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    history = History(open_database(tmp_path / "data" / "history.sqlite3"))
    history.create_conversation("Older", ConversationSettings())
    newest = history.create_conversation("Newest", ConversationSettings())
    history.add_message(newest.id, "user", "What is **bold**?")
    history.add_message(newest.id, "assistant", "Text in **two asterisks**.")
    history.db.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GROKDESK_DATA_DIR": str(tmp_path),
           "GROKDESK_API_KEY": "test-key"}
    result = subprocess.run([sys.executable, "-c", UNTIL_NEWEST], capture_output=True,
                            text=True, timeout=120, check=True, env=env)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["painted"]
    assert report["title"].startswith("Newest")
    assert report["clear_button"]
    assert report["shown"] == ["What is **bold**?", "Text in **two asterisks**."]
    assert report["imported"] == []
    assert report["sources_kept"] == 0
