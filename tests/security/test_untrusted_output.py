"""Hostile model output is shown inertly: no request to any URL and no local file read.

Every address in the hostile texts points at traps: a loopback HTTP server that counts
hits, and a FIFO on disk watched by a helper process that notices the moment anyone
opens it for reading (no strace needed; a positive control shows a plain QTextDocument
does open it). Each text goes through the renderer, a plain QTextDocument and the app's
own rich-text view, laid out and painted; then the traps are checked. There are no
timing assertions, but each case has to finish (the suite's 120 s timeout).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QPainter, QTextDocument
from pytestqt.qtbot import QtBot

from grokdesk.render import plain_text_to_html, render_markdown, split_stable_prefix
from tests.security.html_checks import BIDI_CONTROLS, check_html
from tests.support.fake_api import FakeAPI

rich_text_view = pytest.importorskip("grokdesk.ui.transcript.rich_text_view")
from grokdesk.ui.transcript.guarded_document import GuardedDocument, parse_html  # noqa: E402
from grokdesk.ui.transcript.message_body import MessageBody  # noqa: E402
from grokdesk.ui.transcript.rich_text_view import RichTextView  # noqa: E402

IMAGE = int(QTextDocument.ResourceType.ImageResource.value)
_WATCH = r"""
import errno, os, sys, time
fifo, retired, marker = sys.argv[1:4]
while True:
    for path in (fifo, retired):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno not in (errno.ENXIO, errno.ENOENT):
                raise
            continue
        with open(marker, "a") as note:
            note.write("opened\n")
        os.write(fd, b"not an image")
        os.close(fd)
    time.sleep(0.002)
"""
_PLAIN_DOCUMENT = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QTextDocument
app = QGuiApplication([])
document = QTextDocument()
document.setHtml(f'<p><img src="{sys.argv[1]}"></p>')
document.setTextWidth(300)
image = QImage(300, 300, QImage.Format.Format_RGB32)
painter = QPainter(image)
document.drawContents(painter)
painter.end()
"""


@dataclass
class FileTrap:
    """A FIFO that records any attempt to open it for reading, from another process
    (Qt may hold the GIL while it blocks in ``open``, so a thread could not notice)."""

    path: Path
    marker: Path

    @property
    def url(self) -> str:
        return QUrl.fromLocalFile(str(self.path)).toString()

    def opened(self) -> bool:
        return self.marker.exists()


@pytest.fixture
def trap(tmp_path: Path) -> Iterator[FileTrap]:
    """The FIFO and its watcher; at the end the FIFO is renamed first, so a late reader
    finds no file instead of blocking forever once the watcher is gone."""
    fifo = tmp_path / "secret.png"
    retired = tmp_path / "retired.png"
    os.mkfifo(fifo)
    found = FileTrap(fifo, tmp_path / "opened")
    watcher = subprocess.Popen([sys.executable, "-c", _WATCH, str(fifo), str(retired),
                                str(found.marker)])
    try:
        yield found
    finally:
        os.rename(fifo, retired)
        time.sleep(0.05)
        watcher.kill()
        watcher.wait()


@pytest.fixture
def counter(fake_api: FakeAPI) -> FakeAPI:
    """A loopback server that counts every request (shown to work before use)."""
    with pytest.raises(urllib.error.HTTPError, match="404") as answered:
        urllib.request.urlopen(f"http://{fake_api.host}:{fake_api.port}/ping")
    answered.value.close()
    assert fake_api.hits == 1
    fake_api.reset()
    return fake_api


class SpyDocument(QTextDocument):
    """A plain QTextDocument (which would read ``file:`` URLs) that records its loads."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    def loadResource(self, type: int, name: QUrl | str) -> object:
        self.loads.append(name if isinstance(name, str) else name.toString())
        return super().loadResource(type, name)


class SpyView(rich_text_view.RichTextView):  # type: ignore[misc,name-defined]
    """The app's view, recording what its guarded document (and the view itself) was asked
    for and what each gave."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[tuple[str, bool]] = GUARD_LOADS

    def loadResource(self, type: int, name: QUrl | str) -> object:
        return _recorded(self.loads, name, super().loadResource(type, name))


GUARD_LOADS: list[tuple[str, bool]] = []


def _recorded(loads: list[tuple[str, bool]], name: QUrl | str, result: object) -> object:
    given = not (result.isNull() if isinstance(result, QImage) else not result)
    loads.append((name if isinstance(name, str) else name.toString(), given))
    return result


@pytest.fixture(autouse=True)
def guard_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """Every request any GuardedDocument answers, with whether it gave something."""
    original = GuardedDocument.loadResource

    def spy(self: GuardedDocument, type: int, name: QUrl | str) -> object:
        return _recorded(GUARD_LOADS, name, original(self, type, name))

    GUARD_LOADS.clear()
    monkeypatch.setattr(GuardedDocument, "loadResource", spy)
    yield GUARD_LOADS
    GUARD_LOADS.clear()


