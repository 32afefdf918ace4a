"""A print page as a QTextDocument: stylesheet, HTML, and the math as images.

Qt's rich text has no inline SVG, so each equation is drawn into an image at
:data:`MATH_SCALE` times its size (with the transparent padding that puts it on the
baseline, see :mod:`grokdesk.render.math.html`) and registered under the name the page's
``<img>`` uses; the document draws it at its own size, sharp at print resolutions.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, QSize, QUrl
from PySide6.QtGui import QColor, QFont, QImage, QPaintDevice, QPainter, QTextDocument
from PySide6.QtSvg import QSvgRenderer

from grokdesk.export.page import PrintPage
from grokdesk.render.math import MathImage

TEXT_POINTS = 10.5
"""The print's text size (the stylesheet sizes the rest relative to it)."""
MATH_SCALE = 4
"""Pixels per CSS pixel in a math image: 384 dpi on paper, where the text is about 300."""


def math_image(image: MathImage) -> QImage | None:
    """The equation drawn on a transparent image, or None if Qt cannot read the SVG."""
    renderer = QSvgRenderer(QByteArray(image.math.svg.encode("utf-8")))
    if not renderer.isValid():
        return None
    size = QSize(max(1, round(image.width * MATH_SCALE)),
                 max(1, round(image.height * MATH_SCALE)))
    picture = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    picture.fill(QColor(0, 0, 0, 0))
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, image.pad_top * MATH_SCALE, image.width * MATH_SCALE,
                                    image.math.height * MATH_SCALE))
    painter.end()
    return picture


class PrintDocument(QTextDocument):
    """A QTextDocument that loads nothing: the math images are added before the HTML is
    set, and any other resource the HTML names is refused with an empty value (a plain
    QTextDocument would read ``file:`` and ``data:`` URLs itself; None would let it)."""

    def loadResource(self, type: int, name: QUrl | str) -> object:
        if type == int(QTextDocument.ResourceType.ImageResource.value):
            return QImage()
        return QByteArray()


def build_document(page: PrintPage, device: QPaintDevice) -> PrintDocument:
    """The page's HTML in a document with its stylesheet and math images, measured for
    ``device`` (set before any text is laid out, or lines keep the screen's metrics)."""
    document = PrintDocument()
    document.documentLayout().setPaintDevice(device)
    font = QFont(document.defaultFont())
    font.setPointSizeF(TEXT_POINTS)  # what the stylesheet's "medium" means
    document.setDefaultFont(font)
    document.setDefaultStyleSheet(page.stylesheet)
    for image in page.images:
        picture = math_image(image)
        if picture is not None:
            document.addResource(QTextDocument.ResourceType.ImageResource,
                                 QUrl(image.name), picture)
    document.setHtml(page.html)
    return document
