"""The rich-text view: loads nothing, sizes to its content, appends blocks like a full render."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QPixmap, QTextDocument
from pytestqt.qtbot import QtBot

from grokdesk.render.markdown import render_markdown, split_stable_prefix
from grokdesk.ui.transcript.rich_text_view import RichTextView

IMAGE = int(QTextDocument.ResourceType.ImageResource.value)
STYLESHEET = int(QTextDocument.ResourceType.StyleSheetResource.value)


def make_view(qtbot: QtBot) -> RichTextView:
    view = RichTextView()
    qtbot.addWidget(view)
    return view


def test_load_resource_returns_nothing_for_web_and_disk(qtbot: QtBot, tmp_path: Path) -> None:
    picture = tmp_path / "x.png"
    image = QImage(4, 4, QImage.Format.Format_RGB32)
    image.fill(0)
    assert image.save(str(picture))
    view = make_view(qtbot)
    for url in (
        QUrl("http://example.com/x.png"),
        QUrl("https://example.com/x.png"),
        QUrl.fromLocalFile(str(picture)),
        QUrl("x.png"),
        QUrl("data:image/png;base64,AAAA"),
    ):
        assert not view.loadResource(IMAGE, url)
        assert not view.loadResource(STYLESHEET, url)
    for url in ():
        assert not view.loadResource(IMAGE, url)


def test_an_image_in_the_document_is_never_read_from_disk(qtbot: QtBot, tmp_path: Path) -> None:
    picture = tmp_path / "secret.png"
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    image.fill(0)
    assert image.save(str(picture))
    view = make_view(qtbot)
    view.resize(300, 200)
    view.show()
    url = QUrl.fromLocalFile(str(picture)).toString()
    view.setHtml(f'<p><img src="{url}"></p>')
    qtbot.wait(10)
    loaded = view.document().resource(IMAGE, QUrl(url))
    assert isinstance(loaded, QImage | QPixmap) and loaded.isNull()
    fragments = view.document().begin().begin()
    assert fragments.fragment().charFormat().isImageFormat()


def test_height_follows_the_content_at_the_given_width(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.setPlainText("word " * 200)
    narrow, wide = view.heightForWidth(200), view.heightForWidth(800)
    assert narrow > wide > 0
    view.append_plain(" more" * 400)
    assert view.heightForWidth(800) > wide


def test_measuring_leaves_the_text_wrapped_for_the_real_width(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.resize(600, 100)
    view.show()
    qtbot.waitExposed(view)
    view.setPlainText("word " * 30)
    view.heightForWidth(150)
    assert view.document().textWidth() == view.viewport().width()


BLOCKS = [
    "# Heading",
    "A paragraph with *emphasis* and `code`.",
    "- one\n- two",
    "1. first\n2. second",
    "> quoted text",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "```python\nx = 1\n```",
    "```\nplain\n```",
    "---",
    "Last words.",
]


def _signature(document: QTextDocument) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        text_list = block.textList()
        out.append(
            (
                block.text().strip(),
                fmt.background().color().name(),
                fmt.topMargin(),
                fmt.bottomMargin(),
                fmt.leftMargin(),
                int(fmt.alignment().value),
                None if text_list is None else text_list.format().style(),
            )
        )
        block = block.next()
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=7))
def test_appending_finished_blocks_matches_one_full_render(qtbot: QtBot, blocks: list[str]) -> None:
    text = "\n\n".join(blocks) + "\n\nend\n"
    view = make_view(qtbot)
    position = 0
    while True:
        cut = split_stable_prefix(text[position:])
        if cut == 0:
            break
        view.append_html(render_markdown(text[position : position + cut]).html)
        position += cut
    view.append_html(render_markdown(text[position:]).html)
    whole = QTextDocument()
    whole.setHtml(render_markdown(text).html)
    assert _signature(view.document()) == _signature(whole)
