"""The JSON format on its own: exact round trips and clear refusals (no database here)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grokdesk.export.errors import MalformedFileError, NewerFormatError, UnknownFormatError
from grokdesk.export.jsonio import FORMAT_NAME, from_json, to_json, to_json_document
from grokdesk.export.records import ConversationRecord
from tests.export.strategies import records, simple_record


@settings(max_examples=100, deadline=None)
@given(st.lists(records(max_messages=4), max_size=3, unique_by=lambda r: r.conversation.uuid))
def test_json_round_trip_is_exact(found: list[ConversationRecord]) -> None:
    uuids = [m.uuid for r in found for m in r.messages]
    assume(len(uuids) == len(set(uuids)))
    assert from_json(to_json(found)) == found


def test_document_header_and_fields() -> None:
    record = simple_record()
    document = to_json_document([record], exported_at=0)
    assert document["format"] == FORMAT_NAME
    assert document["version"] == 2
    assert document["exported_at"] == "1970-01-01T00:00:00Z"
    message = document["conversations"][0]["messages"][0]
    assert set(message) == {"uuid", "parent_uuid", "role", "content", "reasoning", "model",
                            "status", "finish_reason", "error", "request_id",
                            "reasoning_effort", "usage",
                            "created_at", "updated_at", "timing"}
    assert "id" not in document["conversations"][0]


def test_carriage_returns_survive_exactly() -> None:
    record = simple_record()
    odd = replace(record.messages[0], content="a\rb\r\nc\n\r", reasoning="\r")
    record = replace(record, messages=(odd, *record.messages[1:]))
    assert from_json(to_json([record]))[0].messages[0] == odd


def _document() -> dict[str, object]:
    return json.loads(to_json([simple_record()]))  # type: ignore[no-any-return]


@pytest.mark.parametrize(("change", "error", "words"), [
    (lambda d: d.update(format="something-else"), UnknownFormatError, "not a grokdesk export"),
    (lambda d: d.update(version=3), NewerFormatError, "newer grokdesk"),
    (lambda d: d.update(version="1"), MalformedFileError, "$.version"),
    (lambda d: d.update(conversations={}), MalformedFileError, "$.conversations"),
    (lambda d: d["conversations"][0].pop("uuid"), MalformedFileError,
     "$.conversations[0].uuid should be"),
    (lambda d: d["conversations"][0]["messages"][1].update(role="tool"), MalformedFileError,
     "$.conversations[0].messages[1].role should be one of"),
    (lambda d: d["conversations"][0]["messages"][0].update(created_at=True), MalformedFileError,
     "created_at should be a number"),
    (lambda d: d["conversations"][0].update(created_at=1e20), MalformedFileError,
     "created_at should be a Unix time"),
    (lambda d: d["conversations"][0]["messages"][0]["usage"].update(prompt_tokens=1.5),
     MalformedFileError, "prompt_tokens should be a whole number"),
    (lambda d: d["conversations"][0]["messages"][0].update(content="\ud800"),
     MalformedFileError, "valid Unicode"),
    (lambda d: d["conversations"].append(d["conversations"][0]), MalformedFileError,
     "appears twice"),
])
def test_bad_documents_are_refused_with_the_place(change, error, words) -> None:  # type: ignore[no-untyped-def]
    document = _document()
    change(document)
    with pytest.raises(error) as caught:
        from_json(json.dumps(document), source="backup.json")
    assert words in str(caught.value)
    assert str(caught.value).startswith("backup.json: ")


def test_truncated_json_is_called_truncated() -> None:
    text = to_json([simple_record()])
    with pytest.raises(MalformedFileError, match="truncated"):
        from_json(text[: len(text) // 2])


@pytest.mark.parametrize("text", ["NaN", '{"format": "grokdesk-export", "version": Infinity}'])
def test_non_standard_json_numbers_are_refused(text: str) -> None:
    with pytest.raises(MalformedFileError):
        from_json(text)


def test_unknown_keys_are_ignored_for_forward_compatibility() -> None:
    document = _document()
    document["future"] = {"x": 1}
    document["conversations"][0]["folder"] = "work"  # type: ignore[index]
    assert len(from_json(json.dumps(document))) == 1
