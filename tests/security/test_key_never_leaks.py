"""A whole session with a known key, full of errors that echo the key back, then a search
of everything grokdesk wrote or printed: the key appears nowhere, in no form.

Two sessions: the key from ``GROKDESK_API_KEY`` (real processes, ``--debug``), and a key
in the (in-memory) keyring with no recognisable prefix, the way AI/ML API keys look, so
only grokdesk's own knowledge of the key can hide it (in-process, logs at DEBUG, a crash,
and ``grokdesk export`` in every format). The desktop window's part of the session is
tests/ui/test_key_privacy.py.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grokdesk import paths
from grokdesk.api.client import MAX_ERROR_BODY, ChatClient
from grokdesk.api.errors import MAX_MESSAGE_CHARS, APIError
from grokdesk.api.stream import MAX_CHUNK_CHARS
from grokdesk.api.types import ChatMessage, ChatRequest
from tests.reliability.helpers import grokdesk, newest_conversation_id, write_config
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

ROOT = Path(__file__).parents[2]
ENV_KEY = "xai-LeakTest0123456789abcdefGHIJKLmnop"
KEYRING_KEY = "5f0c1e9a7b3d48e6a2c4f8b1d9e7a3c6"
WINDOW = 12


def key_forms(key: str) -> set[str]:
    """The key, the key without its prefix, and every 12-character piece of it."""
    body = key.split("-", 1)[1] if "-" in key else key
    pieces = {key[i:i + WINDOW] for i in range(len(key) - WINDOW + 1)}
    return {key, body} | pieces


def found_in(text: str | bytes, key: str) -> set[str]:
    """The forms of ``key`` that occur in ``text``."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    return {form for form in key_forms(key) if form.encode() in data}


