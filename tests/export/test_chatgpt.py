"""ChatGPT's conversations.json: every branch of each tree, ``current_node`` current,
deterministic uuids."""

from __future__ import annotations

from typing import Any

import pytest

from grokdesk.export.errors import MalformedFileError
from grokdesk.export.importers import (
    conversation_uuid,
    from_chatgpt_document,
    is_chatgpt_document,
)


def _node(node_id: str, parent: str | None, children: list[str], role: str | None = None,
          text: str = "", **extra: Any) -> dict[str, Any]:
    message = None
    if role is not None:
        message = {"id": node_id, "author": {"role": role}, "create_time": 1_700_000_000.0,
                   "content": {"content_type": "text", "parts": [text]},
                   "recipient": "all", "metadata": {}, **extra}
    return {"id": node_id, "message": message, "parent": parent, "children": children}


def sample_export() -> list[dict[str, Any]]:
    """A tree with an edited question: the old branch (u1/a1) is kept beside the new."""
    mapping = {
        "root": _node("root", None, ["sys"]),
        "sys": _node("sys", "root", ["u1", "u1b"], "system", "You are ChatGPT"),
        "u1": _node("u1", "sys", ["a1"], "user", "first try"),
        "a1": _node("a1", "u1", [], "assistant", "old answer"),
        "u1b": _node("u1b", "sys", ["hidden"], "user", "edited question"),
        "hidden": _node("hidden", "u1b", ["tool"], "user", "custom instructions",
                        metadata={"is_visually_hidden_from_conversation": True}),
        "tool": _node("tool", "hidden", ["think"], "assistant", "search('x')",
                      recipient="browser"),
        "think": _node("think", "tool", ["a2"], "assistant"),
        "a2": _node("a2", "think", ["empty"], "assistant", "new answer",
                    metadata={"model_slug": "gpt-4o"}),
        "empty": _node("empty", "a2", [], "assistant", "   "),
    }
    mapping["think"]["message"]["content"] = {
        "content_type": "thoughts", "thoughts": [{"summary": "Plan", "content": "Think it"}]}
    return [{"title": "Edited chat", "create_time": 1_699_999_999.5,
             "update_time": 1_700_000_100.0, "mapping": mapping, "current_node": "empty",
             "conversation_id": "abc-123"}]


def test_every_branch_is_kept_with_the_current_node_current() -> None:
    [record] = from_chatgpt_document(sample_export())
    assert record.conversation.title == "Edited chat"
    assert record.conversation.created_at == 1_699_999_999.5
    assert [(m.role, m.content) for m in record.path()] == [
        ("user", "edited question"), ("assistant", "new answer")]
    answer = record.path()[1]
    assert answer.model == "gpt-4o"
    assert answer.reasoning == "Plan\n\nThink it"
    assert record.conversation.settings.model is None  # never send gpt-4o to Grok
    by_content = {m.content: m for m in record.messages}
    assert set(by_content) == {"first try", "old answer", "edited question", "new answer"}
    assert by_content["first try"].parent_id is None
    assert by_content["edited question"].parent_id is None  # the system node is skipped
    assert by_content["old answer"].parent_id == by_content["first try"].id
    assert by_content["new answer"].parent_id == by_content["edited question"].id
    assert record.current_leaf_id == by_content["new answer"].id  # "empty" is skipped


def test_the_current_node_on_another_branch_makes_it_current() -> None:
    export = sample_export()
    export[0]["current_node"] = "a1"
    [record] = from_chatgpt_document(export)
    assert [m.content for m in record.path()] == ["first try", "old answer"]
    assert len(record.messages) == 4


def test_reasoning_summaries_stay_on_their_own_branch() -> None:
    export = sample_export()
    mapping = export[0]["mapping"]
    mapping["u1"]["children"] = ["a1", "think2"]
    mapping["think2"] = _node("think2", "u1", ["a1b"], "assistant")
    mapping["think2"]["message"]["content"] = {
        "content_type": "thoughts", "thoughts": [{"summary": "Other plan"}]}
    mapping["a1b"] = _node("a1b", "think2", [], "assistant", "regenerated answer")
    [record] = from_chatgpt_document(export)
    by_content = {m.content: m for m in record.messages}
    assert by_content["regenerated answer"].reasoning == "Other plan"
    assert by_content["old answer"].reasoning == ""
    assert by_content["regenerated answer"].parent_id == by_content["first try"].id
    assert by_content["new answer"].reasoning == "Plan\n\nThink it"


