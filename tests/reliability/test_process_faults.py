"""Process and disk faults: a killed process, a full or read-only disk, a damaged history
file, a broken settings file, and the window and the command line writing at once.

Real processes (``python -m grokdesk``), real signals, real SQLite errors: the disk is
filled either through ``PRAGMA max_page_count`` (SQLITE_FULL for that connection) or,
where the machine allows it, with a tiny tmpfs mounted in a private mount namespace.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path

import pytest

from grokdesk import paths
from grokdesk.api.client import ChatClient
from grokdesk.api.types import ChatMessage, ChatRequest, ContentDelta, StreamEvent
from grokdesk.chat.service import ChatService
from grokdesk.chat.turn import run_turn
from grokdesk.config import load_settings
from grokdesk.secrets import KeyStore
from grokdesk.storage import recovery
from grokdesk.storage.db import (
    CorruptDatabaseError,
    Database,
    DatabaseAccessError,
    open_database,
)
from grokdesk.storage.models import MessageRole
from grokdesk.storage.recovery import (
    PLACEHOLDER_TITLE,
    RecoveryReport,
    open_history_with_recovery,
)
from grokdesk.storage.repository import STALE_AFTER, History
from tests.reliability.helpers import KEY, grokdesk, newest_conversation_id, show, write_config
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

ROOT = Path(__file__).parents[2]


@pytest.fixture
def api(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    write_config(read_timeout=5.0, connect_timeout=2.0)
    return fake_api


@pytest.fixture
async def service(api: FakeAPI) -> AsyncIterator[ChatService]:
    db = open_database(paths.database_path())
    chat = ChatService(History(db), load_settings(paths.config_path()).settings, KeyStore())
    yield chat
    await chat.aclose()
    db.close()


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` through a connection of its own."""
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def grokdesk_process(*args: str) -> subprocess.Popen[bytes]:
    """The real command in a process of its own, with this test's environment."""
    return subprocess.Popen([sys.executable, "-m", "grokdesk", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ))


# --------------------------------------------------------------------------- kill -9


def test_kill_9_mid_answer_keeps_the_partial_answer(api: FakeAPI) -> None:
    words = [f"word{i} " for i in range(200)]
    api.queue(fake.stream(["Thinking first. "], words, delay=0.05))
    process = grokdesk_process("ask", "Tell me a long story")
    db_path = paths.database_path()
    partial = ""
    try:
        deadline = time.monotonic() + 20
        while not partial and time.monotonic() < deadline:
            time.sleep(0.05)
            if not db_path.exists():
                continue
            with closing(sqlite3.connect(db_path, timeout=5)) as conn:
                try:
                    row = conn.execute("SELECT content FROM messages WHERE role = 'assistant'"
                                       ).fetchone()
                except sqlite3.OperationalError:  # the file exists, its schema not yet
                    continue
            partial = row[0] if row else ""
        assert partial, "the answer was never flushed to the history"
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    full = "".join(words)

    assert integrity(db_path) == "ok"
    raw = sqlite3.connect(db_path)
    status, content = raw.execute("SELECT status, content FROM messages WHERE role = 'assistant'"
                                  ).fetchone()
    raw.close()
    assert status == "streaming"  # as the dead process left it
    assert content and full.startswith(content) and content != full

    later = time.time() + STALE_AFTER + 1
    db = open_database(db_path)
    history = History(db, clock=lambda: later)
    conversation_id = newest_conversation_id()
    answer = history.messages(conversation_id)[1]
    assert (answer.status, answer.content) == ("interrupted", content)
    assert answer.reasoning == "Thinking first. "
    assert history.recover_interrupted() == 1
    db.close()
    shown = show(conversation_id)["messages"]
    assert [(m["role"], m["status"]) for m in shown] == [("user", "complete"),
                                                         ("assistant", "interrupted")]
    assert shown[1]["content"] == content
    api.queue(fake.stream([], ["Continuing."]))
    assert grokdesk("ask", "--continue", "Go on").code == 0
    assert integrity(db_path) == "ok"


# --------------------------------------------------------------------------- full or read-only


@contextmanager
def _page_limit(db: Database) -> Iterator[None]:
    """Let the file grow no further (SQLITE_FULL on the next new page), then restore."""
    conn = db.connection
    original = conn.execute("PRAGMA max_page_count").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA max_page_count = {original}")


