"""Network and server faults, end to end: the real chat service and the real command line
against the fake provider server, with the settings file's small timeouts and one retry.

For every fault: the right error (class and words), the history holds exactly what the
server sent before the fault, a retry (regenerate) succeeds, and so does the next send.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from grokdesk import paths
from grokdesk.api.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthError,
    BadRequestError,
    InvalidResponseError,
    NotFoundError,
    PaymentError,
    RateLimitError,
    ServerError,
    StreamError,
    StreamInterrupted,
)
from grokdesk.api.types import ContentDelta, ReasoningDelta, StreamEvent
from grokdesk.chat.service import ChatService
from grokdesk.config import load_settings
from grokdesk.secrets import KeyStore
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from tests.reliability.helpers import (
    KEY,
    MAX_RETRIES,
    READ_TIMEOUT,
    arrived,
    closed_port_url,
    grokdesk,
    newest_conversation_id,
    show,
    write_config,
)
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

UNRESOLVABLE = "https://grokdesk-fault.invalid/v1"  # https: no plain-http warning
RETRIED = 1 + MAX_RETRIES  # requests that reach the server for a retryable status


@dataclass(frozen=True)
class Fault:
    """One way the network or the server can fail a turn, and what must follow."""

    name: str
    replies: Callable[[], Sequence[fake.Reply]] = tuple
    error: type[APIError] | None = None
    words: tuple[str, ...] = ()
    content: str = ""
    reasoning: str = ""
    status: str = "error"
    requests: int = 1
    base_url: Callable[[], str] | None = None


def _stream_fault(name: str, reply: fake.Stream, sent: int, error: type[APIError],
                  words: tuple[str, ...]) -> Fault:
    content, reasoning = arrived(reply, sent)
    return Fault(name, lambda: [reply], error, words, content, reasoning,
                 "interrupted" if content or reasoning else "error")


def _status(name: str, code: int, error: type[APIError], words: tuple[str, ...],
            reply: Callable[[], fake.Reply] | None = None, *, retried: bool = False) -> Fault:
    build = reply or (lambda: fake.json_error(code, f"Scripted failure {code}"))
    attempts = RETRIED if retried else 1
    return Fault(name, lambda: [build() for _ in range(attempts)], error,
                 (f"HTTP {code}", *words), requests=attempts)


REASONING = ["Thinking ", "it over. "]
CONTENT = ["Part one, ", "part two, ", "end."]
# The chunks of these streams: role, 2 reasoning, 3 content, finish, usage.

FAULTS = [
    Fault("connection-refused", error=APIConnectionError,
          words=("Could not reach 127.0.0.1", "connection refused", "base URL"),
          requests=0, base_url=closed_port_url),
    Fault("unresolvable-host", error=APIConnectionError,
          words=("Could not reach grokdesk-fault.invalid", "name not resolved"),
          requests=0, base_url=lambda: UNRESOLVABLE),
    Fault("timeout-before-first-byte", lambda: [fake.hang(5)], APITimeoutError,
          ("did not answer within 0.5 s", "raise the timeouts")),
    _stream_fault("stall-mid-answer",
                  fake.stalled_stream(after=5, seconds=5, reasoning=REASONING,
                                      content=CONTENT), 5, StreamInterrupted,
                  ("stopped sending", "partial answer was kept")),
    _stream_fault("cut-connection",
                  fake.cut_stream(after=4, reasoning=REASONING, content=CONTENT), 4,
                  StreamInterrupted, ("connection ended early", "partial answer was kept")),
    _stream_fault("in-stream-error",
                  fake.error_stream(after=5, message="Model overloaded", reasoning=REASONING,
                                    content=CONTENT), 5,
                  StreamError, ("stopped the answer with an error", "Model overloaded")),
    _stream_fault("malformed-json-chunk",
                  fake.malformed_stream(after=4, reasoning=REASONING, content=CONTENT), 4,
                  InvalidResponseError, ("malformed chunk", "OpenAI-compatible")),
    _status("http-400", 400, BadRequestError, ("request was rejected", "Scripted failure 400")),
    _status("http-401", 401, AuthError, ("API key rejected", "grokdesk key set")),
    _status("http-402", 402, PaymentError, ("Payment required", "credits")),
    _status("http-403", 403, PaymentError, ("access forbidden", "permissions")),
    _status("http-404", 404, NotFoundError, ("Not found", "base URL and the model name")),
    _status("http-413", 413, BadRequestError, ("request was rejected", "Scripted failure 413")),
    _status("http-429-retry-after", 429, RateLimitError, ("Rate limited", "wait a moment"),
            lambda: fake.json_error(429, "Slow down", headers={"Retry-After": "0"}),
            retried=True),
    _status("http-429-no-retry-after", 429, RateLimitError, ("Rate limited", "Slow down"),
            lambda: fake.json_error(429, "Slow down"), retried=True),
    _status("http-500", 500, ServerError, ("having trouble", "Scripted failure 500"),
            retried=True),
    _status("http-502-html", 502, ServerError, ("502 Bad Gateway", "try again"),
            lambda: fake.html_error(502, "502 Bad Gateway"), retried=True),
    _status("http-503", 503, ServerError, ("having trouble",), retried=True),
    _status("http-504", 504, ServerError, ("having trouble",), retried=True),
    Fault("200-not-an-event-stream", lambda: [fake.not_event_stream()], InvalidResponseError,
          ("did not send a chat completion", "text/html", "Welcome")),
    Fault("invalid-utf8", lambda: [fake.invalid_utf8_stream()],
          content="bad \ufffd\ufffd bytes", status="complete"),
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def api(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    """The app pointed at the fake server by the environment, with a key and the test
    settings file (0.5 s timeouts, one retry)."""
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    write_config()
    return fake_api


@pytest.fixture
async def service(api: FakeAPI) -> AsyncIterator[ChatService]:
    """The chat service as the window builds it: settings from the file, the real store."""
    loaded = load_settings(paths.config_path())
    assert loaded.warnings == ()
    assert loaded.settings.network.read_timeout == READ_TIMEOUT
    db = open_database(paths.database_path())
    chat = ChatService(History(db), loaded.settings, KeyStore())
    yield chat
    await chat.aclose()
    db.close()


def _texts(events: list[StreamEvent]) -> tuple[str, str]:
    content = "".join(e.text for e in events if isinstance(e, ContentDelta))
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    return content, reasoning


# --------------------------------------------------------------------------- chat service


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
async def test_service_fault(fault: Fault, service: ChatService, api: FakeAPI,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    history = service._history
    conversation = service.new_conversation()
    if fault.base_url is not None:
        monkeypatch.setenv("GROKDESK_BASE_URL", fault.base_url())
    api.queue(*fault.replies())
    seen: list[StreamEvent] = []

    outcome = await service.send(conversation.id, "Hello", listener=seen.append)

    if fault.error is None:
        assert outcome.ok, outcome.error
    else:
        assert type(outcome.error) is fault.error, outcome.error
        text = outcome.error.describe()
        for word in fault.words:
            assert word in text
        assert KEY not in text
    assert len(api.chat_requests) == fault.requests
    question, answer = history.messages(conversation.id)
    assert (question.role, question.content, question.status) == ("user", "Hello", "complete")
    assert answer.status == fault.status
    assert (answer.content, answer.reasoning) == (fault.content, fault.reasoning)
    assert (answer.content, answer.reasoning) == _texts(seen)
    assert answer.error == (outcome.error.describe() if outcome.error else None)

    monkeypatch.setenv("GROKDESK_BASE_URL", api.url)
    api.queue(fake.stream(["Again. "], ["Retried ", "answer."]))
    retried = await service.regenerate(conversation.id)
    assert retried.ok, retried.error
    api.queue(fake.stream([], ["Next answer."]))
    following = await service.send(conversation.id, "Next")
    assert following.ok, following.error
    assert [(m.role, m.content, m.status) for m in history.messages(conversation.id)] == [
        ("user", "Hello", "complete"), ("assistant", "Retried answer.", "complete"),
        ("user", "Next", "complete"), ("assistant", "Next answer.", "complete")]


async def test_rate_limit_waits_as_long_as_retry_after_says(service: ChatService,
                                                            api: FakeAPI) -> None:
    api.queue(fake.json_error(429, "Slow down", headers={"Retry-After": "0.4"}),
              fake.stream([], ["Done."]))
    outcome = await service.send(service.new_conversation().id, "Hello")
    assert outcome.ok and outcome.message.content == "Done."
    first, second = api.chat_requests
    assert second.time - first.time >= 0.4


async def test_transient_server_error_is_retried_without_the_user(service: ChatService,
                                                                  api: FakeAPI) -> None:
    api.queue(fake.html_error(503, "503 Service Unavailable"), fake.stream([], ["Fine."]))
    outcome = await service.send(service.new_conversation().id, "Hello")
    assert outcome.ok and outcome.message.content == "Fine."
    assert len(api.chat_requests) == 2


async def test_ten_megabyte_answer_is_stored_whole(service: ChatService, api: FakeAPI) -> None:
    piece = "0123456789abcdef" * 4095 + "é漢\n"  # 64 K characters, some of them multi-byte
    pieces = [piece] * (10 * 2**20 // len(piece) + 1)
    expected = "".join(pieces)
    assert len(expected) >= 10 * 2**20
    api.queue(fake.stream(["Long one."], pieces, split="utf8"))
    conversation = service.new_conversation()
    outcome = await service.send(conversation.id, "Write a lot")
    assert outcome.ok, outcome.error
    stored = service.messages(conversation.id)[1]
    assert len(stored.content) == len(expected)
    assert stored.content == expected
    assert stored.status == "complete"
    api.queue(fake.stream([], ["Short."]))
    assert (await service.send(conversation.id, "Thanks")).ok


async def test_endless_answer_can_be_stopped_and_memory_stays_linear(
        service: ChatService, api: FakeAPI) -> None:
    """Memory while a server sends forever: the answer itself has to be held (it is shown
    and stored), so "bounded" means proportional to the text received, with a small
    factor and nothing growing faster. Checked every 0.2 s during 3 s of stream: the
    live heap stays near 1.1x the text (limit 2x + 2 MiB); the peak, when the turn ends
    and joins the pieces to store them, near 3x (limit 4x + 2 MiB)."""
    word = "w" * 1023 + " "
    api.queue(fake.Endless(max_seconds=30, delay=0.001, word=word))
    conversation = service.new_conversation()
    received = 0

    def listener(event: StreamEvent) -> None:
        nonlocal received
        if isinstance(event, ContentDelta):
            received += len(event.text)

    tracemalloc.start()
    try:
        task = asyncio.create_task(service.send(conversation.id, "Go on forever",
                                                listener=listener))
        samples: list[tuple[int, int]] = []
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            await asyncio.sleep(0.2)
            samples.append((received, tracemalloc.get_traced_memory()[0]))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert received > 1_000_000, "the endless stream was too slow to measure anything"
    for text_so_far, current in samples:
        assert current <= 2 * text_so_far + 2 * 2**20, samples
    assert peak <= 4 * received + 2 * 2**20, (peak, received)
    answer = service.messages(conversation.id)[1]
    assert answer.status == "interrupted" and answer.error == "Stopped"
    assert len(answer.content) == received
    assert answer.content == word * (received // len(word))
    assert api.wait_for_early_close(5) is not None, "the connection was not closed"

    api.queue(fake.stream([], ["A short one."]))
    assert (await service.regenerate(conversation.id)).ok
    api.queue(fake.stream([], ["Next."]))
    assert (await service.send(conversation.id, "Next")).ok


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_cli_fault(fault: Fault, api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    if fault.base_url is not None:
        monkeypatch.setenv("GROKDESK_BASE_URL", fault.base_url())
    api.queue(*fault.replies())

    result = grokdesk("ask", "Hello")

    assert "Traceback" not in result.err and KEY not in result.err + result.out
    assert result.out == (fault.content + "\n" if fault.content else "")
    if fault.error is None:
        assert result.code == 0, result.err
    else:
        assert result.code == 1
        assert result.err.startswith("grokdesk: ") and result.err.count("\n") == 1, result.err
        for word in fault.words:
            assert word in result.err
        kept = "The partial answer is kept in conversation"
        assert (kept in result.err) == (fault.status == "interrupted")
    assert len(api.chat_requests) == fault.requests
    conversation_id = newest_conversation_id()
    question, answer = show(conversation_id)["messages"]
    assert (question["content"], question["status"]) == ("Hello", "complete")
    assert (answer["status"], answer["content"]) == (fault.status, fault.content)
    assert answer["reasoning"] == fault.reasoning

    monkeypatch.setenv("GROKDESK_BASE_URL", api.url)
    api.queue(fake.stream([], ["Retried answer."]))
    again = grokdesk("ask", "-c", str(conversation_id), "Again")
    assert (again.code, again.out, again.err) == (0, "Retried answer.\n", "")
    sent = [m["content"] for m in api.last_body["messages"]]
    assert sent == ["Hello", *([fault.content] if fault.content else []), "Again"]
    assert [m["status"] for m in show(conversation_id)["messages"]][-2:] == ["complete"] * 2


def test_cli_ten_megabyte_answer(api: FakeAPI) -> None:
    pieces = ["x" * 4095 + "\n"] * (10 * 2**20 // 4096)
    api.queue(fake.stream([], pieces))
    result = grokdesk("ask", "Write a lot")
    assert result.code == 0, result.err
    expected = "".join(pieces)
    assert result.out == expected + "\n"
    answer = show(newest_conversation_id())["messages"][1]
    assert answer["status"] == "complete" and answer["content"] == expected


def test_cli_stop_with_ctrl_c_keeps_what_was_printed(api: FakeAPI, tmp_path: Path) -> None:
    """A real ``grokdesk ask`` process interrupted by SIGINT (Ctrl-C) mid-stream."""
    api.queue(fake.Endless(max_seconds=30, delay=0.005, word="more "))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Unbuffered: a buffered read of 50 bytes may take more from the pipe, which
    # communicate() (reading the pipe itself) would then never see.
    process = subprocess.Popen([sys.executable, "-m", "grokdesk", "ask", "Go on"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               cwd=Path(__file__).parents[2], bufsize=0)
    try:
        assert process.stdout is not None
        first = b""
        while len(first) < 50 and (chunk := process.stdout.read(50 - len(first))):
            first += chunk
        assert first.startswith(b"more more")
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    printed = (first + rest).decode()
    assert process.returncode == 130, err
    assert "stopped; the partial answer is kept in conversation" in err.decode()
    assert b"Traceback" not in err
    answer = show(newest_conversation_id())["messages"][1]
    assert answer["status"] == "interrupted"
    assert printed.rstrip("\n") == answer["content"]
    api.queue(fake.stream([], ["Still works."]))
    assert grokdesk("ask", "--continue", "Next").out == "Still works.\n"