def paint(document: QTextDocument, width: int = 500) -> None:
    """Lay the document out and paint it, which is when images are fetched."""
    document.setTextWidth(width)
    height = max(1, min(4000, int(document.size().height())))
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        document.drawContents(painter)
    finally:
        painter.end()


def _table(columns: int, rows: int) -> str:
    head = "| " + " | ".join(f"![c{i}]({{url}}/t{i}.png)" for i in range(columns)) + " |"
    rule = "|" + "---|" * columns
    body = ["| " + " | ".join(f"[v{r}]({{url}}/v{r})" for _ in range(columns)) + " |"
            for r in range(rows)]
    return "\n".join([head, rule, *body])


HOSTILE: dict[str, str] = {
    "script": "<script>fetch('{url}/script')</script>\n\nText <script src='{url}/s.js'></script>",
    "img-tag": 'Look: <img src="{url}/img.png"> and <img src="{file}" onerror="x()">',
    "iframe": '<iframe src="{url}/frame"></iframe>\n\n<iframe src="{file}"></iframe>',
    "style-and-link": "<style>@import url({url}/a.css); p {{ background: url({url}/b) }}"
                      "</style>\n<link rel=stylesheet href='{url}/c.css'>",
    "object-svg-video": "<object data='{url}/o'></object><svg><image href='{url}/i'/></svg>"
                        "<video src='{url}/v' poster='{url}/p'></video>",
    "markdown-image-remote": "![remote]({url}/md.png)\n\n![ref][r]\n\n[r]: {url}/ref.png",
    "markdown-image-file": "![local]({file})\n\n![rel](secret.png) ![abs](/etc/passwd)",
    "markdown-image-in-link": "[![badge]({url}/badge.svg)]({url}/page)",
    "javascript-links": "[a](javascript:fetch('{url}/js')) [b](JaVaScRiPt:alert(1)) "
                        "[c](java\tscript:alert(1)) <javascript:alert(1)>",
    "data-and-file-links": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) "
                           "[f]({file}) [g](file:///etc/passwd) [h](vbscript:msgbox)",
    "autolinks": "<{url}/auto> and {url}/bare and <mailto:x@example.com>",
    "html-entities": "&lt;img src={url}/e.png&gt; &#60;script&#62; &amp;",
    "huge-table-wide": _table(300, 3),
    "huge-table-long": _table(2, 6000),
    "nested-lists": "\n".join("  " * i + f"- level {i} ![x]({{url}}/l{i})" for i in range(1000)),
    "nested-quotes": ">" * 5000 + " deep ![q]({url}/q.png)",
    "nested-mixed": "".join("> - " for _ in range(800)) + "[x]({url}/m)",
    "long-line-letters": "x" * 100_000,
    "long-line-brackets": "[" * 100_000 + "]({url}/b)",
    "long-line-emphasis": "*_" * 50_000,
    "long-line-images": "![](" * 25_000 + "{url}/i)",
    "long-line-backticks": "`" * 100_000,
    "zero-width-and-bidi": "safe \u202eevil\u202c text \u200bzero\u200dwidth\u2066iso\u2069 "
                           "`code\u202e\u200b`\n\n```python\nx = 1  # \u202e\u2066 hidden\u2069"
                           "\u200b\n```\n\n[\u202elink]({url}/\u202ebidi)",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_output_loads_nothing(name: str, qtbot: QtBot, counter: FakeAPI,
                                      trap: FileTrap) -> None:
    url = f"http://{counter.host}:{counter.port}"
    text = HOSTILE[name].format(url=url, file=trap.url)

    rendered = render_markdown(text)
    check_html(rendered.html)
    check_html(render_markdown(text, dark=True).html)
    check_html(plain_text_to_html(text))
    cut = split_stable_prefix(text)
    head = render_markdown(text[:cut])
    tail = render_markdown(text[cut:], first_code_index=len(head.code_blocks))
    check_html(head.html)
    check_html(tail.html)

    document = SpyDocument()
    document.setHtml(rendered.html)
    paint(document)
    assert document.loads == []

    view = SpyView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    view.setHtml(head.html)
    view.append_html(tail.html)
    view.heightForWidth(600)
    view.grab()
    qtbot.wait(20)
    assert [load for load in view.loads if load[1]] == []
    assert not BIDI_CONTROLS & set(view.document().toPlainText())

    assert counter.hits == 0, [r.path for r in counter.requests]
    assert not trap.opened()


