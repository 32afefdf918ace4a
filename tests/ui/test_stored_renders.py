"""Full renders kept for the session and, for the messages on screen at quit, on disk
(grokdesk.ui.transcript.stored_renders): the same render, and never a stale one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import grokdesk
from grokdesk.render import markdown
from grokdesk.render.markdown import Rendered, render_markdown
from grokdesk.render.math import MathOptions
from grokdesk.ui.transcript import stored_renders
from grokdesk.ui.transcript.message_body import MessageBody
from grokdesk.ui.transcript.stored_renders import KEPT_FOR_SESSION, KEPT_ON_DISK, StoredRenders

CODE = "Some code:\n\n```python\nprint('hi')\n```\n"


def _kept_afresh(path: Path) -> int:
    """Load ``path`` as a new session does: nothing kept before."""
    stored_renders.forget()
    return StoredRenders(path).load()


def test_what_is_written_at_quit_is_shown_as_it_was_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "renders.json"
    texts = [f"Message **{n}**" for n in range(KEPT_ON_DISK + 3)] + [CODE]
    renders = {(text, dark): render_markdown(text, dark=dark)
               for text in texts for dark in (False, True)}
    for (text, dark), rendered in renders.items():
        stored_renders.keep(text, dark, rendered)
    StoredRenders(path).save(texts)
    assert path.stat().st_mode & 0o777 == 0o600
    assert _kept_afresh(path) == 2 * KEPT_ON_DISK
    for text in texts[-KEPT_ON_DISK:]:
        for dark in (False, True):
            assert stored_renders.kept(text, dark) == renders[(text, dark)]
    assert stored_renders.kept(texts[0], False) is None, "only the last messages"


def test_renders_of_another_renderer_are_not_used(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "renders.json"
    stored_renders.keep(CODE, False, render_markdown(CODE))
    StoredRenders(path).save([CODE])
    monkeypatch.setattr(grokdesk, "__version__", "0.0.0-other")
    assert _kept_afresh(path) == 0
    assert stored_renders.kept(CODE, False) is None


def test_a_changed_renderer_file_makes_another_fingerprint(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = stored_renders.renderer_fingerprint()
    source = tmp_path / "grokdesk" / "ui" / "transcript" / "stored_renders.py"
    render = tmp_path / "grokdesk" / "render"
    source.parent.mkdir(parents=True)
    render.mkdir()
    (render / "markdown.py").write_text("one")
    monkeypatch.setattr(stored_renders, "__file__", str(source))
    first = stored_renders.renderer_fingerprint()
    (render / "markdown.py").write_text("other")
    assert stored_renders.renderer_fingerprint() != first != before


def test_a_render_with_math_or_a_huge_text_is_not_kept() -> None:
    """Math the worker could not typeset shows as its source, with no images and nothing
    pending: a new process may typeset it, so a render that holds math is never kept."""
    math = render_markdown("Euler: $e^{i\\pi} = -1$", math=MathOptions(
        "#000000", 14.0, output="image", only_cached=True))
    assert math.pending
    stored_renders.keep("Euler: $e^{i\\pi} = -1$", False, math)
    failed = render_markdown(r"Broken: \(\frac{1}{\)")
    assert not failed.math and not failed.pending and failed.has_math
    stored_renders.keep(r"Broken: \(\frac{1}{\)", False, failed)
    huge = "x" * (stored_renders.LONGEST_KEPT + 1)
    stored_renders.keep(huge, False, Rendered(huge, []))
    assert stored_renders._session == {}


@pytest.mark.parametrize("text", [
    "It costs $5, or $10 with delivery.",
    "```js\nconsole.log(`${name}: ${name.length}`);\n```",
    "Run `echo $HOME` and `cd \\(here\\)`.",
], ids=["prices", "template-literal", "inline-code"])
def test_dollars_and_backslashes_that_are_not_math_are_kept(text: str) -> None:
    """The renderer says whether a text held math: dollars in prices or code do not
    keep a render from the next start."""
    rendered = render_markdown(text, math=MathOptions("#000000", 14.0, output="image",
                                                      only_cached=True))
    assert not rendered.has_math
    stored_renders.keep(text, False, rendered)
    assert stored_renders.kept(text, False) is rendered


def test_the_session_keeps_the_latest_renders_only() -> None:
    for n in range(KEPT_FOR_SESSION + 5):
        stored_renders.keep(f"text {n}", False, Rendered(f"<p>{n}</p>", []))
    assert stored_renders.kept("text 0", False) is None
    assert stored_renders.kept(f"text {KEPT_FOR_SESSION + 4}", False) is not None
    assert len(stored_renders._session) == KEPT_FOR_SESSION


@pytest.mark.parametrize("content", [
    "not json {",
    json.dumps(["a list"]),
    json.dumps({"version": 99, "renders": []}),
])
def test_an_unreadable_file_is_ignored(tmp_path: Path, content: str) -> None:
    path = tmp_path / "renders.json"
    path.write_text(content)
    assert _kept_afresh(path) == 0
    assert stored_renders._session == {}


def test_malformed_entries_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "renders.json"
    good = ["Fine", False, "<p>Fine</p>", [], 0]
    document: dict[str, Any] = {
        "version": stored_renders.FILE_VERSION,
        "renderer": stored_renders.renderer_fingerprint(),
        "renders": [good, ["Short"], ["Bad", "no", "<p/>", [], 0], ["Code", False, "<p/>",
                                                                     [3], 0], 42],
    }
    path.write_text(json.dumps(document))
    assert _kept_afresh(path) == 1
    assert stored_renders.kept("Fine", False) == Rendered("<p>Fine</p>", [], 0)
    path.write_text(json.dumps({**document, "renders": 42}))
    assert _kept_afresh(path) == 0
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert _kept_afresh(path) == 0, "too deep for the parser: unreadable, not a crash"


def test_a_cache_folder_that_cannot_be_made_does_not_stop_the_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grokdesk.app import stored_renders as stored_renders_file

    monkeypatch.setenv("GROKDESK_DATA_DIR", str(tmp_path))
    (tmp_path / "cache").write_text("a file where the folder should be")
    assert stored_renders_file() is None


def test_a_message_body_shows_a_kept_render_without_rendering(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(text: str, **options: Any) -> Rendered:
        calls.append(text)
        return render_markdown(text, **options)

    monkeypatch.setattr(markdown, "render_markdown", counted)
    first, second = MessageBody(), MessageBody()
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    first.show_markdown(CODE, dark=False)
    second.show_markdown(CODE, dark=False)
    assert calls == [CODE]
    assert second.stable.toHtml() == first.stable.toHtml()
    assert second.code_blocks == ["print('hi')"]
    second.show_markdown(CODE, dark=True)
    assert calls == [CODE, CODE], "the other look is rendered"
