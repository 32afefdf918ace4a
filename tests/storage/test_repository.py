"""The history API on real files: CRUD, order, streaming states, search, concurrent writers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grokdesk.api.types import Usage
from grokdesk.storage.db import DatabaseError, open_database
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import STALE_AFTER, History, RecordGoneError, make_snippet

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000.0


class Clock:
    """A hand-wound clock so timestamps and staleness are exact."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def history(tmp_path: Path, clock: Clock) -> Iterator[History]:
    with open_database(tmp_path / "history.sqlite3") as db:
        yield History(db, clock=clock)


def _fts_consistent(history: History) -> None:
    with history.db.transaction() as conn:
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
        conn.execute(
            "INSERT INTO conversations_fts (conversations_fts) VALUES ('integrity-check')")


# ------------------------------------------------------------------------ conversations


def test_create_and_get_conversation(history: History) -> None:
    chosen = ConversationSettings(provider="xai", model="grok-3-mini", system_prompt="Be brief",
                                  reasoning_effort="high", temperature=0.3)
    created = history.create_conversation("Plans", chosen)
    assert created.title == "Plans"
    assert created.settings == chosen
    assert created.created_at == created.updated_at == T0
    assert created.pinned is False
    assert created.message_count == 0
    assert len(created.uuid) == 36
    assert history.get_conversation(created.id) == created
    assert history.conversation_by_uuid(created.uuid) == created
    assert history.get_conversation(created.id + 1) is None
    default = history.create_conversation()
    assert default.title == "New chat"
    assert default.settings == ConversationSettings()


def test_rename_pin_and_settings_persist(history: History) -> None:
    c = history.create_conversation()
    history.rename_conversation(c.id, "Renamed")
    history.set_pinned(c.id, True)
    history.update_settings(c.id, ConversationSettings(model="grok-3-mini", temperature=1.0))
    got = history.get_conversation(c.id)
    assert got is not None
    assert (got.title, got.pinned, got.settings.model, got.settings.temperature) == (
        "Renamed", True, "grok-3-mini", 1.0)
    assert got.updated_at == T0  # housekeeping does not reorder the sidebar


def test_changing_a_missing_conversation_raises_not_found(history: History) -> None:
    with pytest.raises(RecordGoneError) as caught:
        history.rename_conversation(99, "x")
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, DatabaseError)
    with pytest.raises(RecordGoneError):
        history.set_pinned(99, True)
    with pytest.raises(RecordGoneError):
        history.add_message(99, "user", "hi")
    history.delete_conversation(99)  # deleting what is gone is fine


def test_list_orders_pinned_first_then_recent_activity(history: History, clock: Clock) -> None:
    ids = []
    for title in ("old", "middle", "new"):
        ids.append(history.create_conversation(title).id)
        clock.advance()
    old, middle, _ = ids
    history.set_pinned(old, True)
    clock.advance()
    history.add_message(middle, "user", "bump")
    assert [c.title for c in history.list_conversations()] == ["old", "middle", "new"]
    assert [c.message_count for c in history.list_conversations()] == [0, 1, 0]
    assert [c.id for c in history.list_conversations(limit=1, offset=1)] == [middle]
    assert history.count_conversations() == 3
    latest = history.latest_conversation()
    assert latest is not None and latest.id == middle


def test_empty_history(history: History) -> None:
    assert history.list_conversations() == []
    assert history.latest_conversation() is None
    assert history.count_conversations() == 0
    assert history.search("anything") == []