def written_files(*roots: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``roots`` as bytes, zip members unpacked (deflate hides text)."""
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            yield str(path), data
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        yield f"{path}:{member}", archive.read(member)


def hostile_replies(key: str) -> list[tuple[str, list[fake.Reply]]]:
    """Answers and errors, most of them quoting the key back as servers do."""
    return [
        ("ok", [fake.stream(["Thinking about it. "], ["A fine answer."])]),
        ("401-aimlapi", [fake.status(401, {"message": f"Invalid API key: {key}",
                                           "statusCode": 401, "path": "/v1/chat/completions"})]),
        ("400-xai", [fake.status(400, {"code": "Client specified an invalid argument",
                                       "error": f"Incorrect API key provided: {key}. You can "
                                                "obtain an API key from https://console.x.ai."})]),
        ("403-html", [fake.status(403, f"<html><head><title>Forbidden for {key}</title></head>"
                                       f"<body>Bearer {key} denied</body></html>", "text/html")]),
        ("429-bearer", [fake.json_error(429, f"Too many requests for Bearer {key}",
                                        headers={"Retry-After": "0"})] * 2),
        ("in-stream", [fake.error_stream(after=3, message=f"Key {key} ran out of quota",
                                         reasoning=["r"], content=["partial ", "text"])]),
        ("not-a-stream", [fake.not_event_stream(f"Authorization: Bearer {key}\nkey={key}",
                                                "text/plain")]),
        ("ok-again", [fake.stream([], ["Still fine."])]),
    ]


@pytest.fixture
def api(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    write_config(read_timeout=5.0, connect_timeout=2.0, max_retries=1)
    return fake_api


def _assert_nothing_leaked(key: str, outputs: list[str], extra_roots: list[Path]) -> None:
    leaks = {f"output {i}": found_in(text, key) for i, text in enumerate(outputs)}
    data_root = Path(os.environ["GROKDESK_DATA_DIR"])
    for name, data in written_files(data_root, *extra_roots):
        leaks[name] = found_in(data, key)
    assert str(paths.database_path()) in leaks and str(paths.config_path()) in leaks
    assert {name: forms for name, forms in leaks.items() if forms} == {}


def test_env_key_in_real_processes_with_debug_logs(api: FakeAPI,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", ENV_KEY)
    env = dict(os.environ)
    outputs: list[str] = []

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "grokdesk", "--debug", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=False,
                              timeout=60)
        outputs.extend([done.stdout, done.stderr])
        assert "Traceback" not in done.stderr, done.stderr
        return done

    codes = {}
    for number, (name, replies) in enumerate(hostile_replies(ENV_KEY)):
        api.queue(*replies)
        codes[name] = run("ask", "--continue", f"Question {number}").returncode
    assert codes == {"ok": 0, "401-aimlapi": 1, "400-xai": 1, "403-html": 1, "429-bearer": 1,
                     "in-stream": 1, "not-a-stream": 1, "ok-again": 0}
    conversation = str(newest_conversation_id())
    for args in (("list",), ("list", "--json"), ("show", conversation, "--json"),
                 ("show", conversation, "--show-reasoning"), ("search", "Question"),
                 ("key", "status")):
        assert run(*args).returncode == 0

    assert all(r.headers["authorization"] == f"Bearer {ENV_KEY}" for r in api.chat_requests)
    debug = "".join(outputs)
    assert "'authorization': '[redacted]'" in debug
    assert "Incorrect API key provided: [redacted]" in debug
    _assert_nothing_leaked(ENV_KEY, outputs, [])


def test_keyring_key_in_a_session_with_a_crash_and_exports(
        api: FakeAPI, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []

    def run(*args: str, stdin: str = "") -> int:
        result = grokdesk("--debug", *args, stdin=stdin)
        outputs.extend([result.out, result.err])
        return result.code

    assert run("key", "set", stdin=KEYRING_KEY + "\n") == 0
    assert memory_keyring.passwords == {("grokdesk", "aimlapi"): KEYRING_KEY}
    for number, (_, replies) in enumerate(hostile_replies(KEYRING_KEY)):
        api.queue(*replies)
        run("ask", "--continue", f"Question {number}")
    assert api.chat_requests[-1].headers["authorization"] == f"Bearer {KEYRING_KEY}"

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected state: Authorization: Bearer {KEYRING_KEY}; "
                           f"key={KEYRING_KEY}")

    with monkeypatch.context() as patch:
        patch.setattr("grokdesk.chat.service.ChatService.build_request", crash)
        api.queue(fake.stream([], ["never sent"]))
        assert run("ask", "--continue", "This one crashes") == 1
    assert "unexpected error (RuntimeError)" in outputs[-1]
    crash_log = paths.log_dir() / "crash.log"
    assert "RuntimeError: unexpected state" in crash_log.read_text(encoding="utf-8")

    conversation = newest_conversation_id()
    for args in (("list", "--json"), ("show", str(conversation), "--json"),
                 ("show", str(conversation), "--show-reasoning"), ("key", "status")):
        assert run(*args) == 0

    exports = tmp_path / "exports"
    exports.mkdir()
    full = ("--include-reasoning", "--include-usage")
    exports_to_make: list[tuple[str, ...]] = [
        ("--all", "--out", str(exports / "all.json")),
        ("--all", "--out", str(exports / "all.zip"), *full),
        ("--all", "--out", str(exports / "folder"), *full),
        (str(conversation), "--out", str(exports / "one.md"), *full),
        (str(conversation), *full),
        ("--all", "--format", "json"),
    ]
    for export_args in exports_to_make:
        assert run("export", *export_args) == 0, outputs[-1]
    exported = (exports / "one.md").read_text(encoding="utf-8")
    assert "Question 0" in exported and "A fine answer." in exported
    assert '"format": "grokdesk' in outputs[-2]  # the JSON export on stdout

    outputs.append(caplog.text)
    assert "'authorization': '[redacted]'" in caplog.text
    _assert_nothing_leaked(KEYRING_KEY, outputs, [exports])


def test_the_scan_would_see_a_leak(tmp_path: Path) -> None:
    """The search above is only worth something if it finds a planted key."""
    (tmp_path / "a.txt").write_text(f"prefix {KEYRING_KEY[3:20]} suffix", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "b.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("c.md", "x" * 100 + ENV_KEY.split("-", 1)[1])

    def found(key: str) -> set[str]:
        return set().union(*(found_in(data, key) for _, data in written_files(tmp_path)))

    assert found(KEYRING_KEY)
    assert ENV_KEY.split("-", 1)[1] in found(ENV_KEY)


# --------------------------------------------------------------------------- a key at the cut
# grokdesk keeps only the start of a server's message (and of a malformed chunk). A key
# quoted after some padding is cut wherever the limit falls; redacting after the cut would
# no longer recognise the piece left, so the padding is swept until the cut has fallen at
# every offset inside the key, for every shape of reply and both ways of asking.

CUT_KEY = KEYRING_KEY  # no prefix: only grokdesk's knowledge of the key can hide it
AFTER = " and more text after the key"


def padded(pad: int, key: str = CUT_KEY) -> str:
    """``pad`` characters of words, then ``key``, then more text."""
    return ("padding " * (pad // 8 + 1))[:pad] + key + AFTER


def role_chunk() -> str:
    return 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n'


CutReply = Callable[[str], fake.Reply]
CUT_SHAPES: dict[str, tuple[int, CutReply]] = {
    "401-json": (MAX_MESSAGE_CHARS, lambda text: fake.status(401, {"message": text})),
    "400-text": (MAX_MESSAGE_CHARS, lambda text: fake.status(400, text, "text/plain")),
    "403-html-title": (MAX_MESSAGE_CHARS, lambda text: fake.status(
        403, f"<html><head><title>{text}</title></head><body>no</body></html>", "text/html")),
    "200-json-error": (MAX_MESSAGE_CHARS,
                       lambda text: fake.status(200, {"error": {"message": text}})),
    "200-not-a-completion": (MAX_MESSAGE_CHARS,
                             lambda text: fake.status(200, text, "text/plain")),
    "in-stream-error": (MAX_MESSAGE_CHARS,
                        lambda text: fake.error_stream(after=1, message=text, code=400)),
    "malformed-chunk": (MAX_CHUNK_CHARS,
                        lambda text: fake.raw_stream([role_chunk(), f"data: {text}\n\n"])),
}


def cut_pads(limit: int, key: str = CUT_KEY) -> range:
    """Paddings that put the cut before the key, at each of its offsets, and after it."""
    return range(max(0, limit - len(key) - 2), limit + 1)


def leaked(text: str | bytes, key: str) -> set[str]:
    """The forms of ``key`` in ``text``, and its first five characters (what a cut leaves)."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    return found_in(data, key) | ({key[:5]} if key[:5].encode() in data else set())


# Through the command line, each place that cuts, streaming and not (every shape is tried
# both ways, on the client alone, in the test after this one).
CLI_CUTS = [("401-json", "stream"), ("malformed-chunk", "stream"),
            ("in-stream-error", "no-stream"), ("200-not-a-completion", "no-stream")]


@pytest.mark.parametrize(("shape", "mode"), CLI_CUTS)
def test_a_key_cut_by_the_shortening_never_leaks_through_the_cli(
        api: FakeAPI, monkeypatch: pytest.MonkeyPatch, shape: str, mode: str) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", CUT_KEY)
    limit, reply = CUT_SHAPES[shape]
    flags = ["--no-stream"] if mode == "no-stream" else []
    leaks: dict[str, set[str]] = {}
    for pad in cut_pads(limit):
        api.queue(reply(padded(pad)))
        result = grokdesk("ask", "--continue", *flags, f"Question {pad}")
        assert result.code == 1 and result.err.startswith("grokdesk: "), result.err
        leaks[f"pad {pad}"] = leaked(result.out + result.err, CUT_KEY)
    for name, data in written_files(Path(os.environ["GROKDESK_DATA_DIR"])):
        leaks[name] = leaked(data, CUT_KEY)
    assert str(paths.database_path()) in leaks
    assert {name: forms for name, forms in leaks.items() if forms} == {}


@pytest.mark.parametrize("shape", CUT_SHAPES)
async def test_a_key_cut_by_the_shortening_is_in_no_exception(fake_api: FakeAPI,
                                                              shape: str) -> None:
    limit, reply = CUT_SHAPES[shape]
    request = ChatRequest(model=fake.MODEL, messages=(ChatMessage("user", "Hi"),))
    leaks: dict[str, set[str]] = {}
    async with ChatClient(fake_api.url, CUT_KEY, max_retries=0) as client:
        for pad in cut_pads(limit):
            for way in ("stream", "complete"):
                fake_api.queue(reply(padded(pad)))
                with pytest.raises(APIError) as caught:
                    if way == "stream":
                        async for _ in client.stream(request):
                            pass
                    else:
                        await client.complete(request)
                leaks[f"{way} {pad}"] = leaked(exception_texts(caught.value), CUT_KEY)
    assert {name: forms for name, forms in leaks.items() if forms} == {}


def exception_texts(exc: APIError) -> str:
    """Everything an exception can be shown as."""
    return "\n".join([str(exc), repr(exc), exc.message, exc.describe(), repr(exc.args),
                      getattr(exc, "server_message", ""), str(exc.request_id)])


async def test_a_key_cut_by_the_error_body_cap_is_dropped(fake_api: FakeAPI) -> None:
    """Only the first MAX_ERROR_BODY bytes of an error are read: a key across that edge is
    cut before grokdesk sees the rest of it, so its first characters must go too."""
    request = ChatRequest(model=fake.MODEL, messages=(ChatMessage("user", "Hi"),))
    leaks: dict[str, set[str]] = {}
    async with ChatClient(fake_api.url, CUT_KEY, max_retries=0) as client:
        for kept in range(1, len(CUT_KEY) + 1):
            # A comment hides the padding, so the key's start is the page's visible text.
            head = "<html><!--"
            tail = "-->"
            filler = "x" * (MAX_ERROR_BODY - kept - len(head) - len(tail))
            page = f"{head}{filler}{tail}{CUT_KEY}</html>"
            fake_api.queue(fake.status(403, page, "text/html"))
            with pytest.raises(APIError) as caught:
                await client.complete(request)
            leaks[f"kept {kept}"] = leaked(exception_texts(caught.value), CUT_KEY)
    assert {name: forms for name, forms in leaks.items() if forms} == {}
