"""A person at a real X server: start grokdesk, type, press Enter, toggle reasoning, quit.

Run by ``tests/xvfb/run.sh`` (which starts Xvfb and sets DISPLAY). The app is the
real ``grokdesk`` process, talking to the fake provider over HTTP; what it stored
is then read back with ``grokdesk list`` and ``grokdesk show`` like a user would.
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_api import FakeAPI

pytestmark = pytest.mark.xvfb

KEY = "sk-xvfb-session-key-0001"
QUESTION = "Hello from a real X server"


def _need_display() -> None:
    if not os.environ.get("DISPLAY"):
        pytest.fail("DISPLAY is not set: run these tests through tests/xvfb/run.sh")


def _xdotool(*args: str) -> str:
    return subprocess.run(["xdotool", *args], check=True, capture_output=True, text=True,
                          timeout=20).stdout.strip()


def _wait_for(what: str, probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def app_env(tmp_path: Path, fake_api: FakeAPI) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(GROKDESK_DATA_DIR=str(tmp_path / "data"), GROKDESK_BASE_URL=fake_api.url,
               GROKDESK_API_KEY=KEY)
    return env


@pytest.fixture
def grokdesk_window(app_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    _need_display()
    process = subprocess.Popen([sys.executable, "-m", "grokdesk"], env=app_env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def find() -> str | None:
        assert process.poll() is None, f"grokdesk exited early: {process.communicate()}"
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", "grokdesk"],
                               capture_output=True, text=True)
        return found.stdout.split()[0] if found.stdout.strip() else None

    try:
        yield process, _wait_for("the grokdesk window", find)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _cli(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run([sys.executable, "-m", "grokdesk", *args], env=env,
                          capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout) if "--json" in args else done.stdout


def test_type_enter_stream_toggle_reasoning_and_quit(
        grokdesk_window: tuple[subprocess.Popen[str], str], app_env: dict[str, str],
        fake_api: FakeAPI) -> None:
    process, window = grokdesk_window
    _xdotool("windowfocus", "--sync", window)
    _xdotool("type", "--delay", "15", QUESTION)
    _xdotool("key", "Return")

    def answered() -> dict[str, Any] | None:
        listed = _cli(app_env, "list", "--json")
        if not listed:
            return None
        shown = _cli(app_env, "show", str(listed[0]["id"]), "--json")
        messages = shown["messages"]
        if len(messages) == 2 and messages[1]["status"] == "complete":
            return shown  # type: ignore[no-any-return]
        return None

    conversation = _wait_for("the answer in the history", answered)
    user, answer = conversation["messages"]
    assert (user["role"], user["content"]) == ("user", QUESTION)
    assert QUESTION in answer["content"] and answer["reasoning"]
    assert conversation["title"] == QUESTION
    assert fake_api.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"

    _xdotool("windowfocus", "--sync", window)
    _xdotool("key", "ctrl+r")
    _xdotool("key", "ctrl+q")
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err

    state = configparser.ConfigParser()
    state.read(Path(app_env["GROKDESK_DATA_DIR"]) / "config" / "ui-state.ini")
    assert state.get("view", "show_reasoning") == "false", "Ctrl+R toggled and remembered"
    text = _cli(app_env, "show", str(conversation["id"]))
    assert QUESTION in text and "You said" in text