def test_listing_ten_thousand_conversations_is_one_fast_query(history: History) -> None:
    conn = history.db.connection
    with history.batch():
        conn.executemany(
            "INSERT INTO conversations (id, uuid, title, created_at, updated_at, pinned)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(i, f"u{i}", f"chat {i}", i, i, int(i % 1000 == 0)) for i in range(1, 10_001)])
        conn.executemany(
            "INSERT INTO messages (id, uuid, conversation_id, position, role, content,"
            " created_at, updated_at, parent_id) VALUES (?, ?, ?, ?, 'user', 'hi', 0, 0, ?)",
            [(2 * i + p, f"m{i}-{p}", i, p, 2 * i + 1 if p == 2 else None)
             for i in range(1, 10_001) for p in (1, 2)])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    started = time.perf_counter()
    listed = history.list_conversations()
    elapsed = time.perf_counter() - started
    conn.set_trace_callback(None)
    assert len(statements) == 1
    assert elapsed < 1.0
    assert len(listed) == 10_000
    assert all(c.pinned for c in listed[:10]) and not listed[10].pinned
    assert listed[10].id == 9999
    assert {c.message_count for c in listed} == {2}


# ----------------------------------------------------------------------------- messages


def test_messages_in_order_and_activity_bumps_conversation(history: History,
                                                            clock: Clock) -> None:
    c = history.create_conversation()
    clock.advance(5)
    first = history.add_message(c.id, "user", "one")
    second = history.add_message(c.id, "assistant", "two", reasoning="thinking",
                                 model="grok-3-mini")
    third = history.add_message(c.id, "user", "three")
    assert [m.content for m in history.messages(c.id)] == ["one", "two", "three"]
    assert history.get_message(second.id) == second
    assert (second.reasoning, second.model, second.status) == ("thinking", "grok-3-mini",
                                                               "complete")
    assert first.created_at == T0 + 5
    got = history.get_conversation(c.id)
    assert got is not None and got.updated_at == T0 + 5 and got.message_count == 3
    assert history.get_message(third.id + 1) is None


def test_imported_messages_keep_their_times(history: History) -> None:
    c = history.create_conversation("Imported", uuid="fixed-uuid", created_at=100.0)
    history.add_message(c.id, "user", "hi", created_at=200.0, uuid="m-uuid")
    history.add_message(c.id, "assistant", "late", created_at=150.0)
    got = history.conversation_by_uuid("fixed-uuid")
    assert got is not None and (got.created_at, got.updated_at) == (100.0, 200.0)
    assert history.messages(c.id)[0].uuid == "m-uuid"


def test_streaming_answer_lifecycle(history: History, clock: Clock) -> None:
    c = history.create_conversation()
    history.add_message(c.id, "user", "Why is the sky blue?")
    started = history.start_assistant_message(c.id, "grok-3-mini")
    assert (started.role, started.status, started.content, started.model) == (
        "assistant", "streaming", "", "grok-3-mini")
    assert started.finished_at is None
    clock.advance()
    history.save_partial(started.id, "Ray", "Light scatters", reasoning_started_at=T0 + 0.5)
    clock.advance()
    history.save_partial(started.id, "Rayleigh", "Light scatters more",
                         content_started_at=T0 + 1.5)
    partial = history.get_message(started.id)
    assert partial is not None
    assert (partial.content, partial.reasoning, partial.status) == (
        "Rayleigh", "Light scatters more", "streaming")
    assert (partial.reasoning_started_at, partial.content_started_at) == (T0 + 0.5, T0 + 1.5)
    assert partial.updated_at == T0 + 2
    clock.advance()
    usage = Usage(prompt_tokens=10, completion_tokens=20, reasoning_tokens=15,
                  total_tokens=30, cost_usd=0.0001)
    final = history.finish_message(
        started.id, content="Rayleigh scattering.", reasoning="Light scatters more.",
        status="complete", finish_reason="stop", usage=usage, request_id="req-1",
        model="grok-3-mini-0401")
    assert final.status == "complete"
    assert final.finished_at == T0 + 3
    assert (final.prompt_tokens, final.completion_tokens, final.reasoning_tokens,
            final.total_tokens, final.cost_usd) == (10, 20, 15, 30, 0.0001)
    assert (final.finish_reason, final.request_id, final.model) == (
        "stop", "req-1", "grok-3-mini-0401")
    assert final.reasoning_seconds == 1.0
    got = history.get_conversation(c.id)
    assert got is not None and got.updated_at == T0 + 3
    assert history.search("Rayleigh scattering")[0].message_id == started.id


def _python_totals(history: History, conversation_id: int) -> tuple[int, float | None]:
    """The reference: the usage the messages themselves report, added up in Python."""
    tokens = 0
    cost: float | None = None
    for message in history.messages(conversation_id):
        if message.total_tokens is not None:
            tokens += message.total_tokens
        elif message.prompt_tokens is not None or message.completion_tokens is not None:
            tokens += (message.prompt_tokens or 0) + (message.completion_tokens or 0)
        if message.cost_usd is not None:
            cost = (cost or 0.0) + message.cost_usd
    return tokens, cost


def test_usage_totals_of_an_empty_or_unpriced_conversation(history: History) -> None:
    conversation = history.create_conversation()
    assert history.usage_totals(conversation.id) == (0, None)
    history.add_message(conversation.id, "user", "hi")
    history.add_message(conversation.id, "assistant", "hello",
                        usage=Usage(prompt_tokens=3, completion_tokens=4))
    assert history.usage_totals(conversation.id) == (7, None)
    assert history.usage_totals(conversation.id + 1000) == (0, None)


_usages = st.builds(
    Usage,
    prompt_tokens=st.none() | st.integers(0, 10**6),
    completion_tokens=st.none() | st.integers(0, 10**6),
    total_tokens=st.none() | st.integers(0, 10**7),
    cost_usd=st.none() | st.floats(0, 100, allow_nan=False))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(usages=st.lists(_usages, max_size=8))
def test_usage_totals_equal_the_python_sum_over_messages(history: History,
                                                         usages: list[Usage]) -> None:
    conversation = history.create_conversation()
    other = history.create_conversation()
    history.add_message(other.id, "assistant", "elsewhere",
                        usage=Usage(total_tokens=999, cost_usd=9.0))
    for usage in usages:
        history.add_message(conversation.id, "assistant", "answer", usage=usage)
    tokens, cost = history.usage_totals(conversation.id)
    want_tokens, want_cost = _python_totals(history, conversation.id)
    assert tokens == want_tokens
    if want_cost is None:
        assert cost is None
    else:
        assert cost == pytest.approx(want_cost)


def test_finish_with_error_keeps_model_when_none_given(history: History) -> None:
    c = history.create_conversation()
    m = history.start_assistant_message(c.id, "grok-3-mini")
    final = history.finish_message(m.id, content="", reasoning="", status="error",
                                   error="The API key was refused")
    assert (final.status, final.error, final.model) == (
        "error", "The API key was refused", "grok-3-mini")
    assert final.prompt_tokens is None


def test_answer_deleted_while_streaming(history: History) -> None:
    c = history.create_conversation()
    m = history.start_assistant_message(c.id, None)
    history.delete_conversation(c.id)
    history.save_partial(m.id, "late text", "")  # ignored
    with pytest.raises(RecordGoneError):
        history.finish_message(m.id, content="x", reasoning="", status="complete")


def test_stale_stream_reads_as_interrupted_and_is_repaired(tmp_path: Path,
                                                           clock: Clock) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path) as db_a, open_database(path) as db_b:
        writer, other = History(db_a, clock=clock), History(db_b, clock=clock)
        c = writer.create_conversation()
        dead = writer.start_assistant_message(c.id, "grok-3-mini")
        writer.save_partial(dead.id, "half an ans", "")
        clock.advance(STALE_AFTER + 1)
        live = writer.start_assistant_message(c.id, "grok-3-mini")
        clock.advance(STALE_AFTER / 2)

        seen = {m.id: m.status for m in other.messages(c.id)}
        assert seen == {dead.id: "interrupted", live.id: "streaming"}
        raw = db_b.fetchone("SELECT status FROM messages WHERE id = ?", (dead.id,))
        assert raw is not None and raw[0] == "streaming"  # reading changed nothing

        assert other.recover_interrupted() == 1
        assert other.recover_interrupted() == 0
        repaired = other.get_message(dead.id)
        assert repaired is not None
        assert (repaired.status, repaired.content) == ("interrupted", "half an ans")
        assert repaired.finished_at == T0  # its last sign of life
        live_now = writer.get_message(live.id)
        assert live_now is not None and live_now.status == "streaming"


