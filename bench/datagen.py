"""Benchmark histories: built once through the app's own schema, cached in ``bench/.data``.

A history folder is laid out as ``GROKDESK_DATA_DIR`` expects (``data/history.sqlite3``),
so the real app can be started on it. The full history has 10,000 conversations and
200,000 messages; two of them are long (1,000 messages each) and pinned, so they sit
at the top of the sidebar; the most recent conversation is an ordinary one, which is
what the app opens at start. Everything is written in one transaction with
``executemany``. The message full-text index is filled by one ``'rebuild'`` at the end
(its triggers are set aside meanwhile and put back exactly as the schema has them):
row-by-row trigger updates took 70 s for the full history, the rebuild a third of
that, and the index holds the same rows either way. Finally the tables are analysed,
as the app's ``PRAGMA optimize`` at quit would do for a real history.

Conversations are trees, as regenerating and editing leave them (:func:`_branches`):
one ordinary conversation in ten has an older version of one message, and the first
long conversation has ``long_size // 10`` branch points (100 in the full history). An
older version was written just before the one that replaced it, and an older question
keeps the answer it had, so the 1,000 messages of the active path stay what the
figures open, and search sees every branch.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench import DATA_DIR
from bench.textgen import TextPool
from grokdesk.storage.db import MIGRATIONS, open_database
from grokdesk.storage.models import Message
from grokdesk.storage.repository import INSERT_NODE, message_values

GENERATOR_VERSION = 5
MODEL = "x-ai/grok-3-mini-beta"
DAY = 86_400.0
BRANCHED_EVERY = 10
"""One ordinary conversation in this many has a message with an older version."""


@dataclass(frozen=True, slots=True)
class HistorySpec:
    """The shape of a generated history."""

    name: str
    conversations: int
    messages: int
    long_conversations: int = 2
    long_size: int = 1000
    seed: int = 7


FULL = HistorySpec("full", conversations=10_000, messages=200_000)
SMOKE = HistorySpec("smoke", conversations=60, messages=1_200, long_size=200)


@dataclass(frozen=True, slots=True)
class History:
    """A generated history on disk and the ids the benchmarks need."""

    data_dir: Path
    spec: HistorySpec
    long_ids: tuple[int, ...]
    latest_id: int
    build_seconds: float

    @property
    def db_path(self) -> Path:
        return db_path(self.data_dir)


def db_path(data_dir: Path) -> Path:
    """Where the app looks for the history under ``GROKDESK_DATA_DIR``."""
    return data_dir / "data" / "history.sqlite3"


def ensure_history(spec: HistorySpec, root: Path = DATA_DIR) -> History:
    """The cached history for ``spec``, built first if missing or made by another version.

    The stamp records the schema version too: opening an older file, the app would
    migrate it and keep a backup copy of all of it.
    """
    data_dir = root / spec.name
    stamp_path = data_dir / "stamp.json"
    wanted = {"generator": GENERATOR_VERSION, "schema": len(MIGRATIONS), "spec": asdict(spec)}
    if stamp_path.exists() and db_path(data_dir).exists():
        stamp = json.loads(stamp_path.read_text())
        if {k: stamp.get(k) for k in wanted} == wanted:
            return _from_stamp(data_dir, spec, stamp)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    started = time.perf_counter()
    long_ids, latest_id = build_history(db_path(data_dir), spec)
    stamp = {**wanted, "long_ids": list(long_ids), "latest_id": latest_id,
             "build_seconds": round(time.perf_counter() - started, 2)}
    stamp_path.write_text(json.dumps(stamp, indent=2))
    return _from_stamp(data_dir, spec, stamp)


def _from_stamp(data_dir: Path, spec: HistorySpec, stamp: dict[str, object]) -> History:
    long_ids = stamp["long_ids"]
    assert isinstance(long_ids, list)
    return History(data_dir, spec, tuple(int(i) for i in long_ids), int(str(stamp["latest_id"])),
                   float(str(stamp["build_seconds"])))


def _message_counts(spec: HistorySpec, rng: random.Random) -> list[int]:
    """Messages per conversation: the long ones, then a skewed spread of even counts."""
    ordinary = spec.conversations - spec.long_conversations
    left = spec.messages - spec.long_conversations * spec.long_size
    if ordinary == 0 and left == 0:
        return [spec.long_size] * spec.long_conversations
    if ordinary <= 0 or left < 2 * ordinary:
        raise ValueError(f"{spec} leaves too few messages for its conversations")
    counts = [2] * ordinary
    weights = [rng.lognormvariate(0, 1) for _ in range(ordinary)]
    for index in rng.choices(range(ordinary), weights, k=(left - 2 * ordinary) // 2):
        counts[index] += 2
    counts[-1] += (left - 2 * ordinary) % 2
    return [spec.long_size] * spec.long_conversations + counts


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _message_rows(pool: TextPool, conversation_id: int, count: int, start: float,
                  end: float) -> Iterator[tuple[Message, int]]:
    """Alternating questions and answers for one conversation, spread over its lifetime,
    with their positions; ids are left to SQLite (0 here, which ``message_values`` skips).
    """
    rng = pool.rng
    step = (end - start) / max(1, count)
    for position in range(1, count + 1):
        at = start + (position - 1) * step
        if position % 2:
            yield Message(0, _uuid(rng), conversation_id, "user", pool.user(), created_at=at,
                          updated_at=at, finished_at=at), position
            continue
        content = pool.assistant()
        reasoning = pool.reasoning() if rng.random() < 0.7 else ""
        thought = len(reasoning) // 4
        written = len(content) // 4
        think_start = at + 0.4
        answer_start = think_start + thought / 90
        finished = answer_start + written / 90
        yield Message(
            0, _uuid(rng), conversation_id, "assistant", content, reasoning, MODEL,
            finish_reason="stop", prompt_tokens=200 + 3 * position,
            completion_tokens=thought + written, reasoning_tokens=thought,
            total_tokens=200 + 3 * position + thought + written,
            cost_usd=round((thought + written) * 4e-7, 7),
            request_id=f"inf-{rng.getrandbits(64):016x}", created_at=at, updated_at=finished,
            reasoning_started_at=think_start if reasoning else None,
            content_started_at=answer_start, finished_at=finished,
            reasoning_effort="high" if position % 4 == 0 else None), position


_INSERT_CONVERSATION = (
    "INSERT INTO conversations (id, uuid, title, created_at, updated_at, pinned, provider,"
    " model, system_prompt, reasoning_effort, temperature)"
    " VALUES (?, ?, ?, ?, ?, ?, 'aimlapi', NULL, NULL, ?, NULL)")



@dataclass(frozen=True, slots=True)
class _Plan:
    """One conversation before it has an id: when it ran and how long it is."""

    start: float
    end: float
    count: int
    long: bool
    effort: str | None
    uuid: str


def _plans(spec: HistorySpec, rng: random.Random, now: float) -> list[_Plan]:
    """Conversations over two years; the long ones span months; one ended an hour ago."""
    counts = _message_counts(spec, rng)
    plans = []
    for number, count in enumerate(counts):
        long = number < spec.long_conversations
        if long:
            end = now - rng.uniform(1, 30) * DAY
            start = end - rng.uniform(60, 400) * DAY
        elif number == len(counts) - 1:
            start, end = now - 7200, now - 3600
        else:
            start = now - 730 * DAY * rng.random() - DAY
            end = min(now - 3 * 3600 - 3600 * rng.random(), start + rng.uniform(0.01, 20) * DAY)
        plans.append(_Plan(start, end, count, long, rng.choice((None, None, "low", "high")),
                           _uuid(rng)))
    return sorted(plans, key=lambda plan: plan.start)


def _branches(pool: TextPool, rows: list[Message], points: int) -> list[Message]:
    """Older versions for ``points`` messages of a main line (``rows``, whose ``id`` is
    the place in it, 1-based, and ``parent_id`` the one before): a regenerated answer
    leaves its older answer, an edited question its older question with its answer."""
    if points <= 0 or len(rows) < 2:
        return []
    rng = pool.rng
    step = max(1, len(rows) // points)
    extra: list[Message] = []
    next_id = len(rows) + 1
    for k in range(points):
        at = rows[min(len(rows) - 1, k * step + rng.randrange(step))]
        before = rows[at.id - 2].created_at if at.id > 1 else at.created_at - 60
        when = (before + at.created_at) / 2
        text = pool.user() if at.role == "user" else pool.assistant()
        old = replace(at, id=next_id, uuid=_uuid(rng), content=text, created_at=when,
                      updated_at=when, finished_at=when)
        extra.append(old)
        next_id += 1
        if at.role == "user" and at.id < len(rows):
            answer = rows[at.id]
            then = (when + at.created_at) / 2
            extra.append(replace(answer, id=next_id, uuid=_uuid(rng), parent_id=old.id,
                                 content=pool.assistant(), created_at=then, updated_at=then,
                                 finished_at=then))
            next_id += 1
    return extra


def _tree_rows(pool: TextPool, branch_pool: TextPool, number: int, plan: _Plan,
               points: int) -> list[Message]:
    """One conversation's messages, ids and parents numbered within it (1-based)."""
    rows = [replace(m, id=position, parent_id=position - 1 or None)
            for m, position in _message_rows(pool, number, plan.count, plan.start, plan.end)]
    return rows + _branches(branch_pool, rows, points)