@contextmanager
def _query_only(db: Database) -> Iterator[None]:
    """Make the connection refuse every write (SQLITE_READONLY), then restore."""
    db.connection.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        db.connection.execute("PRAGMA query_only = OFF")


@pytest.mark.parametrize(("make_fault", "words"), [
    (_page_limit, "is full. Free some space"),
    (_query_only, "may not write the history file"),
], ids=["disk-full", "read-only"])
async def test_a_send_the_disk_refuses_stores_nothing(
        service: ChatService, api: FakeAPI,
        make_fault: Callable[[Database], AbstractContextManager[None]], words: str) -> None:
    """The core raises before anything is half-written, so the window keeps the typed text
    in its composer (and the command line user has it in their shell)."""
    history = service._history
    conversation = service.new_conversation()
    typed = "A long question that the disk has no room for. " * 4000
    with make_fault(history.db), pytest.raises(DatabaseAccessError, match=words) as caught:
        service.begin_send(conversation.id, typed)
    assert str(history.db.path) in str(caught.value)
    assert history.messages(conversation.id) == []
    stored = history.get_conversation(conversation.id)
    assert stored is not None and (stored.title, stored.message_count) == ("New chat", 0)
    assert integrity(history.db.path) == "ok"
    api.queue(fake.stream([], ["Now there is room."]))
    outcome = await service.send(conversation.id, typed)
    assert outcome.ok
    assert [m.content for m in history.messages(conversation.id)] == [typed,
                                                                      "Now there is room."]


async def test_disk_full_mid_answer_is_an_error_not_a_crash(service: ChatService,
                                                            api: FakeAPI) -> None:
    """The answer cannot be stored, so the turn raises DatabaseAccessError (the faces show
    it); the question and the last flushed part of the answer stay, the file stays sound,
    and once there is room again a retry works."""
    pieces = ["w" * 3000 + " "] * 40
    api.queue(fake.stream([], pieces, delay=0.08))
    history = service._history
    conversation = service.new_conversation()
    turn = service.begin_send(conversation.id, "Write a lot")
    seen: list[StreamEvent] = []
    task = asyncio.create_task(service.answer(turn, listener=seen.append))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        messages = history.messages(conversation.id)
        if len(messages) == 2 and messages[1].content:
            break
    with _page_limit(history.db), pytest.raises(DatabaseAccessError, match="is full"):
        await task
    full = "".join(pieces)
    assert "".join(e.text for e in seen if isinstance(e, ContentDelta)) == full
    question, answer = history.messages(conversation.id)
    assert question.content == "Write a lot"
    assert answer.content and full.startswith(answer.content)
    assert integrity(history.db.path) == "ok"
    api.queue(fake.stream([], ["Short this time."]))
    retried = await service.regenerate(conversation.id)
    assert retried.ok and retried.message.content == "Short this time."


def _can_mount_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs '{where}'"],
                           capture_output=True, check=False, timeout=30)
    return probe.returncode == 0


def test_cli_on_a_really_full_then_read_only_disk(api: FakeAPI, tmp_path: Path) -> None:
    """The history on a 1 MiB tmpfs (in a private mount namespace): filled up, then
    remounted read-only. Each failure is one clear line, and the file stays sound."""
    data = paths.data_dir()
    if not _can_mount_tmpfs(data):
        pytest.skip("cannot mount a tmpfs here (needs root and unshare)")
    out = tmp_path / "out"
    out.mkdir()
    (out / "prompt").write_text("y" * 1_000_000, encoding="utf-8")
    script = f"""
set -u
cd '{ROOT}'
run() {{ name=$1; shift; '{sys.executable}' -m grokdesk "$@" >'{out}'/$name.out \
        2>'{out}'/$name.err; echo $? >'{out}'/$name.rc; }}
mount -t tmpfs -o size=1m tmpfs '{data}'
run first ask 'First question'
avail=$(df -k --output=avail '{data}' | tail -1)
head -c $(( (avail - 150) * 1024 )) /dev/zero >'{data}'/filler
run full ask - <'{out}'/prompt
mkdir '{out}'/after-full && cp '{data}'/history.sqlite3* '{out}'/after-full/
rm '{data}'/filler
run freed ask 'After freeing space'
mount -o remount,ro '{data}'
run readonly ask 'On a read-only disk'
run readonly-list list
"""
    subprocess.run(["unshare", "-m", "bash", "-c", script], check=True, timeout=120)

    def result(name: str) -> tuple[int, str, str]:
        return (int((out / f"{name}.rc").read_text()), (out / f"{name}.out").read_text(),
                (out / f"{name}.err").read_text())

    assert result("first")[0] == 0
    code, _, err = result("full")
    assert code == 1 and "Traceback" not in err
    assert err == (f"grokdesk: The disk holding the history file {data / 'history.sqlite3'} "
                   "is full. Free some space and try again.\n")
    snapshot = out / "after-full" / "history.sqlite3"
    assert integrity(snapshot) == "ok"
    conn = sqlite3.connect(snapshot)
    stored = [row[0] for row in conn.execute("SELECT content FROM messages ORDER BY id")]
    conn.close()
    assert len(stored) == 2 and stored[0] == "First question"
    assert result("freed")[0] == 0
    for name in ("readonly", "readonly-list"):
        code, _, err = result(name)
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert "cannot open the history file" in err and "may write there" in err