def test_save_partial_revives_a_stream_wrongly_judged_dead(history: History,
                                                           clock: Clock) -> None:
    c = history.create_conversation()
    m = history.start_assistant_message(c.id, None)
    clock.advance(STALE_AFTER + 5)  # a long silent pause, e.g. a slow first token
    assert history.recover_interrupted() == 1
    history.save_partial(m.id, "finally", "")
    got = history.get_message(m.id)
    assert got is not None and got.status == "streaming"


def test_deleting_a_message_takes_its_subtree_and_moves_the_leaf_up(history: History) -> None:
    c = history.create_conversation()
    ids = [history.add_message(c.id, "user" if text in "ac" else "assistant", text).id
           for text in "abcd"]
    deleted = history.delete_message(ids[2])
    assert deleted is not None and deleted.ids == (ids[2], ids[3])
    assert deleted.previous_leaf_id == ids[3]
    assert [m.content for m in history.messages(c.id)] == ["a", "b"]
    history.add_message(c.id, "user", "c2")
    assert [m.content for m in history.messages(c.id)] == ["a", "b", "c2"]
    assert history.delete_message(ids[3]) is None
    assert history.search("d") == []
    _fts_consistent(history)


def test_delete_and_edit_single_messages(history: History) -> None:
    c = history.create_conversation()
    keep = history.add_message(c.id, "user", "original wording")
    drop = history.add_message(c.id, "assistant", "answer")
    history.delete_message(drop.id)
    history.delete_message(drop.id)
    history.update_message_content(keep.id, "improved wording")
    assert [m.content for m in history.messages(c.id)] == ["improved wording"]
    assert history.search("original") == []
    assert history.search("improved")[0].message_id == keep.id
    with pytest.raises(RecordGoneError):
        history.update_message_content(drop.id, "x")
    _fts_consistent(history)