def _branch_points(spec: HistorySpec, plan: _Plan, ordinary_index: int) -> int:
    if plan.long:
        return spec.long_size // 10 if ordinary_index == 0 else 0
    return 1 if ordinary_index % BRANCHED_EVERY == BRANCHED_EVERY // 2 else 0


def _numbered(conversations: list[list[Message]]) -> Iterator[dict[str, object]]:
    """``INSERT_NODE`` parameters: ids and positions follow time across the history."""
    timeline = sorted(((m, n) for n, rows in enumerate(conversations, start=1) for m in rows),
                      key=lambda item: item[0].created_at)
    ids = {(n, m.id): index for index, (m, n) in enumerate(timeline, start=1)}
    positions = [0] * (len(conversations) + 1)
    for m, n in timeline:
        positions[n] += 1
        parent = None if m.parent_id is None else ids[(n, m.parent_id)]
        yield message_values(m, positions[n], conversation_id=n, parent_id=parent) | {
            "id": ids[(n, m.id)]}


def build_history(path: Path, spec: HistorySpec, *, now: float | None = None
                  ) -> tuple[tuple[int, ...], int]:
    """Write ``spec`` into a new history at ``path``; return the long ids and the latest id.

    Ids follow time, as in a history that grew message by message: conversations are
    numbered by when they started and messages are inserted in the order they were
    written (search and listing plans depend on that order).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(spec.seed)
    pool = TextPool(spec.seed)
    branch_pool = TextPool(spec.seed + 1)
    plans = _plans(spec, rng, time.time() if now is None else now)
    conversations, trees = [], []
    counters = {True: 0, False: 0}
    for number, plan in enumerate(plans, start=1):
        points = _branch_points(spec, plan, counters[plan.long])
        counters[plan.long] += 1
        rows = _tree_rows(pool, branch_pool, number, plan, points)
        conversations.append((number, plan.uuid, _title(rows[0].content), plan.start,
                              plan.end, int(plan.long), plan.effort))
        trees.append(rows)
    db = open_database(path)
    try:
        with db.transaction() as conn, _fts_set_aside(conn, "messages"):
            conn.executemany(_INSERT_CONVERSATION, conversations)
            conn.executemany(INSERT_NODE, _numbered(trees))
            conn.execute(_LEAVES)
        connection = db.connection
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    latest = max(range(len(plans)), key=lambda index: plans[index].end) + 1
    return tuple(n for n, plan in enumerate(plans, start=1) if plan.long), latest


_LEAVES = ("UPDATE conversations SET current_leaf_id = (SELECT m.id FROM messages AS m"
           " WHERE m.conversation_id = conversations.id ORDER BY m.position DESC LIMIT 1)")
"""The newest message is the end of the main line: older versions are written before
the one that replaced them."""


@contextmanager
def _fts_set_aside(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Drop ``table``'s full-text triggers, then rebuild its index and restore them."""
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
        " AND name LIKE ?", (table, f"{table}_fts_%")).fetchall()
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    yield
    conn.execute(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('rebuild')")
    for _name, sql in triggers:
        conn.execute(sql)


def _title(text: str) -> str:
    from grokdesk.chat.titles import title_from_text

    return title_from_text(text)


def build_single(path: Path, size: int, seed: int = 11) -> int:
    """A history holding one conversation of ``size`` messages (streams are added to it)."""
    spec = HistorySpec("single", conversations=1, messages=size, long_conversations=1,
                       long_size=size, seed=seed)
    long_ids, _ = build_history(path, spec)
    return long_ids[0]


def table_sizes(path: Path) -> dict[str, float]:
    """Conversations, messages and the file's size in MiB, for the report."""
    with sqlite3.connect(path) as conn:
        conversations = conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0]
        messages, chars = conn.execute(
            "SELECT COUNT(*), SUM(LENGTH(content)) FROM messages").fetchone()
    return {"conversations": conversations, "messages": messages,
            "content_mib": round((chars or 0) / 2**20, 1),
            "file_mib": round(path.stat().st_size / 2**20, 1)}
