"""Every place in grokdesk that parses HTML does it in a GuardedDocument.

A plain QTextDocument opens ``file:`` stylesheets and images named in the HTML while it
parses or paints it. This test reads grokdesk's source and finds each construction of a
QTextDocument or QTextDocumentFragment and each ``fromHtml``/``setHtml``/``insertHtml``
call: constructions only in the guard's module, parsing calls only there and in the view
whose document is guarded (checked at run time below). Anything new fails here until it
goes through :func:`grokdesk.ui.transcript.guarded_document.parse_html` or ``RichTextView``.
Printing (Qt-only, no window) has a guard of its own, ``grokdesk.printing.document.
PrintDocument``, checked at run time in tests/export/test_pdf.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import grokdesk

PACKAGE = Path(grokdesk.__file__).resolve().parent
GUARD = "ui/transcript/guarded_document.py"
VIEW = "ui/transcript/rich_text_view.py"
PRINT = "printing/document.py"  # PrintDocument: the printed page's own guard (no grokdesk.ui)
# Rich-text editors parse HTML too (pasted HTML); QPlainTextEdit never does.
CONSTRUCTORS = frozenset({"QTextDocument", "QTextDocumentFragment", "QTextEdit",
                          "QTextBrowser"})
PARSERS = frozenset({"fromHtml", "setHtml", "insertHtml"})
# Where each kind of use is allowed, and why it is safe there.
ALLOWED_CONSTRUCTION = {
    (GUARD, "QTextDocument"),  # GuardedDocument's base class, nothing else
    (VIEW, "QTextDocumentFragment"),  # built from a GuardedDocument (append_html)
    (VIEW, "QTextBrowser"),  # RichTextView's base class; read-only, its document guarded
    (PRINT, "QTextDocument"),  # PrintDocument's base class: refuses every resource
}
ALLOWED_PARSING = {GUARD, VIEW, PRINT}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _uses() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in CONSTRUCTORS | PARSERS:
                found.append((module, node.lineno, _name(node.func)))
            elif isinstance(node, ast.ClassDef):
                found += [(module, node.lineno, _name(base)) for base in node.bases
                          if _name(base) in CONSTRUCTORS]
    return found


def test_the_scan_sees_the_known_uses() -> None:
    """The scan works: it finds the guard's base class and the view's parsing calls."""
    uses = _uses()
    assert (GUARD, "QTextDocument") in {(module, name) for module, _, name in uses}
    assert {(VIEW, "setHtml"), (GUARD, "setHtml")} <= {(m, name) for m, _, name in uses}


@pytest.mark.parametrize("use", _uses(), ids=lambda use: f"{use[0]}:{use[1]}:{use[2]}")
def test_html_is_parsed_only_through_the_guard(use: tuple[str, int, str]) -> None:
    module, line, name = use
    if name in PARSERS:
        assert name != "fromHtml", f"{module}:{line}: fromHtml parses into a plain document"
        assert module in ALLOWED_PARSING, (
            f"{module}:{line}: {name} outside the guard; use RichTextView.show_html or "
            "guarded_document.parse_html")
    else:
        assert (module, name) in ALLOWED_CONSTRUCTION, (
            f"{module}:{line}: a {name} of its own would parse HTML unguarded; use "
            "RichTextView or GuardedDocument")


def test_the_view_keeps_its_guarded_document(qtbot: object) -> None:
    from grokdesk.ui.transcript.guarded_document import GuardedDocument
    from grokdesk.ui.transcript.rich_text_view import RichTextView

    view = RichTextView()
    for change in (lambda: view.show_html("<p>a</p>"), view.clear,
                   lambda: view.append_html("<p>b</p>"), lambda: view.setPlainText("c"),
                   lambda: view.append_plain("d")):
        change()
        assert isinstance(view.document(), GuardedDocument)
    view.deleteLater()
