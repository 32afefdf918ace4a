"""The command line's housekeeping: ``rename``, ``pin``, ``unpin`` and ``delete``."""

from __future__ import annotations

import io
import json
from typing import Any

from grokdesk.cli import main
from grokdesk.errors import ExitCode
from tests.cli.test_cli import Run, grokdesk
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI


class Terminal(io.StringIO):
    """Typed answers, as from a terminal."""

    def isatty(self) -> bool:
        return True


def chats(api: FakeAPI, *questions: str) -> list[int]:
    """One conversation per question, oldest first."""
    for question in questions:
        api.queue(fake.stream([], [f"About {question}."]))
        assert grokdesk("ask", question).code == ExitCode.OK
    return [c["id"] for c in reversed(listed())]


def listed() -> list[dict[str, Any]]:
    return json.loads(grokdesk("list", "--json").out)  # type: ignore[no-any-return]


def typed(*args: str, answer: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=Terminal(answer))
    return Run(code, out.getvalue(), err.getvalue())


def test_rename_keeps_one_plain_line_and_refuses_a_blank_title(api: FakeAPI) -> None:
    [chat] = chats(api, "Soup")
    result = grokdesk("rename", str(chat), " Soups\tof", "the\u200b world\n")
    assert result.code == ExitCode.OK, result.err
    assert result.out == f"{chat}: Soups of the world\n"
    refused = grokdesk("rename", str(chat), " \t\u200b")
    assert refused.code == ExitCode.FAILURE
    assert "needs a title" in refused.err and "old title stays" in refused.err
    assert listed()[0]["title"] == "Soups of the world"


def test_pin_puts_a_conversation_first_and_unpin_gives_it_back_its_place(
        api: FakeAPI) -> None:
    older, newer = chats(api, "Older", "Newer")
    assert [c["id"] for c in listed()] == [newer, older]
    assert grokdesk("pin", str(older)).out == f"Pinned {older}: Older\n"
    assert [(c["id"], c["pinned"]) for c in listed()] == [(older, True), (newer, False)]
    assert grokdesk("unpin", str(older)).code == ExitCode.OK
    assert [c["id"] for c in listed()] == [newer, older]


def test_delete_asks_on_a_terminal_and_needs_yes_elsewhere(api: FakeAPI) -> None:
    keep, doomed = chats(api, "Keep me", "Delete me")
    declined = typed("delete", str(doomed), answer="n\n")
    assert declined.code == ExitCode.OK and declined.out == "Nothing deleted.\n"
    assert "Delete me, 2 messages" in declined.err and "[y/N]" in declined.err
    piped = grokdesk("delete", str(doomed))
    assert piped.code == ExitCode.USAGE and "--yes" in piped.err
    assert len(listed()) == 2
    agreed = typed("delete", str(doomed), answer="y\n")
    assert agreed.out == f"Deleted {doomed}: Delete me\n"
    assert [c["id"] for c in listed()] == [keep]


def test_delete_with_an_unknown_id_deletes_nothing(api: FakeAPI) -> None:
    [chat] = chats(api, "Stay")
    result = grokdesk("delete", str(chat), "999", "--yes")
    assert result.code == ExitCode.USAGE and "no conversation 999" in result.err
    assert [c["id"] for c in listed()] == [chat]
    assert grokdesk("delete", str(chat), "--yes").code == ExitCode.OK
    assert listed() == []
