"""Imports of hostile files: pathological front matter lines, zip archives whose headers
lie, and any number as a time, through import and every view of the result (list, show,
export) in zones on both sides of UTC. Each ends in a clear refusal or a success, never
a traceback; the per-example deadline is what "never backtracks" means here."""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grokdesk.cli import main
from grokdesk.export import import_parsed
from grokdesk.export.errors import ImportRefusedError
from grokdesk.export.sources import parse_path, parse_text
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from tests.export.zips import build, member
from tests.fuzz.common import FUZZ

UUID = "6f1c1f0e-6b43-4a55-9d64-3c3f3b2a9d11"
ZONES = ["America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata",
         "UTC"]

units = st.sampled_from([" ", "\t", "'", "''", '"', ":", "a:", "#", " #", "\\", "-", "a", "`",
                         ' a="', '="', "\\u", "~"])
prefixes = st.sampled_from(["title:", "title: ", "title: x", "title: '", 'title: "', "a", "",
                            "<!-- grokdesk:message", "- ", "# "])
suffixes = st.sampled_from(["", "x", "'", '"', " #", " -->", ":", "\t", "y z"])


def markdown_with(line: str, where: str) -> str:
    front = f'title: "T"\n{line}\n' if where == "front" else 'title: "T"\n'
    marker = (line if where == "marker" else
              '<!-- grokdesk:message role="user" uuid="0b4d3c55-2f6e-4a8a-8d4c-9a3e5e8d7c21"'
              ' created="2025-01-02T10:00:00Z" -->')
    body = line if where == "body" else "hi"
    return (f"---\n{front}created: \"2025-01-02T10:00:00Z\"\nuuid: \"{UUID}\"\n"
            'format: "grokdesk-markdown"\nformat_version: 1\n---\n\n# T\n\n'
            f"{marker}\n## User\n\n{body}\n\n<!-- grokdesk:end -->\n")


@FUZZ
@given(prefixes, units, st.integers(1, 100_000), suffixes,
       st.sampled_from(["front", "marker", "body"]))
def test_pathological_lines_are_refused_or_read(prefix: str, unit: str, repeat: int,
                                                suffix: str, where: str) -> None:
    line = prefix + unit * (repeat // len(unit)) + suffix
    parsed = parse_text(markdown_with(line, where), "hostile.md")
    assert parsed.error is None or isinstance(parsed.error, ImportRefusedError)
    if parsed.error is not None:
        assert parsed.error.describe().startswith("hostile.md: ")


GOOD = json.dumps({"format": "grokdesk-export", "version": 1, "conversations": [{
    "uuid": "c-1", "title": "Good", "created_at": 1_700_000_000, "messages": [
        {"uuid": "m-1", "role": "user", "content": "hi", "created_at": 1_700_000_000}]}]})

members = st.lists(st.tuples(
    st.sampled_from(["a.json", "b.md", "c/d.json", "e.zip", "f.txt"]),
    st.one_of(st.just(GOOD.encode()), st.binary(max_size=300),
              st.integers(1, 4 << 20).map(lambda n: b" " * n)),
    st.one_of(st.none(), st.integers(0, 2**32 - 1)),
    st.one_of(st.none(), st.integers(0, 2**32 - 1))), min_size=1, max_size=4,
    unique_by=lambda m: m[0])


@FUZZ
@given(members)
def test_archives_with_lying_headers_are_refused_or_read(
        tmp_path_factory: pytest.TempPathFactory,
        entries: list[tuple[str, bytes, int | None, int | None]]) -> None:
    archive = tmp_path_factory.mktemp("zips") / "lying.zip"
    parts = []
    for name, data, claimed, crc in entries:
        part = member(name, data)
        parts.append(part if claimed is None and crc is None
                     else part.lying(part.size if claimed is None else claimed, crc=crc))
    archive.write_bytes(build(parts))
    history = History(open_database(archive.with_suffix(".sqlite3")))
    try:
        for parsed in parse_path(archive):
            assert parsed.error is None or isinstance(parsed.error, ImportRefusedError)
            if parsed.error is None:
                assert parsed.name.startswith(f"{archive}:")
    finally:
        history.db.close()


@contextmanager
def local_zone(zone: str, data_dir: Path) -> Iterator[None]:
    """This process's local zone and data folder, for one example."""
    saved = {key: os.environ.get(key) for key in ("TZ", "GROKDESK_DATA_DIR")}
    os.environ["TZ"], os.environ["GROKDESK_DATA_DIR"] = zone, str(data_dir)
    time.tzset()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        time.tzset()


def run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(""))
    assert "Traceback" not in err.getvalue()
    assert "unexpected error" not in err.getvalue(), err.getvalue()
    return code, err.getvalue()


