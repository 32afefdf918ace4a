"""Times at the edges of what a date can be, in zones west and east of UTC.

Each case runs the real command line in a subprocess with ``TZ`` set: an import of a
time that is a date in UTC but not in the local zone is refused, and a history that
already holds such a time (written with sqlite3 directly) still lists, shows and
exports: every place that shows a time goes through one total formatter.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grokdesk import timestamps
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History

ZONES = ["America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tokyo"]
EDGE_TIMES = [-62135596800, -62135596800.5, 253402300799.0, 253402300800, -1e300, 1e300,
              10**30, -(10**30)]
NOT_NUMBERS = ["NaN", "Infinity", "-Infinity"]

DRIVER = """
import io, json, sys
from grokdesk.cli import main
results = []
for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    code = main(args, stdout=out, stderr=err, stdin=io.StringIO(""))
    results.append({"args": args, "code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(results))
"""


def run_cli(zone: str, commands: list[list[str]]) -> list[dict[str, object]]:
    """Run several commands in one real process whose local zone is ``zone``."""
    env = {**os.environ, "TZ": zone}
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(commands)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    results: list[dict[str, object]] = json.loads(done.stdout)
    for result in results:
        assert "unexpected error" not in str(result["err"]), result
        assert "Traceback" not in str(result["err"]), result
    return results


def grokdesk_json(created: object, n: int) -> str:
    stamp = json.dumps(created) if not isinstance(created, str) else created
    return ('{"format": "grokdesk-export", "version": 1, "conversations": [{'
            f'"uuid": "c-{n}", "title": "Edge", "created_at": {stamp}, "messages": ['
            f'{{"uuid": "m-{n}", "role": "user", "content": "hi", "created_at": {stamp}}}]}}]}}')


def markdown_doc(created: str, n: int) -> str:
    return ("---\n"
            'title: "Edge"\n'
            f'created: "{created}"\n'
            f'uuid: "6f1c1f0e-6b43-4a55-9d64-3c3f3b2a{n:04d}"\n'
            'format: "grokdesk-markdown"\n'
            "format_version: 1\n"
            "---\n\n# Edge\n\n"
            f'<!-- grokdesk:message role="user" uuid="0b4d3c55-2f6e-4a8a-8d4c-9a3e5e8d{n:04d}"'
            f' created="{created}" -->\n'
            "## User · then\n\nhi\n\n<!-- grokdesk:end -->\n")


def chatgpt_doc(created: object, n: int) -> str:
    stamp = json.dumps(created) if not isinstance(created, str) else created
    return json.dumps([{
        "id": f"chat-{n}", "title": f"Edge {n}", "current_node": "b", "create_time": 12345.0,
        "mapping": {
            "a": {"id": "a", "parent": None, "children": ["b"], "message": None},
            "b": {"id": "b", "parent": "a", "children": [], "message": {
                "author": {"role": "user"}, "create_time": 12345.0,
                "content": {"content_type": "text", "parts": ["hi"]}}},
        },
    }]).replace("12345.0", stamp)


def every_view(tmp_path: Path, ids: range) -> list[list[str]]:
    """Each command that turns a stored time into text, over conversations ``ids``."""
    views = [["list"], ["list", "--json"],
             ["export", "--all", "--format", "json", "-o", str(tmp_path / "backup.json")],
             ["export", "--all", "-o", str(tmp_path / "backup.zip")],
             ["export", "--all", "-o", str(tmp_path / "folder")]]
    for n in ids:
        views += [["show", str(n)], ["show", str(n), "--json"], ["export", str(n)]]
    return views


MARKDOWN_EDGES = ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00",
                  "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-12:00"]


@pytest.mark.parametrize("zone", ZONES)
def test_imports_of_times_that_are_no_date_everywhere_are_refused(tmp_path: Path,
                                                                  zone: str) -> None:
    sources = []
    for n, created in enumerate(EDGE_TIMES + NOT_NUMBERS):
        sources.append(tmp_path / f"edge-{n}.json")
        sources[-1].write_text(grokdesk_json(created, n), encoding="utf-8")
    for n, created in enumerate(MARKDOWN_EDGES):
        sources.append(tmp_path / f"edge-{n}.md")
        sources[-1].write_text(markdown_doc(created, n), encoding="utf-8")
    results = run_cli(zone, [*(["import", str(s)] for s in sources), ["list", "--json"]])
    for result in results[:-1]:
        assert result["code"] == 1, result
        assert "between the years 1 and 9999" in str(result["err"]) or \
            "is not valid JSON" in str(result["err"]), result
    assert json.loads(str(results[-1]["out"])) == []


@pytest.mark.parametrize("zone", ZONES)
def test_chatgpt_times_that_are_no_date_are_treated_as_missing(tmp_path: Path,
                                                               zone: str) -> None:
    """ChatGPT's times are optional: an impossible one is left out, the text kept."""
    edges = EDGE_TIMES
    sources = []
    for n, created in enumerate(edges):
        sources.append(tmp_path / f"conversations-{n}.json")
        sources[-1].write_text(chatgpt_doc(created, n), encoding="utf-8")
    results = run_cli(zone, [["import", *map(str, sources)],
                             *every_view(tmp_path, range(1, len(edges) + 1))])
    assert all(r["code"] == 0 for r in results), results
    listed = json.loads(str(results[2]["out"]))
    assert len(listed) == len(edges)
    assert all(timestamps.is_representable(c["created_at"]) for c in listed)


DAMAGE = [-62135596800.0, -62135596801.5, 253402300799.0, math.inf, -math.inf, 1e300, -1e300]


def damaged_history(path: Path) -> None:
    """Conversations whose times were damaged behind grokdesk's back, one per value."""
    db = open_database(path)
    history = History(db)
    for n, _ in enumerate(DAMAGE):
        conversation = history.create_conversation(f"Damaged {n}", created_at=1_700_000_000.0)
        history.add_message(conversation.id, "user", f"hello {n}", created_at=1_700_000_000.0)
    db.close()
    with sqlite3.connect(path) as conn:
        for n, value in enumerate(DAMAGE, start=1):
            conn.execute("UPDATE conversations SET created_at = ?, updated_at = ? WHERE id = ?",
                         (value, value, n))
            conn.execute("UPDATE messages SET created_at = ?, updated_at = ?,"
                         " finished_at = ? WHERE conversation_id = ?", (value, value, value, n))
    conn.close()


@pytest.mark.parametrize("zone", ZONES)
def test_a_damaged_history_still_lists_shows_and_exports(tmp_path: Path, zone: str) -> None:
    from grokdesk import paths

    path = paths.database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    damaged_history(path)
    results = run_cli(zone, every_view(tmp_path, range(1, len(DAMAGE) + 1)))
    assert all(r["code"] == 0 for r in results), results
    assert all(f"Damaged {n}" in str(results[0]["out"]) for n in range(len(DAMAGE)))
    backup = json.loads((tmp_path / "backup.json").read_text(encoding="utf-8"))
    assert sorted(m["content"] for c in backup["conversations"] for m in c["messages"]) == \
        sorted(f"hello {n}" for n in range(len(DAMAGE)))
    assert len(list((tmp_path / "folder").iterdir())) == len(DAMAGE)


@pytest.mark.parametrize("value", [*EDGE_TIMES, math.nan, math.inf, -math.inf, "text", None,
                                   True, 10**400])
@pytest.mark.parametrize("pattern", ["%Y-%m-%d %H:%M", "%d %b %Y %H:%M", "%A %Z %z"])
def test_format_time_is_total(value: object, pattern: str) -> None:
    from zoneinfo import ZoneInfo

    for zone in [None, *map(ZoneInfo, ZONES)]:
        assert isinstance(timestamps.format_time(value, pattern, zone), str)
        assert timestamps.local_moment(value, zone).year in range(1, 10000)
