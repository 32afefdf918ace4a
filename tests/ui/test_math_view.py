"""Math in the window: typeset off the GUI thread, drawn sharp in the text's colour and
size, on the text's baseline, copied back as its LaTeX, and streamed without typesetting
anything twice.

Each test uses LaTeX no other test uses: the typesetting cache is the process's.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication, QImage, QPalette, QTextDocument
from pytestqt.qtbot import QtBot

from grokdesk.api.answer import AnswerSoFar
from grokdesk.api.types import ContentDelta, ReasoningDelta
from grokdesk.render.math import IMAGE_SCHEME, MathRequest, TypesetMath
from grokdesk.render.math.typeset import math_request, store, typeset_uncached
from grokdesk.ui.transcript import math_images, math_worker
from grokdesk.ui.transcript.live_stream import LiveStream
from grokdesk.ui.transcript.message_body import MessageBody
from grokdesk.ui.transcript.message_view import MessageView
from grokdesk.ui.transcript.rich_text_view import RichTextView
from tests.ui.helpers import make_message


def math_names(document: QTextDocument) -> list[str]:
    """The math images a document shows, in order."""
    names: list[str] = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fmt = fragments.fragment().charFormat()
            if fmt.isImageFormat() and fmt.toImageFormat().name().startswith(IMAGE_SCHEME):
                names.append(fmt.toImageFormat().name())
            fragments += 1
        block = block.next()
    return names


def copied(view: RichTextView) -> str:
    view.selectAll()
    return view.createMimeDataFromSelection().text()


def shown_body(qtbot: QtBot, text: str, *, dark: bool = False) -> MessageBody:
    body = MessageBody()
    qtbot.addWidget(body)
    body.resize(700, 400)
    body.show_markdown(text, dark=dark)
    qtbot.waitUntil(lambda: not body.waiting_for_math, timeout=20_000)
    return body


def test_math_shows_as_source_until_typeset_then_as_images(qtbot: QtBot) -> None:
    text = r"Roots \(x = \frac{-7 \pm \sqrt{7^2 - 4 \cdot 3}}{2 \cdot 3}\) and" + "\n\n" + \
        r"\[ \sum_{j=1}^{31} j^3 = \left(\frac{31 \cdot 32}{2}\right)^2 \]"
    body = MessageBody()
    qtbot.addWidget(body)
    body.show_markdown(text, dark=False)
    assert body.waiting_for_math
    assert math_names(body.stable.document()) == []
    assert r"\(x = \frac{-7" in body.stable.toPlainText()
    qtbot.waitUntil(lambda: not body.waiting_for_math, timeout=20_000)
    assert len(math_names(body.stable.document())) == 2
    assert r"\frac" not in body.stable.toPlainText()
    assert body.full_renders == 1


def test_images_are_drawn_at_the_device_pixel_ratio(qtbot: QtBot) -> None:
    body = shown_body(qtbot, r"Area \(A = \pi r^2 + 0.125\).")
    (name,) = math_names(body.stable.document())
    resource = body.stable.document().resource(
        QTextDocument.ResourceType.ImageResource.value, QUrl(name))
    assert isinstance(resource, QImage) and not resource.isNull()
    ratio = max(1.0, QGuiApplication.instance().devicePixelRatio())  # type: ignore[union-attr]
    record = math_images._records[name]
    assert resource.devicePixelRatio() == ratio
    assert record.width == int(record.width) and record.height == round(record.height)
    assert resource.width() == round(record.width * ratio)
    assert resource.height() == round(record.height * ratio)
    assert resource.pixelColor(resource.width() // 2, 0).alpha() < 255  # transparent around


def test_math_takes_the_text_colour_of_each_theme(qtbot: QtBot) -> None:
    body = shown_body(qtbot, r"Identity \(\cos^2 \phi + \sin^2 \phi = 1.5 - 0.5\).")
    palette = body.stable.palette()
    palette.setColor(QPalette.ColorRole.Text, palette.color(QPalette.ColorRole.Text).lighter(300)
                     if palette.color(QPalette.ColorRole.Text).lightness() < 128
                     else palette.color(QPalette.ColorRole.Text).darker(300))
    colour = palette.color(QPalette.ColorRole.Text).name()
    body.stable.setPalette(palette)
    body.show_markdown(body._text or "", dark=True)
    qtbot.waitUntil(lambda: not body.waiting_for_math, timeout=20_000)
    (name,) = math_names(body.stable.document())
    assert math_images._records[name].math.colour == colour
    assert f'fill="{colour}"' in math_images._records[name].math.svg


def test_zooming_typesets_the_math_again_at_the_new_size(qtbot: QtBot) -> None:
    body = shown_body(qtbot, r"Growth \(e^{0.07 t}\) per year.")
    (before,) = math_names(body.stable.document())
    font = body.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    body.setFont(font)
    qtbot.waitUntil(lambda: math_names(body.stable.document()) not in ([], [before]),
                    timeout=20_000)
    (after,) = math_names(body.stable.document())
    assert math_images._records[after].width > 1.3 * math_images._records[before].width


def test_inline_math_sits_on_the_text_baseline(qtbot: QtBot) -> None:
    """Qt centres a ``vertical-align: middle`` image a quarter x-height above the baseline;
    the padding puts the math's own baseline there: what reaches below the line is the
    math's depth (plus padding only above the math)."""
    tall = r"\dfrac{\displaystyle\sum_{q=1}^{9} q}{\displaystyle\prod_{q=1}^{4} q}"
    body = shown_body(qtbot, rf"Tall \({tall}\) here.")
    (name,) = math_names(body.stable.document())
    record = math_images._records[name]
    assert record.pad_bottom > 0 or record.pad_top > 0
    body.stable.document().setTextWidth(2000)
    line = body.stable.document().begin().layout().lineAt(0)
    assert math.isclose(line.descent(), record.math.depth + record.pad_bottom, abs_tol=1.0)
    assert line.descent() > body.stable.fontMetrics().descent()