def test_deleting_a_conversation_cascades(history: History) -> None:
    c = history.create_conversation("Doomed topic")
    m = history.add_message(c.id, "user", "doomed content")
    survivor = history.create_conversation("Other")
    history.add_message(survivor.id, "user", "safe")
    history.delete_conversation(c.id)
    assert history.get_conversation(c.id) is None
    assert history.get_message(m.id) is None
    assert history.messages(c.id) == []
    assert history.search("doomed") == []
    assert history.count_conversations() == 1
    _fts_consistent(history)


def test_batch_is_all_or_nothing(history: History) -> None:
    with pytest.raises(RuntimeError), history.batch():
        c = history.create_conversation("imported")
        history.add_message(c.id, "user", "hi")
        raise RuntimeError("bad import file")
    assert history.count_conversations() == 0


def test_unicode_round_trips(history: History) -> None:
    text = "日本語のテキスト 🎉👩‍💻 مرحبا \u0000 e\u0301"
    c = history.create_conversation("会話 🎉")
    m = history.add_message(c.id, "user", text, reasoning="思考 " + text)
    got = history.get_message(m.id)
    assert got is not None and got.content == text and got.reasoning == "思考 " + text
    assert history.list_conversations()[0].title == "会話 🎉"


# ------------------------------------------------------------------------------- search


def test_search_finds_titles_and_content_with_snippets(history: History,
                                                       clock: Clock) -> None:
    titled = history.create_conversation("Rust borrow checker")
    clock.advance()
    talked = history.create_conversation("Misc")
    filler = "lorem ipsum dolor sit amet " * 20
    message = history.add_message(talked.id, "user", filler + "How does the Borrow checker work?")

    hits = history.search("borrow")
    assert [h.conversation_id for h in hits] == [talked.id, titled.id]  # newest first
    content_hit, title_hit = hits
    assert content_hit.message_id == message.id
    assert content_hit.conversation_title == "Misc"
    assert "Borrow checker" in content_hit.snippet
    assert content_hit.snippet.startswith("…")
    assert [content_hit.snippet[a:b] for a, b in content_hit.highlights] == ["Borrow"]
    assert title_hit.message_id is None
    assert title_hit.snippet == "Rust borrow checker"
    assert [title_hit.snippet[a:b] for a, b in title_hit.highlights] == ["borrow"]