def test_raw_html_in_the_view_still_loads_nothing(qtbot: QtBot, counter: FakeAPI,
                                                  trap: FileTrap, tmp_path: Path) -> None:
    """Defence in depth: HTML that skipped the renderer, with real images on disk."""
    picture = tmp_path / "real.png"
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0xFF0000)
    assert image.save(str(picture))
    real = QUrl.fromLocalFile(str(picture)).toString()
    url = f"http://{counter.host}:{counter.port}"
    html = (f'<p><img src="{url}/raw.png"><img src="{trap.url}"><img src="{real}">'
            f'<img src="data:image/png;base64,iVBORw0KGgo="></p>'
            f'<link rel="stylesheet" href="{url}/raw.css">'
            f'<table background="{real}"><tr><td background="{url}/bg">x</td></tr></table>')
    view = SpyView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    view.setHtml(html)
    view.grab()
    qtbot.wait(200)
    view.grab()
    assert view.loads, "the view was never asked for the images"
    assert [load for load in view.loads if load[1]] == []
    resource = view.document().resource(IMAGE, QUrl(real))
    assert resource is None or not resource or (isinstance(resource, QImage)
                                                and resource.isNull())
    assert counter.hits == 0
    assert not trap.opened()


def test_the_file_trap_catches_a_plain_document(trap: FileTrap) -> None:
    """Positive control: without the view's guard, Qt does read a ``file:`` image (in a
    process of its own, so its reads cannot outlive the trap in this one)."""
    subprocess.run([sys.executable, "-c", _PLAIN_DOCUMENT, trap.url], check=True,
                   capture_output=True, timeout=60)
    assert trap.opened()


def _raw_html(url: str, file: str) -> list[str]:
    """HTML that names resources every way Qt's parser would fetch them."""
    return [
        f'<link rel="stylesheet" href="{file}"><p>styled</p>',
        f"<link rel=stylesheet href={file}><p>unquoted</p>",
        f'<link rel="stylesheet" href="{url}/raw.css"><p>remote</p>',
        f'<head><link rel="STYLESHEET" type="text/css" href="{file}"></head><p>head</p>',
        f'<p><img src="{file}"><img src="{url}/raw.png"></p>',
        f'<table background="{file}"><tr><td background="{url}/bg">x</td></tr></table>',
        f'<p style="background-image:url({file})">css image</p>',
    ]


def _append_after_text(view: RichTextView, html: str) -> None:
    view.setHtml("<p>before</p>")
    view.append_html(html)


ENTRY_POINTS: dict[str, Callable[[RichTextView, str], object]] = {
    "setHtml": lambda view, html: view.setHtml(html),
    "show_html": lambda view, html: view.show_html(html),
    "append_html-blank": lambda view, html: view.append_html(html),
    "append_html-after-text": _append_after_text,
    "insertHtml": lambda view, html: view.insertHtml(html),
    "parse_html": lambda view, html: paint(parse_html(html, view)),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("case", range(len(_raw_html("", ""))))
def test_every_html_entry_point_loads_nothing(entry: str, case: int, qtbot: QtBot,
                                              counter: FakeAPI, trap: FileTrap) -> None:
    """Whichever way HTML reaches a document — including the chunk ``append_html`` parses
    before inserting it — stylesheets and images name the traps and none is opened."""
    url = f"http://{counter.host}:{counter.port}"
    html = _raw_html(url, trap.url)[case]
    view = RichTextView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    ENTRY_POINTS[entry](view, html)
    paint(view.document())
    view.grab()
    qtbot.wait(50)
    view.grab()
    assert counter.hits == 0, [r.path for r in counter.requests]
    assert not trap.opened()
    assert isinstance(view.document(), GuardedDocument)


def test_streamed_message_parses_through_the_guard(qtbot: QtBot, counter: FakeAPI,
                                                   trap: FileTrap) -> None:
    """The message body's stable, held, tail and full renders all parse in guarded
    documents."""
    url = f"http://{counter.host}:{counter.port}"
    body = MessageBody()
    qtbot.addWidget(body)
    body.resize(500, 400)
    body.show()
    body.clear_stream()
    for text in (HOSTILE["style-and-link"], HOSTILE["img-tag"], "more\n\n"):
        body.append_stable(text.format(url=url, file=trap.url) + "\n\n", dark=False)
        body.set_held(text.format(url=url, file=trap.url) + "\n\n", dark=False)
        body.set_tail(text.format(url=url, file=trap.url), dark=True)
    body.show_markdown(HOSTILE["markdown-image-file"].format(url=url, file=trap.url),
                       dark=False)
    body.grab()
    views = [body.stable, body.held, body.tail]
    assert all(isinstance(v.document(), GuardedDocument) for v in views if v is not None)
    assert counter.hits == 0
    assert not trap.opened()
