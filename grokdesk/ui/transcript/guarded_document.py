"""The one kind of QTextDocument that parses untrusted HTML: it loads nothing.

A plain QTextDocument reads ``file:`` and ``data:`` URLs itself — images, and
stylesheets named by ``<link rel=stylesheet>`` while the HTML is still being parsed.
So every document that parses HTML in the app is a :class:`GuardedDocument`, which
answers every resource request at once with nothing unless the URL is one of the app's
own compiled-in resources (``qrc:``), or typeset math the app drew itself
(``grokdesk-math:``, :mod:`grokdesk.ui.transcript.math_images`).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, QUrl
from PySide6.QtGui import QImage, QTextDocument

from grokdesk.ui.transcript import math_images

APP_RESOURCE_SCHEMES = frozenset({"qrc"})
IMAGE_RESOURCE = int(QTextDocument.ResourceType.ImageResource.value)


def refused(type: int) -> object:
    """The empty answer for a refused resource.

    It must be an empty value, not None: for None, Qt falls back to reading ``file:``
    and ``data:`` URLs itself. The document caches it, so repaints do not ask again.
    """
    return QImage() if type == IMAGE_RESOURCE else QByteArray()


def is_app_resource(name: QUrl | str) -> bool:
    url = QUrl(name) if isinstance(name, str) else name
    return url.scheme().lower() in APP_RESOURCE_SCHEMES


class GuardedDocument(QTextDocument):
    """A QTextDocument that refuses every resource but the app's own."""

    def loadResource(self, type: int, name: QUrl | str) -> object:
        if type == IMAGE_RESOURCE and math_images.is_math(name):
            return math_images.image(name)
        if is_app_resource(name):
            return super().loadResource(type, QUrl(name) if isinstance(name, str) else name)
        return refused(type)


def parse_html(html: str, parent: QObject | None = None) -> GuardedDocument:
    """A guarded document holding ``html`` (for inserting into another document)."""
    document = GuardedDocument(parent)
    document.setHtml(html)
    return document