def test_search_needs_every_word_in_one_place_and_gives_one_hit_per_conversation(
        history: History) -> None:
    c = history.create_conversation()
    history.add_message(c.id, "user", "python asyncio tasks")
    newest = history.add_message(c.id, "assistant", "asyncio in python uses an event loop")
    history.add_message(c.id, "user", "python only")
    hits = history.search("asyncio python")
    assert len(hits) == 1 and hits[0].message_id == newest.id
    assert history.search("asyncio rust") == []
    assert len(history.search("python", limit=1)) == 1
    assert history.search("python", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "\x00"])
def test_blank_query_finds_nothing(history: History, query: str) -> None:
    history.create_conversation("anything")
    assert history.search(query) == []


def test_search_matches_substrings_in_cjk_and_short_words(history: History) -> None:
    c = history.create_conversation("旅行の計画")
    history.add_message(c.id, "user", "来年は東京タワーに行きたいです 🗼 Go and AI")
    for query in ("京タワ", "東京", "計画", "🗼", "go", "AI", "ai 東京"):
        hits = history.search(query)
        assert [h.conversation_id for h in hits] == [c.id], query
        assert hits[0].highlights, query
    assert history.search("大阪") == []


@pytest.mark.parametrize("query", [
    '"', '""', "'", "AND", "OR", "NOT", "NEAR", "NEAR(a b)", "*", "a*", "(", ")", "^", ":",
    "-", "+", "title:x", "content:abc", '"unterminated', "a OR b", "{x y}", "%", "_", "\\",
    "%_%", "' OR 1=1 --", "[abc]", "a\x00bc"])
def test_hostile_queries_are_literal_text(history: History, query: str) -> None:
    c = history.create_conversation("plain title")
    history.add_message(c.id, "user", "just some text")
    assert history.search(query) == []
    history.add_message(c.id, "user", f"literally {query} inside")
    if "\x00" not in query:  # SQLite's LIKE stops at NUL; such text never occurs in chats
        assert [h.conversation_id for h in history.search(query)] == [c.id]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=40))
def test_any_query_is_safe(history: History, query: str) -> None:
    if not history.count_conversations():
        c = history.create_conversation("Seed 東京 🎉")
        history.add_message(c.id, "user", 'AND OR "quotes" (parens) * ^ NEAR: 中文 😀')
    assert isinstance(history.search(query), list)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
                    min_size=1, max_size=12).filter(lambda w: len(w.split()) == 1))
def test_stored_words_are_found(history: History, word: str) -> None:
    c = history.create_conversation("property")
    history.add_message(c.id, "user", f"before {word} after")
    hits = history.search(word)
    assert hits and hits[0].conversation_id == c.id


def test_snippet_is_short_and_centred_on_the_match() -> None:
    text = "word " * 200 + "NEEDLE" + " tail" * 200
    snippet, spans = make_snippet(text, ["needle"])
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 170
    assert [snippet[a:b] for a, b in spans] == ["NEEDLE"]
    assert make_snippet("no match here", ["zzz"]) == ("no match here", ())


# ------------------------------------------------------------------- concurrent writers


def test_two_connections_writing_interleaved(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path) as db:
        conversation_id = History(db).create_conversation().id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            with open_database(path) as db:
                history = History(db)
                barrier.wait()
                for i in range(150):
                    m = history.start_assistant_message(conversation_id, None)
                    history.save_partial(m.id, f"{name} {i}", "")
                    history.finish_message(m.id, content=f"{name} {i}", reasoning="",
                                           status="complete")
                    history.list_conversations()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("gui", "cli")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_database(path) as db:
        messages = History(db).messages(conversation_id)
    assert len(messages) == 300
    assert {m.status for m in messages} == {"complete"}