# --------------------------------------------------------------------------- damaged history


Row = tuple[str, str, str, str]


def _build_history(path: Path, conversations: int = 12, messages: int = 10) -> dict[int, Row]:
    """A history with known content; returns {message id: (conversation uuid, title,
    message uuid, content)} to compare recovered rows with."""
    db = open_database(path)
    history = History(db)
    originals: dict[int, Row] = {}
    for c in range(conversations):
        conversation = history.create_conversation(f"Conversation {c}")
        for m in range(messages):
            role: MessageRole = "user" if m % 2 == 0 else "assistant"
            message = history.add_message(conversation.id, role,
                                          f"Message {m} of {c}: " + "lorem ipsum " * 25)
            originals[message.id] = (conversation.uuid, conversation.title, message.uuid,
                                     message.content)
    db.close()
    return originals


def _recovered(db: Database) -> dict[int, Row]:
    rows = db.fetchall("SELECT m.id, c.uuid, c.title, m.uuid, m.content FROM messages AS m"
                       " JOIN conversations AS c ON c.id = m.conversation_id")
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}


def _pages_of(path: Path, table: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'",
                            (table,)).fetchall()
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find pages with")
    finally:
        conn.close()
    return [row[0] for row in rows]


def _overwrite_pages(path: Path, pages: list[int], filler: bytes = b"\xa5") -> None:
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    for page in pages:
        start = (page - 1) * size
        data[start:start + size] = (filler * size)[:size]
    path.write_bytes(bytes(data))


def _check_recovery(path: Path, damaged: bytes, report: RecoveryReport | None,
                    db: Database) -> None:
    """The report is right, the damaged bytes are kept aside, the new file is sound."""
    assert report is not None
    assert report.moved_to.parent == path.parent
    assert report.moved_to.name.startswith("history.sqlite3.corrupt-")
    assert report.moved_to.read_bytes() == damaged
    assert integrity(path) == "ok"
    count = db.fetchone("SELECT (SELECT COUNT(*) FROM conversations),"
                        " (SELECT COUNT(*) FROM messages)")
    assert count is not None and (count[0], count[1]) == (report.conversations,
                                                          report.messages)
    assert str(report.moved_to) in report.describe()


