"""The ``grokdesk`` program: no display gives one line; the real app wiring starts and quits."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from grokdesk import app as grokdesk_app
from grokdesk.cli import main as cli_main
from grokdesk.ui.main_window import MainWindow
from grokdesk.ui.transcript.math_worker import math_worker
from tests.support.fake_api import FakeAPI
from tests.ui.conftest import run, until

KEY = "sk-app-e2e-key-31337"


def test_without_a_display_grokdesk_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "grokdesk"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "no display" in lines[0]
    assert "grokdesk ask" in lines[0] and "grokdesk --help" in lines[0]


CANNOT_START = """
import io, json, sys
from grokdesk import app
from grokdesk.chat.service import ChatService
from grokdesk.storage.db import DatabaseError

shown = []

class Box:
    def __init__(self, text):
        self.text = text
    def exec(self):
        shown.append(self.text)

def fails(*args, **kwargs):
    raise DatabaseError(sys.argv[2])

app.fatal_box = Box
if sys.argv[1] == "open":
    app.open_history = fails
else:
    ChatService.recover_interrupted = fails
err = io.StringIO()
code = app.run_app([], err)
print(json.dumps({"code": code, "shown": shown, "err": err.getvalue()}))
"""


@pytest.mark.parametrize(("stage", "text"), [
    ("open", "The history is in use by a newer grokdesk. Update grokdesk, then start it."),
    ("attach", "The history could not be written: the disk is full. "
               "Free some space, then start grokdesk again."),
])
def test_what_stops_the_window_from_starting_is_said_in_a_message_box(
        tmp_path: Path, stage: str, text: str) -> None:
    """Started from a menu, the window has no terminal: what stops it, before the first
    frame or after it, is shown in a box as well as printed, never as a traceback."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GROKDESK_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", CANNOT_START, stage, text], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 1
    assert report["shown"] == [text]
    assert report["err"] == f"grokdesk: {text}\n"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("environ", "platform", "problem"), [
    ({}, "linux", "no display is available"),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", None),
    ({"QT_QPA_PLATFORM": "minimal:enable_fonts"}, "linux", None),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None),
    ({"DISPLAY": ":987"}, "linux", "no X server answers on DISPLAY=:987"),
    ({"DISPLAY": "remotehost:0"}, "linux", None),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", "no display is available"),
    ({}, "darwin", None),
    ({}, "win32", None),
])
def test_display_problem(environ: dict[str, str], platform: str, problem: str | None) -> None:
    found = grokdesk_app.display_problem(environ, platform)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)
        assert "grokdesk --help" in found


def test_a_local_x_server_that_answers_is_no_problem() -> None:
    """A listener on the display's abstract socket, as a local X server has, answers."""
    number = 4000 + os.getpid() % 20000
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(f"\0/tmp/.X11-unix/X{number}")
        server.listen(1)
        assert grokdesk_app.display_problem({"DISPLAY": f":{number}"}, "linux") is None
        assert grokdesk_app.display_problem({"DISPLAY": f"unix:{number}.0"}, "linux") is None
    found = grokdesk_app.display_problem({"DISPLAY": f":{number}"}, "linux")
    assert found is not None and found.startswith(f"no X server answers on DISPLAY=:{number}")


def test_the_real_app_sends_streams_and_quits_in_order(
        qapp: QApplication, qloop: qasync.QEventLoop, fake_api: FakeAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_window`` as ``grokdesk`` runs it: settings and history from GROKDESK_DATA_DIR."""
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    grokdesk_app.make_application([])
    assert (qapp.applicationName(), qapp.desktopFileName()) == ("grokdesk", "grokdesk")
    assert not qapp.windowIcon().isNull()

    before = set(_checkpoint_threads())

    async def person() -> None:
        await until(lambda: _window(qapp) is not None, what="the window")
        window = _window(qapp)
        assert window is not None
        frozen = gc.get_freeze_count()
        await until(lambda: gc.get_freeze_count() > frozen,
                    what="what start-up made, out of the collector's sight")
        assert gc.isenabled(), "the collector, off during start-up, runs again"
        await until(lambda: QApplication.focusWidget() is window.composer.input)
        window.composer.set_text("Hello app")
        window.composer.submit()
        await until(lambda: window.controller.busy)
        await until(lambda: not window.controller.busy, timeout=15)
        assert set(_checkpoint_threads()) - before, "the window's commits leave checkpoints"
        await until(lambda: math_worker()._pool is not None, what="the typesetter started")
        window.actions_.quit.trigger()

    async def both() -> int:
        helper = asyncio.ensure_future(person())
        code = await grokdesk_app.run_window(qapp)
        await helper
        return code

    gc.disable()  # as grokdesk.entry starts the window
    try:
        assert run(qloop, both()) == 0
    finally:
        gc.enable()
    assert _window(qapp) is None, "the window closed"
    assert not set(_checkpoint_threads()) - before, "closing the history stopped its thread"
    assert math_worker()._pool is None, "typing started the typesetter; quitting stopped it"
    qapp.setQuitOnLastWindowClosed(True)
    out = io.StringIO()
    assert cli_main(["list", "--json"], stdout=out, stderr=io.StringIO()) == 0
    listed = json.loads(out.getvalue())
    assert [c["title"] for c in listed] == ["Hello app"] and listed[0]["message_count"] == 2
    out = io.StringIO()
    assert cli_main(["show", str(listed[0]["id"])], stdout=out, stderr=io.StringIO()) == 0
    assert "Hello app" in out.getvalue() and "You said" in out.getvalue()


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "grokdesk-checkpoints"]


def _window(app: QApplication) -> MainWindow | None:
    for widget in app.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None

