"""``grokdesk export`` and ``import`` (grokdesk/cli_transfer.py), driven as cli.py drives them."""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from pathlib import Path

import pytest

from grokdesk.chat.service import ChatService
from grokdesk.cli_transfer import (
    add_export_parser,
    add_import_parser,
    run_export,
    run_import,
)
from grokdesk.config import Settings
from grokdesk.export.markdown import from_markdown
from grokdesk.export.report import MergeCounts
from grokdesk.secrets import KeyStore
from grokdesk.storage.repository import History
from tests.export.conftest import MakeHistory, dump
from tests.export.helpers import fill
from tests.support.memory_keyring import MemoryKeyring


def run(history: History, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="grokdesk")
    sub = parser.add_subparsers(dest="command")
    add_export_parser(sub)
    add_import_parser(sub)
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    core = ChatService(history, Settings(), KeyStore(MemoryKeyring()))
    run_command = run_import if args.command == "import" else run_export
    code = run_command(core, args, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def filled(history: History) -> History:
    fill(history, 3)
    return history


def _ids(history: History) -> list[str]:
    return [str(c.id) for c in history.list_conversations()]


def test_one_conversation_goes_to_stdout_as_markdown(filled: History) -> None:
    first = _ids(filled)[0]
    code, out, err = run(filled, "export", first)
    assert (code, err) == (0, "")
    record = from_markdown(out)
    assert all(m.reasoning == "" for m in record.messages)
    code, out, _ = run(filled, "export", first, "--include-reasoning", "--include-usage")
    assert "<details><summary>Reasoning</summary>" in out and "*Tokens: " in out


def test_json_to_stdout_for_any_number(filled: History) -> None:
    code, out, _ = run(filled, "export", "--all", "--format", "json")
    assert code == 0
    assert len(json.loads(out)["conversations"]) == 3


def test_several_markdown_conversations_need_out(filled: History) -> None:
    code, out, err = run(filled, "export", *_ids(filled)[:2])
    assert (code, out) == (2, "")
    assert "--out" in err


@pytest.mark.parametrize(("argv", "message"), [
    ((), "name the conversations"),
    (("1", "--all"), "not both"),
    (("--all", "--format", "json", "--out", "x.md"), "does not match"),
    (("999",), "there is no conversation 999 (see `grokdesk list`)"),
])
def test_usage_errors(filled: History, argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(filled, "export", *argv)
    assert code == 2 and out == ""
    assert err.startswith("grokdesk: ") and message in err


def test_all_to_folder_zip_and_json_file(filled: History, tmp_path: Path) -> None:
    code, out, _ = run(filled, "export", "--all", "--out", str(tmp_path / "chats"))
    assert code == 0 and "Exported 3 conversations (12 messages)" in out
    assert len(list((tmp_path / "chats").glob("*.md"))) == 3
    assert run(filled, "export", "--all", "-o", str(tmp_path / "chats.zip"))[0] == 0
    assert len(zipfile.ZipFile(tmp_path / "chats.zip").namelist()) == 3
    assert run(filled, "export", "--all", "-o", str(tmp_path / "all.json"))[0] == 0
    assert json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))["version"] == 2


def test_one_conversation_into_an_existing_folder_gets_a_safe_name(filled: History,
                                                                  tmp_path: Path) -> None:
    code, _, _ = run(filled, "export", _ids(filled)[0], "--out", str(tmp_path))
    [written] = list(tmp_path.glob("*.md"))
    assert code == 0 and written.name.endswith(" Chat 2- `code` & -html.md")


def test_import_reports_and_exit_codes(filled: History, make_history: MakeHistory,
                                       tmp_path: Path) -> None:
    run(filled, "export", "--all", "-o", str(tmp_path / "all.json"))
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    target = make_history("target")
    code, out, err = run(target, "import", str(tmp_path / "all.json"))
    assert code == 0 and err == ""
    assert "all.json (grokdesk JSON): 3 conversations imported; 12 messages added" in out
    assert out.endswith("Imported 3 conversations and 12 messages.\n")
    before = dump(target)
    code, out, err = run(target, "import", str(tmp_path / "all.json"),
                         str(tmp_path / "notes.md"))
    assert code == 1
    assert "skipped 3 duplicates" in out and "refused 1 file" in out
    assert err.startswith(f"grokdesk: refused {tmp_path / 'notes.md'}: this Markdown was not "
                          "exported by grokdesk")
    assert dump(target) == before


def _cli_wired(capsys: pytest.CaptureFixture[str]) -> bool:
    from grokdesk import cli

    wired = cli.main(["import", "--help"]) == 0
    capsys.readouterr()
    return wired


def test_through_the_real_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end once grokdesk/cli.py wires the two commands in."""
    if not _cli_wired(capsys):
        pytest.skip("grokdesk/cli.py does not wire `export` and `import` yet")
    from grokdesk import cli, paths
    from grokdesk.storage.db import open_database

    monkeypatch.setenv("GROKDESK_DATA_DIR", str(tmp_path / "data"))
    with open_database(paths.database_path()) as db:
        fill(History(db), 2)
    out, err = io.StringIO(), io.StringIO()
    backup = tmp_path / "backup.json"
    assert cli.main(["export", "--all", "--out", str(backup)], stdout=out, stderr=err) == 0
    assert cli.main(["import", str(backup)], stdout=out, stderr=err) == 0
    assert "skipped 2 duplicates" in out.getvalue() and err.getvalue() == ""


@pytest.mark.parametrize(("counts", "text"), [
    (MergeCounts(added=1, messages_added=2), "1 conversation imported; 2 messages added"),
    (MergeCounts(duplicates=2, messages_skipped=8),
     "2 duplicates skipped (8 messages already present)"),
    (MergeCounts(merged=1, duplicates=1, messages_added=1, messages_skipped=3),
     "1 existing updated, 1 duplicate skipped; 1 message added (3 messages already present)"),
    (MergeCounts(), "no conversations"),
])
def test_report_wording(counts: MergeCounts, text: str) -> None:
    assert counts.describe() == text


def test_several_conversations_cannot_go_to_one_md_file(filled: History, tmp_path: Path) -> None:
    code, _, err = run(filled, "export", "--all", "--out", str(tmp_path / "all.md"))
    assert code == 2 and "go to a folder or a .zip" in err
    assert not (tmp_path / "all.md").exists()


def test_exporting_an_empty_history(history: History) -> None:
    assert run(history, "export", "--all") == (0, "", "grokdesk: there are no conversations "
                                                      "to export\n")