def test_truncated_file_is_moved_aside_and_the_readable_part_recovered(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    originals = _build_history(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    damaged = path.read_bytes()
    db, report = open_history_with_recovery(path)
    try:
        _check_recovery(path, damaged, report, db)
        assert report is not None and report.readable
        recovered = _recovered(db)
        assert 0 < len(recovered) < len(originals)
        assert all(originals[key] == value for key, value in recovered.items())
        assert report.conversations == 12
        assert f"12 conversations and {len(recovered)} messages were recovered" in (
            report.describe())
        History(db).add_message(1, "user", "The recovered history takes new messages")
    finally:
        db.close()


def test_garbage_over_message_pages_is_found_at_open(tmp_path: Path) -> None:
    """Damage that opening does not notice (only a later query would) is found by the check
    at open; only the rows on the damaged pages are lost."""
    path = tmp_path / "history.sqlite3"
    originals = _build_history(path)
    leaves = _pages_of(path, "messages")
    assert len(leaves) > 10
    lost_pages = leaves[2:4]
    _overwrite_pages(path, lost_pages)
    damaged = path.read_bytes()
    open_database(path).close()  # opens without complaint...
    path.write_bytes(damaged)
    db, report = open_history_with_recovery(path)  # ...but the check finds it
    try:
        _check_recovery(path, damaged, report, db)
        assert report is not None and report.readable
        recovered = _recovered(db)
        assert all(originals[key] == value for key, value in recovered.items())
        assert report.conversations == 12
        lost = len(originals) - len(recovered)
        per_page = len(originals) / len(leaves)
        assert 0 < lost <= len(lost_pages) * per_page * 2
    finally:
        db.close()


def test_lost_conversations_keep_their_messages_in_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    originals = _build_history(path, conversations=3)
    _overwrite_pages(path, _pages_of(path, "conversations"))
    damaged = path.read_bytes()
    db, report = open_history_with_recovery(path)
    try:
        _check_recovery(path, damaged, report, db)
        assert report is not None and (report.conversations, report.messages) == (3, 30)
        history = History(db)
        conversations = history.list_conversations()
        assert {c.title for c in conversations} == {PLACEHOLDER_TITLE}
        contents = {m.content for c in conversations for m in history.messages(c.id)}
        assert contents == {value[3] for value in originals.values()}
    finally:
        db.close()


@pytest.mark.parametrize("damage", ["schema-page", "text-file"])
def test_unreadable_file_is_moved_aside_and_a_new_history_started(tmp_path: Path,
                                                                   damage: str) -> None:
    path = tmp_path / "history.sqlite3"
    _build_history(path, conversations=2)
    if damage == "schema-page":
        _overwrite_pages(path, [1, *_pages_of(path, "sqlite_schema")], b"\x00garbage")
        data = bytearray(path.read_bytes())
        data[:16] = b"SQLite format 3\x00"
        path.write_bytes(bytes(data))
    else:
        path.write_text("These are my notes, not a database.\n", encoding="utf-8")
    damaged = path.read_bytes()
    db, report = open_history_with_recovery(path)
    try:
        _check_recovery(path, damaged, report, db)
        assert report is not None and not report.readable
        assert "Nothing could be read from it; a new history was started." in report.describe()
        history = History(db)
        conversation = history.create_conversation("Fresh start")
        history.add_message(conversation.id, "user", "Hello again")
    finally:
        db.close()


def test_rows_still_in_the_wal_are_recovered(tmp_path: Path) -> None:
    """A crash leaves recent writes in ``-wal``; they move aside with the file and count."""
    path = tmp_path / "history.sqlite3"
    originals = _build_history(path)
    first_leaf = _pages_of(path, "messages")[0]  # before the WAL exists: dbstat checkpoints
    db = open_database(path)
    latest = History(db).create_conversation("Only in the WAL")
    History(db).add_message(latest.id, "user", "written just before the crash")
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{path}{suffix}", crashed / f"history.sqlite3{suffix}")
    db.close()
    path = crashed / "history.sqlite3"
    wal = Path(f"{path}-wal").read_bytes()
    assert wal
    _overwrite_pages(path, [first_leaf])
    damaged = path.read_bytes()
    db, report = open_history_with_recovery(path)
    try:
        _check_recovery(path, damaged, report, db)
        assert Path(f"{report.moved_to}-wal").read_bytes() == wal  # type: ignore[union-attr]
        titles = [c.title for c in History(db).list_conversations()]
        assert "Only in the WAL" in titles
        assert len(_recovered(db)) > len(originals) // 2
    finally:
        db.close()


def test_sound_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    originals = _build_history(path, conversations=2)
    db, report = open_history_with_recovery(path)
    try:
        assert report is None
        assert _recovered(db) == originals
        assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []
    finally:
        db.close()


def test_cli_recovers_and_says_so_once(api: FakeAPI) -> None:
    path = paths.database_path()
    _build_history(path, conversations=4)
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])

    first = grokdesk("list", "--json")
    assert first.code == 0, first.err
    lines = first.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("grokdesk: warning: The history file was "
                                                   "damaged; it was moved to ")
    assert "conversations and" in lines[0] and "were recovered" in lines[0]
    moved = [p for p in path.parent.glob("history.sqlite3.corrupt-*")
             if not p.name.endswith(("-wal", "-shm"))]
    assert len(moved) == 1 and str(moved[0]) in lines[0]
    second = grokdesk("list", "--json")
    assert (second.code, second.err) == (0, "")
    assert second.out == first.out
    api.queue(fake.stream([], ["Working again."]))
    assert grokdesk("ask", "Hello").out == "Working again.\n"


def test_cli_starts_fresh_when_the_file_is_not_a_database() -> None:
    path = paths.database_path()
    path.write_bytes(b"\x00\x01 definitely not sqlite " * 100)
    result = grokdesk("list")
    assert result.code == 0
    assert "Nothing could be read from it; a new history was started." in result.err
    assert "No conversations yet" in result.out


