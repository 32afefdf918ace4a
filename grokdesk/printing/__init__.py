"""Printing and PDF with Qt, for both faces: the print page of :mod:`grokdesk.export.page`
laid out by a QTextDocument on pages that do not cut code blocks where that can be avoided.

Qt's GUI module only (no widgets, no window, no chat core): the command line uses it
with an offscreen QGuiApplication (:func:`ensure_application`), the window with its own.
"""

from grokdesk.printing.pages import print_page
from grokdesk.printing.pdf import ensure_application, pdf_bytes

__all__ = ["ensure_application", "pdf_bytes", "print_page"]
