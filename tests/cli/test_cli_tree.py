"""The command line over conversation trees, against the fake server: every line of the
contract (``ask --regenerate``, ``edit``, ``branch``, ``show --json [--tree]``) and its
errors."""

from __future__ import annotations

import json
from typing import Any

from grokdesk.errors import ExitCode
from tests.cli.test_cli import grokdesk
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI


def shown(conversation_id: int, *extra: str) -> dict[str, Any]:
    result = grokdesk("show", str(conversation_id), "--json", *extra)
    assert result.code == ExitCode.OK, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def ask(*args: str, answer: str, api: FakeAPI) -> None:
    api.queue(fake.stream(["Thinking."], [answer]))
    result = grokdesk("ask", *args)
    assert result.code == ExitCode.OK, result.err
    assert result.out == answer + "\n"


def two_turns(api: FakeAPI) -> dict[str, Any]:
    """A conversation: question, answer, question, answer."""
    ask("First question", answer="First answer", api=api)
    ask("Second question", "--continue", answer="Second answer", api=api)
    conversation_id = json.loads(grokdesk("list", "--json").out)[0]["id"]
    return shown(conversation_id)


def test_ask_regenerate_adds_a_sibling_of_the_last_answer(api: FakeAPI) -> None:
    before = two_turns(api)
    old = before["messages"][-1]
    api.queue(fake.stream(["Again."], ["Another answer"]))
    result = grokdesk("ask", "--regenerate", "-c", str(before["id"]), "-m", "grok-other",
                      "--reasoning-effort", "low")
    assert result.code == ExitCode.OK, result.err
    assert result.out == "Another answer\n"
    body = api.last_body
    assert body["model"] == "grok-other" and body["reasoning"] == {"effort": "low"}
    # Only the active path is sent: the old answer is not.
    assert [m["content"] for m in body["messages"]] == [
        "First question", "First answer", "Second question"]
    after = shown(before["id"])
    new = after["messages"][-1]
    assert new["content"] == "Another answer" and new["parent_id"] == old["parent_id"]
    assert new["sibling_ids"] == [old["id"], new["id"]]
    assert [m["content"] for m in after["messages"][:-1]] == [
        "First question", "First answer", "Second question"]
    # The override was for this answer only.
    conversation = json.loads(grokdesk("list", "--json").out)[0]
    assert conversation["model"] is None


def test_ask_regenerate_continues_the_newest_conversation(api: FakeAPI) -> None:
    before = two_turns(api)
    api.queue(fake.stream(["Hm."], ["Third version"]))
    assert grokdesk("ask", "--regenerate", "--continue").out == "Third version\n"
    api.queue(fake.stream(["Hm."], ["Fourth version"]))
    assert grokdesk("ask", "--regenerate").out == "Fourth version\n"
    last = shown(before["id"])["messages"][-1]
    assert last["content"] == "Fourth version" and len(last["sibling_ids"]) == 3


def test_edit_adds_a_sibling_of_the_user_message_and_prints_its_answer(api: FakeAPI) -> None:
    before = two_turns(api)
    second = before["messages"][2]
    api.queue(fake.stream(["Edited thought."], ["Edited answer"]))
    result = grokdesk("edit", str(second["id"]), "Second question, better")
    assert result.code == ExitCode.OK, result.err
    assert result.out == "Edited answer\n"
    assert [m["content"] for m in api.last_body["messages"]] == [
        "First question", "First answer", "Second question, better"]
    after = shown(before["id"])
    assert [m["content"] for m in after["messages"]] == [
        "First question", "First answer", "Second question, better", "Edited answer"]
    edited = after["messages"][2]
    assert edited["sibling_ids"] == [second["id"], edited["id"]]
    assert edited["parent_id"] == second["parent_id"]


def test_edit_reads_the_text_from_stdin(api: FakeAPI) -> None:
    before = two_turns(api)
    first = before["messages"][0]
    api.queue(fake.stream(["Hm."], ["From the top"]))
    result = grokdesk("edit", str(first["id"]), "-", stdin="A new first question\n")
    assert result.code == ExitCode.OK, result.err
    assert result.out == "From the top\n"
    after = shown(before["id"])
    assert [m["content"] for m in after["messages"]] == ["A new first question\n",
                                                          "From the top"]
    assert after["messages"][0]["parent_id"] is None
    assert after["messages"][0]["sibling_ids"] == [first["id"], after["messages"][0]["id"]]