def test_ids_are_deterministic_so_reimports_are_recognised() -> None:
    first = from_chatgpt_document(sample_export())[0]
    second = from_chatgpt_document(sample_export())[0]
    assert first.conversation.uuid == second.conversation.uuid == conversation_uuid("abc-123")
    assert [m.uuid for m in first.messages] == [m.uuid for m in second.messages]


def test_missing_current_node_follows_the_newest_branch() -> None:
    export = sample_export()
    del export[0]["current_node"]
    [record] = from_chatgpt_document(export)
    assert [m.content for m in record.path()] == ["edited question", "new answer"]


def test_images_and_multimodal_parts() -> None:
    export = sample_export()
    export[0]["mapping"]["u1b"]["message"]["content"] = {
        "content_type": "multimodal_text",
        "parts": [{"content_type": "image_asset_pointer", "asset_pointer": "file-1"}, "what?"]}
    [record] = from_chatgpt_document(export)
    assert record.path()[0].content == "[image]\n\nwhat?"


def test_detection() -> None:
    assert is_chatgpt_document(sample_export())
    assert is_chatgpt_document(sample_export()[0])
    assert not is_chatgpt_document([])
    assert not is_chatgpt_document({"format": "grokdesk-export"})
    assert not is_chatgpt_document([{"title": "x"}])


def test_a_loop_in_the_tree_is_refused() -> None:
    export = sample_export()
    export[0]["mapping"]["root"]["parent"] = "a2"
    with pytest.raises(MalformedFileError, match="loops"):
        from_chatgpt_document(export, source="conversations.json")


@pytest.mark.parametrize("node", ["u1b", "a1"])
def test_a_dangling_parent_is_refused(node: str) -> None:
    """On the current branch or another: every branch is imported, so every one counts."""
    export = sample_export()
    export[0]["mapping"][node]["parent"] = "nowhere"
    with pytest.raises(MalformedFileError, match="missing from mapping"):
        from_chatgpt_document(export)


def test_lone_surrogates_are_replaced() -> None:
    export = sample_export()
    export[0]["mapping"]["u1b"]["message"]["content"]["parts"] = ["bad \ud83d half"]
    [record] = from_chatgpt_document(export)
    assert record.path()[0].content == "bad \ufffd half"


def _cycle(length: int, first: int = 0) -> dict[str, dict[str, Any]]:
    """Nodes n{first}…, each the parent of the next and the last the parent of the first."""
    ids = [f"n{first + i}" for i in range(length)]
    return {node_id: _node(node_id, ids[i - 1], [ids[(i + 1) % length]], "user", node_id)
            for i, node_id in enumerate(ids)}


def _rootless_trees() -> list[tuple[str, dict[str, dict[str, Any]]]]:
    trees: list[tuple[str, dict[str, dict[str, Any]]]] = []
    for length in (1, 2, 3, 7, 50):
        trees.append((f"cycle of {length}", _cycle(length)))
        tail = _cycle(length)
        tail["leaf"] = _node("leaf", "n0", [], "assistant", "hanging off the loop")
        trees.append((f"cycle of {length} with a branch", tail))
        trees.append((f"two cycles of {length}", {**_cycle(length), **_cycle(length, 100)}))
    for depth in (1, 2, 5):
        chain = {f"c{i}": _node(f"c{i}", f"c{i - 1}" if i else "gone", [], "user", "x")
                 for i in range(depth)}
        trees.append((f"missing parent under {depth}", chain))
    return trees


@pytest.mark.parametrize(("shape", "mapping"), _rootless_trees(),
                         ids=[shape for shape, _ in _rootless_trees()])
@pytest.mark.parametrize("current", [None, "absent"])
def test_a_tree_without_a_root_is_refused_with_the_file_and_node(
        shape: str, mapping: dict[str, dict[str, Any]], current: str | None) -> None:
    export = [{"title": "Loop", "mapping": mapping, "conversation_id": "loop"}]
    if current is not None:
        export[0]["current_node"] = current
    with pytest.raises(MalformedFileError) as caught:
        from_chatgpt_document(export, source="conversations.json")
    message = str(caught.value)
    assert message.startswith("conversations.json: conversation 1: ")
    assert "root" in message
    assert any(f"'{node_id}'" in message for node_id in [*mapping, "gone"]), message


@pytest.mark.parametrize("length", [1, 2, 5])
def test_a_loop_beside_a_rooted_branch_keeps_the_branch(length: int) -> None:
    mapping = {"root": _node("root", None, ["u"]), "u": _node("u", "root", [], "user", "kept"),
               **_cycle(length)}
    [record] = from_chatgpt_document([{"title": "T", "mapping": mapping}])
    assert [m.content for m in record.messages] == ["kept"]
