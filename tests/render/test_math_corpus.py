"""The corpus of model-written math: every equation typesets or falls back to its source,
never raises, and copying gives its LaTeX back, in exports (SVG) and in the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from markdown_it.token import Token
from PySide6.QtWidgets import QApplication

from grokdesk.render.markdown import _markdown_it, render_markdown
from grokdesk.render.math import MathOptions
from grokdesk.render.math.syntax import source_of
from grokdesk.render.math.typeset import typeset_svg
from grokdesk.ui.transcript import math_images
from grokdesk.ui.transcript.rich_text_view import RichTextView
from tests.support.math_corpus import CORPUS

EXPECTED_FALLBACKS = {"unbalanced-braces", "mhchem-unknown", "siunitx-unknown",
                      "physics-unknown"}


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _walk(token.children or [])


def equations(text: str) -> list[Token]:
    return [token for token in _walk(_markdown_it().parse(text, {}))
            if token.type.startswith("math_")]


class _Svgs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []
        self.codes: list[str] = []
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.labels.append(dict(attrs).get("aria-label") or "")
        self._in_code = tag in ("code", "pre")
        if self._in_code:
            self.codes.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.codes[-1] += data


def test_the_corpus_is_big_enough_and_named_uniquely() -> None:
    assert len(CORPUS) >= 60
    assert len({name for name, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_each_equation_typesets_or_falls_back(name: str, text: str) -> None:
    found = equations(text)
    assert found, "the snippet's math was not recognised"
    results = [typeset_svg(token.content, token.type != "math_inline", "#202020", 16.0)
               for token in found]
    if name in EXPECTED_FALLBACKS:
        assert None in results
    else:
        assert None not in results
    for result in results:
        assert result is None or (result.width > 0 and result.height > 0)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_each_snippet_exports_as_svg_or_source(name: str, text: str) -> None:
    found = equations(text)
    parser = _Svgs()
    parser.feed(render_markdown(text, math=MathOptions("#202020", 16.0)).html)
    sources = [source_of(token) for token in found]
    for source in sources:
        assert source in text  # what copying gives is what the model wrote
        assert source in parser.labels or any(source in code for code in parser.codes)
    assert len(parser.labels) == sum(
        typeset_svg(t.content, t.type != "math_inline", "#202020", 16.0) is not None
        for t in found)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_each_snippet_copies_back_as_its_latex_from_the_window(
        qapp: QApplication, name: str, text: str) -> None:
    view = RichTextView()
    try:
        options = MathOptions("#202020", 16.0, "image", 7.0)
        rendered = render_markdown(text, math=options)
        math_images.remember(rendered.math)
        view.show_html(rendered.html)
        view.selectAll()
        copied = view.createMimeDataFromSelection().text()
        for token in equations(text):
            assert source_of(token) in copied
        assert "\ufffc" not in copied
    finally:
        view.deleteLater()
