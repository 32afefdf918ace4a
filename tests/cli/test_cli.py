"""The command line against the fake server: streams, history, and one clear line per failure."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grokdesk.cli import main
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

KEY = "sk-cli-test-abcdef0123456789"


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def grokdesk(*args: str, stdin: str = "") -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return Run(code, out.getvalue(), err.getvalue())


def show(conversation_id: int) -> dict:  # type: ignore[type-arg]
    result = grokdesk("show", str(conversation_id), "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def only_conversation() -> dict:  # type: ignore[type-arg]
    listed = json.loads(grokdesk("list", "--json").out)
    assert len(listed) == 1
    return show(listed[0]["id"])


def test_ask_streams_the_answer_and_reasoning(api: FakeAPI) -> None:
    api.queue(fake.stream(["Thinking ", "hard."], ["The answer ", "is 4."]))
    result = grokdesk("ask", "What is 2+2?", "--show-reasoning")
    assert result.code == 0, result.err
    assert result.out == "The answer is 4.\n"
    assert "Thinking hard." in result.err
    conversation = only_conversation()
    assert conversation["title"] == "What is 2+2?"
    assert [(m["role"], m["content"], m["status"]) for m in conversation["messages"]] == [
        ("user", "What is 2+2?", "complete"), ("assistant", "The answer is 4.", "complete")]
    assert conversation["messages"][1]["reasoning"] == "Thinking hard."


def test_prompt_from_stdin_and_continue_sends_the_history(api: FakeAPI) -> None:
    assert grokdesk("ask", stdin="First question\n").code == 0
    assert grokdesk("ask", "-", "--continue", stdin="Second question").code == 0
    sent = api.last_body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == "First question\n"
    assert sent[2]["content"] == "Second question"
    assert len(only_conversation()["messages"]) == 4


def test_options_reach_the_request(api: FakeAPI) -> None:
    result = grokdesk("ask", "Hi", "-m", "grok-other", "--reasoning-effort", "low",
                      "--system", "Be brief.", "--no-stream")
    assert result.code == 0, result.err
    body = api.last_body
    assert body["model"] == "grok-other" and body["stream"] is False
    assert body["reasoning"] == {"effort": "low"}
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert result.out.strip()


def test_conversation_option_and_list_show_search(api: FakeAPI) -> None:
    grokdesk("ask", "Tell me about otters")
    conversation_id = json.loads(grokdesk("list", "--json").out)[0]["id"]
    assert grokdesk("ask", "And beavers?", "-c", str(conversation_id)).code == 0
    listed = json.loads(grokdesk("list", "--json").out)
    assert listed[0]["message_count"] == 4
    assert {"id", "title", "updated_at", "message_count"} <= set(listed[0])
    plain = grokdesk("list").out
    assert "Tell me about otters" in plain
    shown = grokdesk("show", str(conversation_id), "--show-reasoning").out
    assert "And beavers?" in shown and "Reasoning" in shown
    found = json.loads(grokdesk("search", "beavers", "--json").out)
    assert found and found[0]["conversation_id"] == conversation_id


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (fake.json_error(401, "Invalid API key"), "API key rejected (HTTP 401)"),
        (fake.json_error(403, "Forbidden for this key"), "HTTP 403"),
        (fake.json_error(404, "Model not found"), "check the provider's base URL"),
        (fake.json_error(500, "Internal failure"), "HTTP 500"),
        (fake.html_error(502, "502 Bad Gateway"), "502 Bad Gateway"),
    ],
)
def test_status_errors_end_with_one_clear_line(api: FakeAPI, reply: fake.Reply,
                                               expected: str) -> None:
    api.queue(reply, reply, reply)
    result = grokdesk("ask", "Hello")
    assert result.code == 1
    assert expected in result.err
    assert result.err.count("\n") == 1 and result.err.startswith("grokdesk: ")
    assert "Traceback" not in result.err and KEY not in result.err
    messages = only_conversation()["messages"]
    assert messages[0]["content"] == "Hello"
    assert messages[1]["status"] == "error"


def test_rate_limit_then_success(api: FakeAPI) -> None:
    api.queue(fake.json_error(429, "Slow down", headers={"Retry-After": "0"}),
              fake.stream([], ["finally"]))
    result = grokdesk("ask", "Hello")
    assert result.code == 0, result.err
    assert result.out == "finally\n"
    assert len(api.chat_requests) == 2


def test_cut_connection_keeps_the_partial_answer(api: FakeAPI) -> None:
    api.queue(fake.cut_stream(after=4, reasoning=["r"], content=["partial ", "text", "!"]))
    result = grokdesk("ask", "Hello")
    assert result.code == 1
    assert result.out.startswith("partial text")
    assert "cut off" in result.err and "partial answer is kept" in result.err
    answer = only_conversation()["messages"][1]
    assert (answer["status"], answer["content"]) == ("interrupted", "partial text")


def test_in_stream_error_is_reported_with_the_partial_answer(api: FakeAPI) -> None:
    api.queue(fake.error_stream(after=3, message="Model overloaded", reasoning=[],
                                content=["a", "b", "c"]))
    result = grokdesk("ask", "Hello")
    assert result.code == 1 and "Model overloaded" in result.err
    answer = only_conversation()["messages"][1]
    assert answer["status"] == "interrupted" and answer["content"] == "ab"


def test_timeout_before_the_first_byte(api: FakeAPI) -> None:
    api.queue(fake.hang(5))
    result = grokdesk("ask", "Hello")
    assert result.code == 1 and "did not answer" in result.err
    assert only_conversation()["messages"][1]["status"] == "error"


def test_stalled_stream_is_interrupted(api: FakeAPI) -> None:
    api.queue(fake.stalled_stream(after=4, seconds=5, reasoning=["r"], content=["x", "y"]))
    result = grokdesk("ask", "Hello")
    assert result.code == 1
    assert only_conversation()["messages"][1]["status"] == "interrupted"


def test_connection_refused(api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_BASE_URL", "http://127.0.0.1:9/v1")
    result = grokdesk("ask", "Hello")
    assert result.code == 1
    assert "connection refused" in result.err and "network connection" in result.err
    assert only_conversation()["messages"][0]["content"] == "Hello"


def test_unresolvable_host(api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_BASE_URL", "http://grokdesk-test.invalid/v1")
    result = grokdesk("ask", "Hello")
    assert result.code == 1
    assert "Could not reach grokdesk-test.invalid" in result.err


def test_length_spent_on_reasoning_is_explained(api: FakeAPI) -> None:
    api.queue(fake.stream(["long thoughts"], [], finish_reason="length"))
    result = grokdesk("ask", "Hello")
    assert result.code == 0
    assert "token limit was spent on reasoning" in result.err


def test_usage_errors_exit_2() -> None:
    assert grokdesk("show", "not-a-number").code == 2
    missing = grokdesk("show", "999")
    assert missing.code == 2 and "no conversation 999" in missing.err
    empty = grokdesk("ask", stdin="   ")
    assert empty.code == 2 and "prompt is empty" in empty.err
    assert grokdesk("ask", "hi", "--provider", "nope").code == 2


def test_no_key_says_how_to_set_one(monkeypatch: pytest.MonkeyPatch,
                                    memory_keyring: object) -> None:
    result = grokdesk("ask", "Hello")
    assert result.code == 1
    assert "No API key" in result.err and "grokdesk key set" in result.err
    assert json.loads(grokdesk("list", "--json").out) == [], "no empty chat is left behind"


def test_key_commands_with_an_in_memory_keyring(memory_keyring: object) -> None:
    assert "not set" in grokdesk("key", "status").out
    assert grokdesk("key", "set", stdin=KEY + "\n").code == 0
    status = grokdesk("key", "status", "--provider", "aimlapi").out
    assert "system keyring" in status and KEY not in status
    assert "key deleted" in grokdesk("key", "delete").out
    assert "no key was stored" in grokdesk("key", "delete").out


def test_version_and_help_in_a_real_process(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "grokdesk", "--version"], capture_output=True,
                         text=True, check=False, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("grokdesk ")
    bad = subprocess.run([sys.executable, "-m", "grokdesk", "frobnicate"], capture_output=True,
                         text=True, check=False, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_newer_database_is_refused_cleanly(tmp_path: Path) -> None:
    import sqlite3

    from grokdesk import paths

    db_path = paths.database_path()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 999")
    before = db_path.read_bytes()
    result = grokdesk("list")
    assert result.code == 1 and "newer" in result.err.lower()
    assert "Traceback" not in result.err
    assert db_path.read_bytes() == before
