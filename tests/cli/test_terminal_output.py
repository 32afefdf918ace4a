"""Text from a model, a server or a file never reaches the terminal as a command.

Escape sequences can write the clipboard (OSC 52), set the window title (OSC 0), clear
the screen or move the cursor; bidi controls reorder what the reader sees. Whatever the
command (ask, show, list, search, import, the one-line errors, ``--debug`` logs), every
such character comes out as a visible ``<U+XXXX>`` marker, on a pipe as on a terminal;
``--json`` escapes them (the data stays exact) and ``--raw`` opts out for ``show`` and
``ask``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grokdesk import paths
from grokdesk.logs import log_to_stream
from tests.reliability.helpers import Run, grokdesk, newest_conversation_id, write_config
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

ROOT = Path(__file__).parents[2]
KEY = "sk-terminal-test-0123456789abcdef"

HOSTILE = {
    "osc52-clipboard": "\x1b]52;c;ZWNobyBvd25lZA==\x07",
    "osc0-title": "\x1b]0;owned\x1b\\",
    "csi-clear": "\x1b[2J\x1b[H\x1b[31m",
    "c1-csi": "\x9b2J\x9b31m",
    "c1-osc": "\x9d0;owned\x9c",
    "carriage-return": "safe text\rEVIL",
    "backspace-bel-nul-del": "a\x08\x07\x00\x7fb",
    "bidi-override": "access \u202elevel\u202c ok",
    "isolates-and-marks": "\u2066x\u2069 \u200e\u200f\u061c",
    "nel-and-separators": "a\x85b\u2028c\u2029d",
    "zero-width": "pa\u200bss\ufeff",
}

# Written independently of grokdesk's own list, so the test checks the rule, not the code.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                       "\u2066-\u2069\u2028\u2029]")


def controls(text: str) -> list[str]:
    """The forbidden characters in ``text``, as markers, for a readable failure."""
    return [f"<U+{ord(c):04X}>" for c in FORBIDDEN.findall(text)]


def markers_for(text: str) -> list[str]:
    """The markers that must show the forbidden characters of ``text``."""
    return [f"<U+{ord(c):04X}>" for c in FORBIDDEN.findall(text.replace("\r\n", "\n"))]


def assert_clean(*runs: Run) -> None:
    for run in runs:
        assert controls(run.out) == [] and controls(run.err) == [], (run.out, run.err)
        assert "Traceback" not in run.err


@pytest.fixture
def api(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    write_config(read_timeout=5.0, connect_timeout=2.0, max_retries=0)
    return fake_api


# --------------------------------------------------------------------------- ask


@pytest.mark.parametrize("mode", ["stream", "no-stream"])
@pytest.mark.parametrize("name", HOSTILE)
def test_ask_shows_control_characters_in_answer_and_reasoning(api: FakeAPI, name: str,
                                                              mode: str) -> None:
    text = HOSTILE[name]
    # Each escape sequence is split across two deltas.
    content = ["before " + text[:1], text[1:] + " after"]
    if mode == "stream":
        api.queue(fake.stream([text[:2], text[2:]], content))
    else:
        api.queue(fake.completion(content="".join(content), reasoning=text))
    flags = ["--no-stream"] if mode == "no-stream" else []
    result = grokdesk("ask", "--show-reasoning", *flags, "Hi")
    assert result.code == 0, result.err
    assert_clean(result)
    for marker in markers_for(text):
        assert marker in result.out and marker in result.err


@pytest.mark.parametrize("name", HOSTILE)
def test_ask_raw_prints_the_answer_unchanged(api: FakeAPI, name: str) -> None:
    text = HOSTILE[name]
    api.queue(fake.stream([text], ["before ", text]))
    result = grokdesk("ask", "--raw", "--show-reasoning", "Hi")
    assert result.code == 0, result.err
    assert result.out == f"before {text}\n"
    assert text in result.err


@pytest.mark.parametrize("name", HOSTILE)
def test_server_error_text_is_shown_visibly(api: FakeAPI, name: str) -> None:
    text = HOSTILE[name]
    api.queue(fake.status(400, {"message": f"bad request {text}"}))
    api.queue(fake.error_stream(after=2, message=f"in-stream {text}", code=400))
    api.queue(fake.raw_stream([f"data: not json {text}\n\n"]))
    api.queue(fake.status(200, f"not a completion {text}", "text/plain"))
    runs = [grokdesk("ask", "--raw", f"Question {n}") for n in range(4)]
    assert [run.code for run in runs] == [1, 1, 1, 1], [run.err for run in runs]
    assert_clean(*runs)


# --------------------------------------------------------------------------- stored text


def hostile_export(text: str) -> dict[str, object]:
    """A one-conversation grokdesk JSON export whose title, model, error, content and
    reasoning all carry ``text``: made by exporting a real conversation and editing it."""
    exported = grokdesk("export", "--all", "--format", "json")
    assert exported.code == 0, exported.err
    document = json.loads(exported.out)
    (conversation,) = document["conversations"]
    conversation["uuid"] = "0f0e0d0c-0b0a-4908-8706-050403020100"
    conversation["title"] = f"Title {text} end"
    renamed = {message["uuid"]: f"0f0e0d0c-0b0a-4908-8706-05040302{number:04d}"
               for number, message in enumerate(conversation["messages"])}
    conversation["current_leaf_uuid"] = renamed[conversation["current_leaf_uuid"]]
    for message in conversation["messages"]:
        message["uuid"] = renamed[message["uuid"]]
        message["parent_uuid"] = renamed.get(message["parent_uuid"])
        message["content"] = f"findme {text} content"
        if message["role"] == "assistant":
            message.update(model=f"model {text}", reasoning=f"reasoning {text}",
                           status="error", error=f"error {text}")
    return document  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", HOSTILE)
def test_imported_fields_are_shown_visibly(api: FakeAPI, tmp_path: Path, name: str) -> None:
    text = HOSTILE[name]
    api.queue(fake.stream(["r"], ["a"]))
    assert grokdesk("ask", "Hi").code == 0
    document = hostile_export(text)
    source = tmp_path / "hostile.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    imported = grokdesk("import", str(source))
    assert imported.code == 0, imported.err
    conversation = str(newest_conversation_id())

    runs = {args: grokdesk(*args) for args in [
        ("list",), ("show", conversation), ("show", conversation, "--show-reasoning"),
        ("search", "findme"),
    ]}
    assert all(run.code == 0 for run in runs.values()), runs
    assert_clean(imported, *runs.values())
    shown = runs["show", conversation, "--show-reasoning"].out
    for marker in markers_for(text):
        assert marker in shown and marker in runs["list",].out

    raw = grokdesk("show", conversation, "--show-reasoning", "--raw")
    assert f"findme {text} content" in raw.out
    assert set(FORBIDDEN.findall(text)) <= set(raw.out)


@pytest.mark.parametrize("name", HOSTILE)
def test_json_output_is_exact_and_escaped(api: FakeAPI, tmp_path: Path, name: str) -> None:
    text = HOSTILE[name]
    api.queue(fake.stream(["r"], ["a"]))
    assert grokdesk("ask", "Hi").code == 0
    source = tmp_path / "hostile.json"
    source.write_text(json.dumps(hostile_export(text)), encoding="utf-8")
    assert grokdesk("import", str(source)).code == 0
    conversation = str(newest_conversation_id())
    runs = [grokdesk("list", "--json"), grokdesk("show", conversation, "--json"),
            grokdesk("search", "findme", "--json")]
    assert_clean(*runs)
    listed, shown, found = (json.loads(run.out) for run in runs)
    assert listed[0]["title"] == f"Title {text} end"
    assistant = shown["messages"][-1]
    assert (assistant["model"], assistant["error"], assistant["reasoning"]) == (
        f"model {text}", f"error {text}", f"reasoning {text}")
    assert found[0]["title"] == f"Title {text} end"


# --------------------------------------------------------------------------- logs


@pytest.mark.parametrize("name", HOSTILE)
def test_log_lines_show_control_characters_visibly(name: str) -> None:
    text = HOSTILE[name]
    stream = io.StringIO()
    root = logging.getLogger()
    before = list(root.handlers), root.level
    root.handlers.clear()
    try:
        log_to_stream(stream)
        logging.getLogger("grokdesk.test").warning("server said %s", text)
        logging.getLogger("httpx").info("HTTP Request: %s", text)
    finally:
        root.handlers[:], root.level = before
    assert controls(stream.getvalue()) == []
    assert stream.getvalue().count("server said ") == 1


def test_the_window_log_file_shows_control_characters_visibly() -> None:
    from grokdesk.app import _log_to_file

    app_log = logging.getLogger("grokdesk")
    before = list(app_log.handlers)
    _log_to_file()
    try:
        for text in HOSTILE.values():
            logging.getLogger("grokdesk.ui.test").error("model wrote %s", text)
    finally:
        for handler in app_log.handlers[len(before):]:
            handler.close()
        app_log.handlers[:] = before
    written = (paths.log_dir() / "grokdesk.log").read_text(encoding="utf-8")
    assert written.count("model wrote ") == len(HOSTILE)
    assert controls(written) == []


def test_the_crash_log_shows_control_characters_visibly(api: FakeAPI,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(HOSTILE.values())

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected state {text}")

    monkeypatch.setattr("grokdesk.chat.service.ChatService.build_request", crash)
    result = grokdesk("ask", "Hi")
    assert result.code == 1 and "unexpected error (RuntimeError)" in result.err
    written = (paths.log_dir() / "crash.log").read_text(encoding="utf-8")
    assert "RuntimeError: unexpected state" in written
    assert controls(written) == []


def test_debug_run_of_the_real_command_is_clean(api: FakeAPI) -> None:
    text = "".join(HOSTILE.values())
    api.queue(fake.stream([text], [text]))
    api.queue(fake.status(400, {"message": text}))
    env = dict(os.environ)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "grokdesk", "--debug", "ask",
                               "--show-reasoning", "Hi"], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False, timeout=60)
        assert_clean(Run(done.returncode, done.stdout, done.stderr))
        assert "DEBUG grokdesk.api" in done.stderr