def test_copying_a_selection_gives_the_latex_back(qtbot: QtBot) -> None:
    text = (r"Inline \(a_{11} a_{22} - a_{12} a_{21}\), dollars $\det(M_{3})$, display:" "\n"
            r"\[ M_3 = \begin{pmatrix} 3 & 1 \\ 1 & 3 \end{pmatrix} \]" "\nand a slip "
            r"\(\frac{3}{\).")
    body = shown_body(qtbot, text)
    assert len(math_names(body.stable.document())) == 3
    shown = copied(body.stable)
    for piece in (r"\(a_{11} a_{22} - a_{12} a_{21}\)", r"$\det(M_{3})$",
                  r"\[ M_3 = \begin{pmatrix} 3 & 1 \\ 1 & 3 \end{pmatrix} \]", r"\(\frac{3}{\)"):
        assert piece in shown
    assert "\ufffc" not in shown


def test_copy_message_gives_the_markdown_as_written(qtbot: QtBot) -> None:
    content = r"So \(\boxed{x = 17}\) and $$y = 2^{17}$$"
    view = MessageView(make_message(content=content))
    qtbot.addWidget(view)
    view.copy_to_clipboard()
    assert QGuiApplication.clipboard().text() == content


def test_streamed_math_shows_as_source_until_closed_and_is_typeset_once(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    typeset_count: Counter[str] = Counter()

    def counting_store(request: MathRequest, result: TypesetMath | None) -> None:
        typeset_count[request.latex] += 1
        store(request, result)

    monkeypatch.setattr(math_worker, "store", counting_store)
    view = MessageView(make_message(content=""))
    qtbot.addWidget(view)
    view.resize(700, 500)
    answer = AnswerSoFar()
    live = LiveStream(view, answer, dark=False)
    answer.take(ReasoningDelta("thinking"))
    live.feed((ReasoningDelta("thinking"),))
    equations = [r"\int_0^{5} t^4 \, dt = 625", r"\frac{d}{dt} \sin(11 t) = 11 \cos(11 t)",
                 r"\lim_{m \to \infty} (1 + 3/m)^m = e^3"]
    text = (f"First \\({equations[0]}\\) holds.\n\nThen:\n\\[\n{equations[1]}\n\\]\n\n"
            f"Last $${equations[2]}$$ and done.\n\nThe end.")
    unclosed_seen = False
    for start in range(0, len(text), 7):
        chunk = text[start : start + 7]
        answer.take(ContentDelta(chunk))
        live.feed((ContentDelta(chunk),))
        live.flush()
        shown = live.shown_content
        if shown.count("\\(") > shown.count("\\)"):
            tail = view.body.tail
            assert tail is not None and "\\(" in tail.toPlainText()
            unclosed_seen = True
    assert "".join(answer.content) == text
    assert unclosed_seen
    qtbot.waitUntil(lambda: live.keeps_rendering_for(text) and not view.body.waiting_for_math,
                    timeout=20_000)
    names = math_names(view.body.stable.document())
    tail = view.body.tail
    if tail is not None and not tail.isHidden():
        names += math_names(tail.document())
    assert len(names) == 3
    live.stop()
    view.update_message(make_message(content=text))
    assert not view.body.waiting_for_math
    assert {latex: typeset_count[latex] for latex in equations} == dict.fromkeys(equations, 1)


def test_currency_and_code_stay_text_in_the_view(qtbot: QtBot) -> None:
    body = shown_body(qtbot, "It costs $5 and $10.\n\n`$x$` stays code.\n\n```\n$$y$$\n```")
    assert math_names(body.stable.document()) == []
    assert "It costs $5 and $10." in body.stable.toPlainText()
    assert "$x$" in body.stable.toPlainText() and "$$y$$" in body.stable.toPlainText()


def test_math_the_typesetter_fails_on_leaves_later_math_as_it_would_be(qtbot: QtBot) -> None:
    # The worker process typesets every equation of the session with one font object, which
    # an equation that failed inside a \text once left set for text: each later equation
    # came out with other glyphs than the same one typeset anywhere else (an export).
    failed = shown_body(qtbot, r"Empty text \(w_{43} \text{}\) first.")
    assert r"\text{}" in failed.stable.toPlainText()  # shown as its source
    body = shown_body(qtbot, r"Then \(y^{2} + 43 = 0\).")
    (name,) = math_names(body.stable.document())
    shown = math_images._records[name].math
    # Typeset here after a \text that succeeds: as a fresh typesetter does, whatever ran before.
    assert typeset_uncached(math_request(r"\text{ok}", False, shown.colour, shown.size_px))
    alone = typeset_uncached(math_request("y^{2} + 43 = 0", False, shown.colour, shown.size_px))
    assert shown == alone


EXIT_WITHOUT_QUIT = """
import atexit, gc, time, weakref
from concurrent.futures import ProcessPoolExecutor
from grokdesk.render.math.typeset import math_request
from grokdesk.ui.transcript.math_worker import math_worker

pools = []
# Registered first, so it runs last: after the worker's own exit handler.
atexit.register(lambda: print("pool alive at exit:", any(pool() for pool in pools)))
worker = math_worker()
worker.request([math_request("z^{47}", False, "#000000", 16.0)])
while worker.busy():
    time.sleep(0.02)
pools.extend(weakref.ref(o) for o in gc.get_objects() if isinstance(o, ProcessPoolExecutor))
print("pools:", len(pools))
"""


def test_the_worker_process_stops_at_exit_even_if_the_app_never_quit() -> None:
    """A host program (a test run) may exit without Qt's aboutToQuit: the pool is let go of
    at exit all the same, before Python tears its modules down (a pool let go of later
    fails in its clean-up and prints a traceback)."""
    done = subprocess.run([sys.executable, "-c", EXIT_WITHOUT_QUIT], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["pools: 1", "pool alive at exit: False"]
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