def every_view(folder: Path) -> None:
    for args in (["list"], ["list", "--json"], ["show", "1"], ["show", "1", "--json"],
                 ["export", "1"], ["export", "--all", "-o", str(folder / "all.json")],
                 ["export", "--all", "-o", str(folder / "all.zip")]):
        code, _ = run(*args)
        assert code == 0, args


times = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                  st.integers(min_value=-(10**400), max_value=10**400),
                  st.floats(min_value=-62135596800 - 86400 * 2, max_value=-62135596800 + 86400 * 2),
                  st.floats(min_value=253402300799 - 86400 * 2, max_value=253402300799 + 86400))


@FUZZ
@given(times, st.sampled_from(ZONES))
def test_any_time_is_refused_or_imported_and_every_view_works(
        tmp_path_factory: pytest.TempPathFactory, value: float | int, zone: str) -> None:
    folder = tmp_path_factory.mktemp("times")
    source = folder / "times.json"
    stamp = json.dumps(value)  # NaN and Infinity come out as JSON does not allow
    source.write_text(GOOD.replace("1700000000", stamp), encoding="utf-8")
    with local_zone(zone, folder / "data"):
        code, err = run("import", str(source))
        if code != 0:
            assert "refused" in err
            return
        every_view(folder)


@FUZZ
@given(st.one_of(st.floats(), st.integers(-(2**63), 2**63 - 1)), st.sampled_from(ZONES))
def test_any_time_already_in_the_history_is_shown(tmp_path_factory: pytest.TempPathFactory,
                                                  value: float | int, zone: str) -> None:
    folder = tmp_path_factory.mktemp("damaged")
    with local_zone(zone, folder / "data"):
        from grokdesk import paths

        db_path = paths.database_path()
        db_path.parent.mkdir(parents=True, exist_ok=True)
        history = History(open_database(db_path))
        conversation = history.create_conversation("Damaged")
        history.add_message(conversation.id, "user", "hello")
        history.db.close()
        stored = 0.0 if isinstance(value, float) and math.isnan(value) else value
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE conversations SET created_at = ?, updated_at = ?",
                         (stored, stored))
            conn.execute("UPDATE messages SET created_at = ?, updated_at = ?", (stored, stored))
        conn.close()
        every_view(folder)


@FUZZ
@given(st.integers(min_value=-(10**300), max_value=10**300),
       st.sampled_from(["prompt_tokens", "total_tokens"]))
def test_any_token_count_is_refused_or_imported(tmp_path_factory: pytest.TempPathFactory,
                                                count: int, field: str) -> None:
    folder = tmp_path_factory.mktemp("tokens")
    document = json.loads(GOOD)
    document["conversations"][0]["messages"][0]["usage"] = {field: count}
    source = folder / "tokens.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    with local_zone("UTC", folder / "data"):
        code, err = run("import", str(source))
        assert code == 0 or "refused" in err
    markdown = ('---\ntitle: "T"\ncreated: "2025-01-02T10:00:00Z"\nformat: "grokdesk-markdown"\n'
                'format_version: 1\n---\n\n# T\n\n<!-- grokdesk:message role="user" uuid="'
                f'{UUID}" created="2025-01-02T10:00:00Z" {field}="{count}" -->\n'
                "## User\n\nhi\n\n<!-- grokdesk:end -->\n")
    parsed = parse_text(markdown, "tokens.md")
    assert parsed.error is None or isinstance(parsed.error, ImportRefusedError)
    if parsed.error is None:
        history = History(open_database(folder / "md.sqlite3"))
        assert import_parsed(history, [parsed]).ok
        history.db.close()
