"""A conversation as a page to read or send: standalone HTML, and the HTML Qt prints to PDF.

Qt-free: :func:`to_print_page` describes the print; :mod:`grokdesk.printing` lays it out
with Qt. docs/export-format.md describes both.
"""

from grokdesk.export.page.document import PrintPage, to_html, to_print_page

__all__ = ["PrintPage", "to_html", "to_print_page"]