def test_branch_makes_the_path_through_a_message_current(api: FakeAPI) -> None:
    before = two_turns(api)
    first_answer = before["messages"][1]
    api.queue(fake.stream(["Hm."], ["Second first answer"]))
    grokdesk("edit", str(before["messages"][0]["id"]), "Other start")
    result = grokdesk("branch", str(first_answer["id"]))
    assert result.code == ExitCode.OK, result.err
    # Ends at the newest leaf below the message: the original second answer.
    assert [m["id"] for m in shown(before["id"])["messages"]] == [
        m["id"] for m in before["messages"]]
    result = grokdesk("branch", str(before["messages"][0]["id"]))
    assert result.code == ExitCode.OK
    assert shown(before["id"])["messages"][-1]["id"] == before["messages"][-1]["id"]


def test_show_json_tree_gives_every_message_of_every_branch(api: FakeAPI) -> None:
    before = two_turns(api)
    api.queue(fake.stream(["Hm."], ["Regenerated"]))
    assert grokdesk("ask", "--regenerate").code == ExitCode.OK
    api.queue(fake.stream(["Hm."], ["Edited first"]))
    assert grokdesk("edit", str(before["messages"][0]["id"]), "Edited start").code == 0
    tree = shown(before["id"], "--tree")
    assert {"id", "title", "current_leaf_id", "messages"} <= set(tree)
    assert len(tree["messages"]) == 7
    by_id = {m["id"]: m for m in tree["messages"]}
    assert tree["current_leaf_id"] == shown(before["id"])["messages"][-1]["id"]
    assert by_id[tree["current_leaf_id"]]["content"] == "Edited first"
    for message in tree["messages"]:
        assert message["parent_id"] is None or message["parent_id"] in by_id
        assert {"id", "parent_id", "role", "content", "reasoning", "status"} <= set(message)
    roots = [m for m in tree["messages"] if m["parent_id"] is None]
    assert [m["content"] for m in roots] == ["First question", "Edited start"]


def test_show_json_gives_the_contract_fields_for_the_active_path(api: FakeAPI) -> None:
    data = two_turns(api)
    assert {"id", "title", "messages"} <= set(data)
    for message in data["messages"]:
        assert {"id", "parent_id", "role", "content", "reasoning", "status",
                "sibling_ids"} <= set(message)
        assert message["sibling_ids"] == [message["id"]]
    assert [m["parent_id"] for m in data["messages"]] == [
        None, *(m["id"] for m in data["messages"][:-1])]


def test_tree_commands_refuse_unknown_and_wrong_ids(api: FakeAPI) -> None:
    before = two_turns(api)
    answer_id = before["messages"][1]["id"]
    for args in (("edit", "9999", "text"), ("branch", "9999")):
        result = grokdesk(*args)
        assert result.code == ExitCode.USAGE
        assert "there is no message 9999" in result.err and "Traceback" not in result.err
    result = grokdesk("edit", str(answer_id), "text")
    assert result.code == ExitCode.USAGE
    assert "is an answer" in result.err and "--regenerate" in result.err
    result = grokdesk("edit", str(before["messages"][0]["id"]), "-", stdin="  \n")
    assert result.code == ExitCode.USAGE and "empty" in result.err
    result = grokdesk("show", str(before["id"]), "--tree")
    assert result.code == ExitCode.USAGE and "--json" in result.err
    result = grokdesk("ask", "--regenerate", "-c", "9999")
    assert result.code == ExitCode.USAGE and "no conversation 9999" in result.err
    result = grokdesk("ask", "A question", "--regenerate")
    assert result.code == ExitCode.USAGE and "takes no question" in result.err
    assert shown(before["id"]) == before  # nothing changed


def test_ask_regenerate_without_a_conversation_says_how_to_start(api: FakeAPI) -> None:
    result = grokdesk("ask", "--regenerate")
    assert result.code == ExitCode.USAGE and "grokdesk ask" in result.err


def test_a_failed_regenerate_keeps_every_version(api: FakeAPI) -> None:
    before = two_turns(api)
    api.queue(fake.json_error(401, "Invalid API key"))
    result = grokdesk("ask", "--regenerate")
    assert result.code == ExitCode.FAILURE and "HTTP 401" in result.err
    last = shown(before["id"])["messages"][-1]
    assert last["status"] == "error" and len(last["sibling_ids"]) == 2
    assert before["messages"][-1]["id"] in last["sibling_ids"]


def test_answers_print_through_the_visible_writer(api: FakeAPI) -> None:
    before = two_turns(api)
    api.queue(fake.stream(["Hm."], ["bad\x1b[2Jtext"]))
    result = grokdesk("edit", str(before["messages"][2]["id"]), "again")
    assert result.code == ExitCode.OK
    assert "\x1b" not in result.out and "<U+001B>" in result.out
