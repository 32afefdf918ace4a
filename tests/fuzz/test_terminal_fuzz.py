"""Arbitrary text from the model, the server and imported files, through the real command
line: no control character but newline and tab reaches stdout or stderr. And a key quoted
after any amount of padding is never cut into a piece that redaction misses.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grokdesk.api.client import ChatClient
from grokdesk.api.errors import APIError
from grokdesk.api.types import ChatMessage, ChatRequest
from grokdesk.export import jsonio
from grokdesk.logs import SafeFormatter
from grokdesk.visible import VisibleWriter
from tests.cli.test_terminal_output import controls
from tests.export.strategies import simple_record
from tests.fuzz.common import EXAMPLES, FUZZ
from tests.reliability.helpers import Run, grokdesk, newest_conversation_id, write_config
from tests.security.test_key_never_leaks import CUT_SHAPES, exception_texts
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

CONTROL_CHARS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
BIDI_AND_INVISIBLE = [chr(c) for c in (0x061C, 0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F),
                                       0x2028, 0x2029, 0x2060, *range(0x2066, 0x206A), 0xFEFF,
                                       0xE0041)]
SEQUENCES = ["\x1b]52;c;ZWNobyBvd25lZA==\x07", "\x1b]0;owned\x1b\\", "\x1b[2J", "\x1b[31m",
             "\x1b[1;1H", "\x9b2J", "\x9d0;owned\x9c", "\x1bP+q\x1b\\",
             "\x1b]8;;https://x.example\x07link\x1b]8;;\x07", "\r\n", "\x1bc"]

hostile = st.lists(st.one_of(st.sampled_from(CONTROL_CHARS + BIDI_AND_INVISIBLE + SEQUENCES),
                             st.text(max_size=6)), min_size=1, max_size=16).map("".join)

# Every example runs the real command line several times, each answer committed to a real
# history file: fewer examples than the cheap fuzz tests, and no per-example deadline (the
# disk sets the pace; pytest's timeout still bounds the run).
CLI_FUZZ = settings(FUZZ, max_examples=max(5, EXAMPLES // 5), deadline=None)
KEY = "sk-terminal-fuzz-0123456789abcdef"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAPI]:
    with FakeAPI() as api:
        yield api


@contextlib.contextmanager
def pointed_at(api: FakeAPI) -> Iterator[None]:
    """The command line using ``api``, with a key and no retries."""
    api.reset()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GROKDESK_BASE_URL", api.url)
        patch.setenv("GROKDESK_API_KEY", KEY)
        write_config(read_timeout=5.0, connect_timeout=2.0, max_retries=0)
        yield


def assert_clean(*runs: Run) -> None:
    for run in runs:
        assert controls(run.out) == [] and controls(run.err) == [], (run.out, run.err)
        assert "Traceback" not in run.err and "unexpected error" not in run.err, run.err


def split(text: str, cuts: list[int]) -> list[str]:
    """``text`` in pieces at ``cuts`` (escape sequences end up across deltas)."""
    points = sorted({cut % (len(text) + 1) for cut in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


# --------------------------------------------------------------------------- the command line


@CLI_FUZZ
@given(content=hostile, reasoning=hostile, error=hostile,
       cuts=st.lists(st.integers(0, 200), max_size=6),
       shape=st.sampled_from(["status", "in-stream", "malformed", "not-a-completion"]),
       stream=st.booleans())
def test_ask_never_prints_a_control_character(server: FakeAPI, content: str, reasoning: str,
                                              error: str, cuts: list[int], shape: str,
                                              stream: bool) -> None:
    answers = {
        True: fake.stream(split(reasoning, cuts), split(content, cuts)),
        False: fake.completion(content=content, reasoning=reasoning),
    }
    errors = {
        "status": fake.status(400, {"message": error}),
        "in-stream": fake.error_stream(after=2, message=error, code=400),
        "malformed": fake.raw_stream([f"data: x{error}\n\n"]),
        "not-a-completion": fake.status(200, f"x{error}", "text/plain"),
    }
    flags = [] if stream else ["--no-stream"]
    with pointed_at(server):
        server.queue(answers[stream], errors[shape])
        answered = grokdesk("ask", "--show-reasoning", *flags, "Hi")
        failed = grokdesk("ask", "--continue", *flags, "Again")
    assert answered.code == 0 and failed.code == 1, (answered.err, failed.err)
    assert_clean(answered, failed)


@CLI_FUZZ
@given(title=hostile, model=hostile, error=hostile, content=hostile, reasoning=hostile)
def test_imported_text_is_never_printed_as_a_control_character(
        tmp_path_factory: pytest.TempPathFactory, title: str, model: str, error: str,
        content: str, reasoning: str) -> None:
    record = simple_record(title)
    question, answer = record.messages
    record = replace(record, messages=(
        replace(question, content=f"findme {content}"),
        replace(answer, content=f"findme {content}", reasoning=reasoning, model=model,
                status="error", error=error),
    ))
    source = tmp_path_factory.mktemp("import") / "hostile.json"
    source.write_text(jsonio.to_json([record]), encoding="utf-8")
    imported = grokdesk("import", str(source))
    assert imported.code == 0, imported.err
    conversation = str(newest_conversation_id())
    runs = [grokdesk(*args) for args in (
        ("list",), ("show", conversation, "--show-reasoning"), ("search", "findme"),
        ("list", "--json"), ("show", conversation, "--json"), ("search", "findme", "--json"))]
    assert all(run.code == 0 for run in runs), [run.err for run in runs]
    assert_clean(imported, *runs)
    shown = json.loads(runs[4].out)
    assert (shown["title"], shown["messages"][1]["model"], shown["messages"][1]["error"]) == (
        title, model, error)


# --------------------------------------------------------------------------- the pieces


@FUZZ
@given(text=hostile, cuts=st.lists(st.integers(0, 200), max_size=8))
def test_text_written_in_any_pieces_holds_no_control_character(text: str,
                                                               cuts: list[int]) -> None:
    stream = io.StringIO()
    writer = VisibleWriter(stream)
    for piece in split(text, cuts):
        writer.write(piece)
    assert controls(stream.getvalue()) == []


@FUZZ
@given(message=hostile, argument=hostile)
def test_log_records_hold_no_control_character(message: str, argument: str) -> None:
    record = logging.LogRecord("grokdesk.fuzz", logging.WARNING, __file__, 1,
                               message.replace("%", "%%") + " %s", (argument,), None)
    assert controls(SafeFormatter("%(levelname)s %(message)s").format(record)) == []


# --------------------------------------------------------------------------- redaction


PAD_ALPHABET = "é.,;:!?()жж漢"  # nothing a key is made of, so any key piece found is a leak
keys = st.tuples(st.sampled_from(["", "sk-", "xai-", "sk-or-v1-"]),
                 st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                         min_size=16, max_size=64))


@FUZZ
@given(key=keys, kept=st.integers(-3, 80), extra=st.integers(0, 400),
       after=st.text(PAD_ALPHABET + " ", max_size=40),
       shape=st.sampled_from(sorted(CUT_SHAPES)), stream=st.booleans())
def test_a_key_after_any_padding_is_never_cut_into_a_leak(
        server: FakeAPI, key: tuple[str, str], kept: int, extra: int, after: str, shape: str,
        stream: bool) -> None:
    """The padding puts the cut ``kept`` characters into the key (or before it); ``extra``
    (when odd) moves it anywhere instead."""
    prefix, body = key
    secret = prefix + body
    limit, reply = CUT_SHAPES[shape]
    pad = extra if extra % 2 else max(0, limit - 1 - kept)
    padding = (PAD_ALPHABET * (pad // len(PAD_ALPHABET) + 1))[:pad]
    server.reset()
    server.queue(reply(padding + secret + after))
    request = ChatRequest(model=fake.MODEL, messages=(ChatMessage("user", "Hi"),))

    async def ask() -> APIError:
        async with ChatClient(server.url, secret, max_retries=0) as client:
            try:
                if stream:
                    async for _ in client.stream(request):
                        pass
                else:
                    await client.complete(request)
            except APIError as exc:
                return exc
        raise AssertionError("the reply was not an error")

    shown = exception_texts(asyncio.run(ask()))
    assert secret[:len(prefix) + 6] not in shown, shown

