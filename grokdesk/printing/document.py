"""A print page as a QTextDocument: stylesheet, HTML, and the math as images.

Qt's rich text has no inline SVG, so each equation is drawn into an image at
:data:`MATH_SCALE` times its size and registered under the name the page's ``<img>``
uses; the document draws it at its own size, sharp at print resolutions.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, QUrl
from PySide6.QtGui import QColor, QImage, QPaintDevice, QPainter, QTextDocument
from PySide6.QtSvg import QSvgRenderer

from grokdesk.export.page import MathImage, PrintPage

MATH_SCALE = 4
"""Pixels per CSS pixel in a math image: 384 dpi on paper, where the text is about 300."""


def math_image(image: MathImage) -> QImage | None:
    """The equation drawn on a transparent image, or None if Qt cannot read the SVG."""
    renderer = QSvgRenderer(QByteArray(image.svg.encode("utf-8")))
    if not renderer.isValid():
        return None
    natural = renderer.defaultSize()
    width = image.width if image.width is not None else float(natural.width())
    height = image.height if image.height is not None else float(natural.height())
    size = QSize(max(1, round(width * MATH_SCALE)), max(1, round(height * MATH_SCALE)))
    picture = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    picture.fill(QColor(0, 0, 0, 0))
    painter = QPainter(picture)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return picture


def build_document(page: PrintPage, device: QPaintDevice) -> QTextDocument:
    """The page's HTML in a document with its stylesheet and math images, measured for
    ``device`` (set before any text is laid out, or lines keep the screen's metrics)."""
    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)
    document.setDefaultStyleSheet(page.stylesheet)
    for image in page.images:
        picture = math_image(image)
        if picture is not None:
            document.addResource(QTextDocument.ResourceType.ImageResource,
                                 QUrl(image.name), picture)
    document.setHtml(page.html)
    return document