# --------------------------------------------------------------------------- settings file


@pytest.mark.parametrize(("content", "warning"), [
    (b"this is = = not [toml", "is not valid TOML"),
    (b"[network]\nread_timeout = 'fast'\nmax_retries = -\n", "is not valid TOML"),
    (b"[network]\nread_timeout = 'fast'\n[ui]\ntheme = 'purple'\n", "read_timeout = 'fast'"),
    (b"[network]\nread_timeout = 1.0\n\xff\xfe\n", "Could not read"),
], ids=["garbage", "syntax-error", "bad-values", "not-utf8"])
def test_broken_settings_file_means_defaults_a_warning_and_the_file_kept(
        api: FakeAPI, content: bytes, warning: str) -> None:
    config = paths.config_path()
    config.write_bytes(content)
    api.queue(fake.stream([], ["Works with defaults."]))
    result = grokdesk("ask", "Hello")
    assert result.code == 0 and result.out == "Works with defaults.\n"
    assert result.err.startswith("grokdesk: warning: ") and warning in result.err
    assert "Traceback" not in result.err
    assert config.read_bytes() == content


# --------------------------------------------------------------------------- two writers


async def test_window_and_command_line_write_at_once(api: FakeAPI) -> None:
    """A window-side turn saving every 10 ms, plus 4 command-line processes asking 3
    questions each, all on one history file: no "database is locked", nothing lost."""
    lanes, asks = 4, 3
    db = open_database(paths.database_path())
    history = History(db)
    pieces = [f"piece {i} " for i in range(150)]
    api.queue(fake.stream([], pieces, delay=0.02), path="/window/chat/completions")
    window_conversation = history.create_conversation("In the window")
    history.add_message(window_conversation.id, "user", "Stream for a while")

    async def lane(number: int) -> list[tuple[int, bytes]]:
        results = []
        for ask in range(asks):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "grokdesk", "ask", f"Lane {number} question {ask}",
                cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            _, err = await process.communicate()
            results.append((process.returncode or 0, err))
        return results

    async def window_edits() -> None:
        """Meanwhile the user starts, fills and pins chats in the window."""
        for i in range(60):
            created = history.create_conversation(f"Window chat {i}")
            history.add_message(created.id, "user", f"Window message {i}")
            history.set_pinned(created.id, i % 2 == 0)
            await asyncio.sleep(0.02)

    request = ChatRequest("m", (ChatMessage("user", "Stream for a while"),))
    client = ChatClient(api.url + "/window", KEY, read_timeout=10)
    command_lines = asyncio.gather(*(lane(n) for n in range(lanes)))
    try:
        turn, _ = await asyncio.gather(
            run_turn(history, client, window_conversation.id, request, flush_interval=0.01),
            window_edits())
        lane_results = await command_lines
    finally:
        await client.aclose()
    assert turn.ok and turn.message.content == "".join(pieces)
    for results in lane_results:
        for code, err in results:
            text = err.decode()
            assert code == 0, text
            assert "locked" not in text and "busy" not in text, text
    conversations = history.list_conversations()
    asked = {c.title: c for c in conversations if c.title.startswith("Lane ")}
    assert len(asked) == lanes * asks
    for title, conversation in asked.items():
        question, answer = history.messages(conversation.id)
        assert question.content == title and answer.status == "complete"
        assert title in answer.content
    assert len([c for c in conversations if c.title.startswith("Window chat")]) == 60
    db.close()
    assert integrity(paths.database_path()) == "ok"


def test_a_sound_file_that_fails_one_open_as_damaged_is_not_moved_aside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process changing the file can make one open fail as if it were damaged
    (a WAL taken away under it); the check finds nothing, so the file is opened again,
    never moved aside."""
    path = tmp_path / "history.sqlite3"
    originals = _build_history(path)
    failures = iter([CorruptDatabaseError("database disk image is malformed", path)])
    real_open = recovery.open_database

    def open_once_failing(target: Path) -> Database:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_open(target)

    monkeypatch.setattr(recovery, "open_database", open_once_failing)
    db, report = open_history_with_recovery(path, check=False)
    try:
        assert report is None
        assert list(tmp_path.glob("*.corrupt-*")) == [], "nothing was moved aside"
        assert _recovered(db) == originals
    finally:
        db.close()