CHILD = """
import sys, time
from pathlib import Path
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

with open_database(Path(sys.argv[1])) as db:
    history = History(db)
    conversation_id = int(sys.argv[2])
    with history.batch():  # hold the write lock while the parent starts writing
        history.add_message(conversation_id, "user", "child holds the lock")
        print("ready", flush=True)
        time.sleep(0.3)
    for i in range(200):
        history.add_message(conversation_id, "assistant", f"child {i}")
"""


def test_another_process_writing_at_the_same_time(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_database(path) as db:
        history = History(db)
        conversation_id = history.create_conversation().id
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(conversation_id)], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            assert history.messages(conversation_id) == []  # readers never wait in WAL
            assert time.perf_counter() - started < 0.25
            for i in range(200):
                history.add_message(conversation_id, "user", f"parent {i}")
            _, stderr = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        assert child.returncode == 0, stderr
        messages = history.messages(conversation_id)
    assert len(messages) == 401
    assert messages[0].content == "child holds the lock"


# ----------------------------------------------------- search order and early stopping


@pytest.mark.parametrize("word", ["needle", "ne"])  # trigram index, then the LIKE fallback
def test_search_orders_by_newest_match_and_stops_at_the_limit(history: History,
                                                              word: str) -> None:
    ids = []
    for n in range(150):  # more than one page of the walk
        c = history.create_conversation(f"chat {n}")
        history.add_message(c.id, "user", f"a {word} here")
        history.add_message(c.id, "assistant", "nothing to see")
        ids.append(c.id)
    # The oldest conversation gets the newest matching message: it comes first.
    history.add_message(ids[0], "user", f"another {word}")
    hits = history.search(word, limit=5)
    assert [h.conversation_id for h in hits] == [ids[0], *ids[-1:-5:-1]]
    assert hits[0].snippet == f"another {word}"
    everything = history.search(word, limit=1000)
    assert sorted(h.conversation_id for h in everything) == sorted(ids)
    assert len({h.conversation_id for h in everything}) == len(ids)


def test_title_hit_beyond_the_walk_still_shows_its_newest_matching_message(
        history: History) -> None:
    titled = history.create_conversation("needle facts")
    old = history.add_message(titled.id, "user", "an old needle")
    history.add_message(titled.id, "assistant", "unrelated")  # its latest message
    for n in range(3):
        c = history.create_conversation(f"chat {n}")
        history.add_message(c.id, "user", "needle")
    later = history.create_conversation("later")
    history.add_message(later.id, "user", "plain")
    history.add_message(titled.id, "user", "unrelated again")  # title hit ranks first
    hits = history.search("needle", limit=2)
    assert hits[0].conversation_id == titled.id
    assert hits[0].message_id == old.id and hits[0].snippet == "an old needle"
    assert len(hits) == 2


def test_conversation_ids_in_sidebar_order(history: History, clock: Clock) -> None:
    first = history.create_conversation("first")
    clock.advance()
    second = history.create_conversation("second")
    clock.advance()
    pinned = history.create_conversation("pinned", pinned=True)
    assert history.conversation_ids() == [pinned.id, second.id, first.id]
    assert history.conversation_ids() == [c.id for c in history.list_conversations()]


def test_conversations_by_id_reads_several_at_once_and_leaves_out_missing_ones(
        history: History) -> None:
    first = history.create_conversation("first", ConversationSettings())
    second = history.create_conversation("second", ConversationSettings())
    history.add_message(second.id, "user", "hello")
    found = history.conversations_by_id([second.id, first.id, 10**6])
    assert found == {first.id: history.get_conversation(first.id),
                     second.id: history.get_conversation(second.id)}
    assert found[second.id].message_count == 1
    assert history.conversations_by_id([]) == {}
