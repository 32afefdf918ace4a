"""HTML export: golden files, a parser's view of what the page may hold, math as SVG,
hostile model output kept inert, and the files a history export writes."""

from __future__ import annotations

import os
import zipfile
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from grokdesk.export import ExportOptions, export_conversations
from grokdesk.export.page import document, to_html
from grokdesk.export.records import ConversationRecord
from grokdesk.render.math.typeset import clear_cache
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from tests.export.page_checks import SAFE_LINK, check_page
from tests.export.records import (
    DISPLAY_MATH,
    HOSTILE,
    INLINE_MATH,
    MATH,
    PLAIN,
    STATUSES,
    UNTYPESETTABLE,
    conversation,
    message,
)
from tests.export.strategies import records
from tests.security.test_untrusted_output import HOSTILE as HOSTILE_TEXTS

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("GROKDESK_REGEN_GOLDEN") == "1"
TRAP_URL = "http://127.0.0.1:9/trap"
TRAP_FILE = "file:///tmp/grokdesk-trap"


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Golden files must not change with every release."""
    monkeypatch.setattr(document, "__version__", "9.9.9")


CASES: dict[str, tuple[ConversationRecord, bool]] = {
    "plain.html": (PLAIN, False),
    "plain-with-reasoning.html": (PLAIN, True),
    "math.html": (MATH, True),
    "statuses.html": (STATUSES, True),
    "hostile.html": (HOSTILE, True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_html_matches_golden_file(name: str) -> None:
    record, reasoning = CASES[name]
    rendered = to_html(record, include_reasoning=reasoning, tz=UTC)
    path = GOLDEN / name
    if REGENERATE:
        path.write_bytes(rendered.encode("utf-8"))
    assert rendered == path.read_bytes().decode("utf-8"), (
        f"{name} changed; if intended, rerun with GROKDESK_REGEN_GOLDEN=1 and review the diff")


def test_a_page_does_not_depend_on_the_pages_exported_before() -> None:
    # The hostile page has math the typesetter fails on inside a \text: that once changed
    # how every later equation was typeset, so math.html came out one way alone and another
    # after the hostile page. From cold, so that both pages are typeset here.
    clear_cache()
    to_html(HOSTILE, include_reasoning=True, tz=UTC)
    rendered = to_html(MATH, include_reasoning=True, tz=UTC)
    assert rendered == (GOLDEN / "math.html").read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_pages_run_and_load_nothing(name: str) -> None:
    page = check_page((GOLDEN / name).read_bytes().decode("utf-8"))
    assert page.problems == []
    assert "script" not in page.tags


def test_every_math_node_is_an_svg_labelled_with_its_source() -> None:
    page = check_page(to_html(MATH, tz=UTC))
    assert page.problems == []
    assert sorted(page.math) == sorted(INLINE_MATH + DISPLAY_MATH + ["$ax^2 + bx + c = 0$"])
    assert set(page.math_classes) <= {"svg", "div"} and page.math_classes.count("svg") == 7
    for source in INLINE_MATH + DISPLAY_MATH:
        assert source not in page.text  # typeset, not shown as text
    assert UNTYPESETTABLE in page.text  # the fallback shows the source
    assert "It costs $5 and $10, not math." in page.text
    assert "$\\frac{a}{b}$" in page.text and "\\(x\\)" in page.text  # code stays code


def test_math_follows_the_text_colour_and_sits_on_the_baseline() -> None:
    text = to_html(MATH, tz=UTC)
    inline = text[text.index('<svg class="math math-inline"'):]
    inline = inline[:inline.index("</svg>")]
    assert 'style="vertical-align:-' in inline
    assert 'fill="currentColor"' in inline and "#1f2328" not in inline


def test_the_stylesheet_has_light_dark_and_print_looks() -> None:
    css = check_page(to_html(PLAIN, tz=UTC)).css
    assert "@media screen and (prefers-color-scheme: dark)" in css
    printed = css[css.index("@media print"):]
    assert "--bg: #ffffff" in printed and "page-break-inside: avoid" in printed
    assert ".code" in printed.split("page-break-inside")[0]


def test_reasoning_is_folded_away_and_only_when_asked() -> None:
    with_reasoning = check_page(to_html(PLAIN, include_reasoning=True, tz=UTC))
    assert "details" in with_reasoning.tags and "summary" in with_reasoning.tags
    assert "Reasoning · thought for 4.0 s" in with_reasoning.text
    assert "Keep it short." in with_reasoning.text
    without = check_page(to_html(PLAIN, tz=UTC))
    assert "details" not in without.tags and "Keep it short." not in without.text


def test_each_answer_has_its_small_print() -> None:
    page = check_page(to_html(PLAIN, tz=UTC))
    assert ("grok-3-mini · effort high · 1,200 prompt / 340 completion / 210 reasoning tokens"
            " · $0.00041 · took 12 s") in page.text
    assert "User · 2025-01-02 10:00 UTC" in page.text


def test_code_is_highlighted_with_classes_and_links_keep_their_targets() -> None:
    text = to_html(PLAIN, tz=UTC)
    assert '<span class="k">lambda</span>' in text
    assert '<div class="code-lang">python</div>' in text
    assert check_page(text).links == ["https://docs.python.org/3/howto/sorting.html"]
    assert "grokdesk-copy" not in text and "Copy</a>" not in text
    assert '<td class="right">36</td>' in text


def test_hostile_output_stays_inert_text() -> None:
    text = to_html(HOSTILE, include_reasoning=True, tz=UTC)
    page = check_page(text)
    assert page.problems == []
    assert page.links == ["https://ok.example/auto", "https://ok.example/a?b=1&c=2",
                          "mailto:a@b.example"]
    for shown in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                  "</title><script>alert('title')</script> evil",
                  "<script>alert('model')</script>",
                  "<details><summary>x</summary><script>alert(8)</script></details>",
                  "[image: pixel] https://tracker.example/p.png",
                  'onclick="alert(1)"', "<style>body { background: url("):
        assert shown in page.text, shown
    assert "\u202e" not in text
    assert "code<U+202E>" in page.text
    assert "<title>&lt;/title&gt;&lt;script&gt;" in text


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_the_renderers_hostile_corpus_loads_nothing_from_a_page(name: str) -> None:
    content = HOSTILE_TEXTS[name].format(url=TRAP_URL, file=TRAP_FILE)
    record = conversation("t", message(0, "assistant", content, reasoning=content))
    page = check_page(to_html(record, include_reasoning=True, tz=UTC))
    assert page.problems == []
    assert all(link.startswith(("http://", "https://", "mailto:")) for link in page.links)


def test_folds_are_dropped_and_the_models_own_zero_width_space_is_kept() -> None:
    record = conversation("t", message(0, "assistant", "x" * 500 + " a\u200bb"))
    text = check_page(to_html(record, tz=UTC)).text
    assert "x" * 500 in text
    assert "a\u200bb" in text and text.count("\u200b") == 1


def test_a_history_exports_html_files_to_a_folder_and_a_zip(history: History,
                                                             tmp_path: Path) -> None:
    first = history.create_conversation("First <one>", ConversationSettings(model="m"))
    history.add_message(first.id, "user", r"What is \(2^{10}\)?")
    history.add_message(first.id, "assistant", "**1024**", model="m")
    second = history.create_conversation("Second", ConversationSettings())
    history.add_message(second.id, "user", "hi")
    options = ExportOptions(format="html", tz=UTC)
    single = export_conversations(history, [first.id], tmp_path / "one.html", options)
    assert single.files == ("one.html",)
    page = check_page((tmp_path / "one.html").read_text(encoding="utf-8"))
    assert page.problems == [] and page.math == [r"\(2^{10}\)"]
    assert "1024" in page.text and "First <one>" in page.text
    folder = export_conversations(history, None, tmp_path / "pages", options)
    assert all(name.endswith(".html") for name in folder.files) and len(folder.files) == 2
    zipped = export_conversations(history, None, tmp_path / "pages.zip", options)
    with zipfile.ZipFile(tmp_path / "pages.zip") as archive:
        assert sorted(archive.namelist()) == sorted(zipped.files)
        assert all(check_page(archive.read(n).decode("utf-8")).problems == []
                   for n in archive.namelist())


def test_a_page_shows_the_active_path_of_a_branched_conversation(history: History,
                                                                 tmp_path: Path) -> None:
    chat = history.create_conversation("Versions", ConversationSettings())
    question = history.add_message(chat.id, "user", "Name a colour")
    history.add_message(chat.id, "assistant", "Older answer: red", parent_id=question.id)
    history.add_message(chat.id, "assistant", "Newer answer: blue", parent_id=question.id)
    options = ExportOptions(format="html", tz=UTC)
    export_conversations(history, [chat.id], tmp_path / "page.html", options)
    page = check_page((tmp_path / "page.html").read_text(encoding="utf-8"))
    assert page.problems == []
    assert "Newer answer: blue" in page.text and "Older answer" not in page.text
    assert "2 messages" in page.text


def test_an_empty_conversation_is_still_a_page() -> None:
    record = replace(PLAIN, messages=())
    page = check_page(to_html(record, tz=UTC))
    assert page.problems == [] and "0 messages" in page.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_any_conversation_gives_a_page_that_runs_and_loads_nothing(
        record: ConversationRecord) -> None:
    page = check_page(to_html(record, include_reasoning=True, tz=UTC))
    assert page.problems == []
    assert all(SAFE_LINK.match(link) for link in page.links)
