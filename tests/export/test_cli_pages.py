"""``grokdesk export --format html|pdf``: what the command line accepts and where pages go."""

from __future__ import annotations

from pathlib import Path

import pytest

from grokdesk.storage.repository import History
from tests.export.helpers import fill
from tests.export.page_checks import check_page
from tests.export.test_cli_transfer import run


@pytest.fixture
def filled(history: History) -> History:
    fill(history, 3)
    return history


def _ids(history: History) -> list[str]:
    return [str(c.id) for c in history.list_conversations()]


def test_one_conversation_goes_to_stdout_as_a_page(filled: History) -> None:
    code, out, err = run(filled, "export", _ids(filled)[0], "--format", "html")
    assert (code, err) == (0, "")
    page = check_page(out)
    assert page.problems == [] and "answer" in page.text


def test_the_extension_chooses_html(filled: History, tmp_path: Path) -> None:
    target = tmp_path / "chat.htm"
    code, out, _err = run(filled, "export", _ids(filled)[0], "--out", str(target))
    assert code == 0 and "Exported 1 conversation" in out
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_several_pages_go_to_a_folder_named_after_each_conversation(filled: History,
                                                                   tmp_path: Path) -> None:
    code, _out, _err = run(filled, "export", "--all", "--format", "html", "--out",
                           str(tmp_path / "pages"))
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "pages").iterdir())
    assert len(names) == 3 and all(n.endswith(".html") for n in names)


@pytest.mark.parametrize(("argv", "message"), [
    (["--format", "pdf"], "a PDF goes to a file: add --out FILE.pdf"),
    (["--format", "html", "--out", "x.md"], "--format html does not match --out x.md"),
    (["--format", "pdf", "--out", "x.html"], "--format pdf does not match --out x.html"),
])
def test_contradictions_are_usage_errors(filled: History, argv: list[str],
                                         message: str) -> None:
    code, out, err = run(filled, "export", _ids(filled)[0], *argv)
    assert (code, out) == (2, "") and message in err


def test_several_conversations_are_not_one_page(filled: History, tmp_path: Path) -> None:
    code, _out, err = run(filled, "export", "--all", "--out", str(tmp_path / "all.html"))
    assert code == 2 and "several conversations as HTML go to a folder or a .zip" in err
    code, _out, err = run(filled, "export", "--all", "--format", "html")
    assert code == 2 and "need --out FOLDER" in err
    assert not (tmp_path / "all.html").exists()
