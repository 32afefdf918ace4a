"""Typeset math in the window: the images its documents draw, and the LaTeX they copy as.

A rendered message names each equation ``grokdesk-math:<digest>`` in an ``<img>``
(:mod:`grokdesk.render.math.html`); the view's :class:`MathImage` records are kept here
by name, and a document asking for one gets its SVG rasterised at the screen's device
pixel ratio, so it stays sharp on HiDPI screens. Names are content addresses (source,
colour, size), so a re-render reuses the image drawn before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QWidget

from grokdesk.render.rendered import IMAGE_SCHEME

if TYPE_CHECKING:
    from grokdesk.render.math import MathImage, MathOptions

MATH_SCALE = 1.2
"""Math glyphs (STIX Two) are small for their size next to a UI sans-serif's; KaTeX uses
the same factor."""
MAX_KEPT = 4096
"""Image records kept by name (a record is small: the SVG text and a few numbers)."""
MAX_RASTERS = 256
"""Rasterised images kept across documents (each document also keeps those it shows)."""

_records: OrderedDict[str, MathImage] = OrderedDict()
_rasters: OrderedDict[tuple[str, float], QImage] = OrderedDict()
_OBJECT = "\ufffc"


def math_options(view: QWidget) -> MathOptions:
    """Math in ``view``'s text colour and font size, as images typeset ahead (in a thread)."""
    from grokdesk.render.math import MathOptions  # with the first render, not the views

    font = view.font()
    metrics = QFontMetricsF(font)
    size = font.pixelSize() if font.pixelSize() > 0 else font.pointSizeF() * view.logicalDpiY() / 72
    colour = view.palette().color(QPalette.ColorRole.Text).name()
    return MathOptions(colour, round(max(1.0, size * MATH_SCALE), 2), "image", metrics.xHeight(),
                       only_cached=True)


def remember(images: Iterable[MathImage]) -> None:
    """Keep the records of images a rendered message names."""
    for image in images:
        _records[image.name] = image
        _records.move_to_end(image.name)
    while len(_records) > MAX_KEPT:
        _records.popitem(last=False)


def forget() -> None:
    """Drop every record and raster: the benchmark measures math from cold."""
    _records.clear()
    _rasters.clear()


def is_math(name: QUrl | str) -> bool:
    url = QUrl(name) if isinstance(name, str) else name
    return url.scheme() == IMAGE_SCHEME


def image(name: QUrl | str) -> QImage:
    """The picture for a math image name, or an empty image for an unknown one."""
    key = name.toString() if isinstance(name, QUrl) else name
    record = _records.get(key)
    if record is None:
        return QImage()
    app = QGuiApplication.instance()
    ratio = max(1.0, app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0)
    cached = _rasters.get((key, ratio))
    if cached is None:
        cached = _rasterise(record, ratio)
        _rasters[(key, ratio)] = cached
        while len(_rasters) > MAX_RASTERS:
            _rasters.popitem(last=False)
    _rasters.move_to_end((key, ratio))
    return cached


def _rasterise(record: MathImage, ratio: float) -> QImage:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(record.math.svg.encode("utf-8")))
    width = max(1, round(record.width * ratio))
    height = max(1, round(record.height * ratio))
    picture = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    picture.fill(Qt.GlobalColor.transparent)
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, record.pad_top * ratio, record.math.width * ratio,
                                    record.math.height * ratio))
    painter.end()
    picture.setDevicePixelRatio(ratio)
    return picture


def show_sources(document: QTextDocument) -> None:
    """Replace each math image in ``document`` by the LaTeX it was typeset from (for copying)."""
    swaps: list[tuple[int, str]] = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                record = _records.get(fmt.toImageFormat().name())
                if record is not None and fragment.text() == _OBJECT * fragment.length():
                    swaps.extend((fragment.position() + offset, record.source)
                                 for offset in range(fragment.length()))
            fragments += 1
        block = block.next()
    cursor = QTextCursor(document)
    for position, source in reversed(swaps):
        cursor.setPosition(position)
        cursor.setPosition(position + 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(source, QTextCharFormat())
