"""PDF export: a valid file whose text holds the answer, code blocks never cut where they
fit on a page, math as images, hostile text printed as text, and a command line that
makes PDFs with no display (and imports no Qt for other formats)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
from datetime import UTC
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QApplication

from grokdesk.export import ExportOptions, export_conversations
from grokdesk.export.page import PrintPage, to_print_page
from grokdesk.export.records import ConversationRecord
from grokdesk.printing import pdf_bytes
from grokdesk.printing.document import build_document
from grokdesk.printing.pages import keep_together, lay_out
from grokdesk.storage.db import open_database
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from tests.export.records import HOSTILE, MATH, PLAIN, conversation, message


@pytest.fixture(autouse=True)
def application(qapp: QApplication) -> QApplication:
    """The test session's QApplication: what the window's exports print with."""
    return qapp


class Text(str):
    """A PDF's text without whitespace (extractors put spaces where a font's format
    changes, as in highlighted code); ``phrase in text`` ignores whitespace too."""

    def __contains__(self, phrase: object) -> bool:
        return isinstance(phrase, str) and "".join(phrase.split()) in str(self)


def pdf_text(data: bytes) -> tuple[int, Text]:
    """Pages and the text of a PDF (ligatures undone, whitespace dropped)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), Text("".join(unicodedata.normalize("NFKC", text).split()))


def test_the_pdf_is_valid_and_holds_the_conversation() -> None:
    data = pdf_bytes(to_print_page(PLAIN, include_reasoning=True, tz=UTC))
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages, text = pdf_text(data)
    assert pages == 1
    assert "Sorting in Python" in text
    assert "Use sorted with a key function:" in text
    assert 'rows = sorted(rows, key=lambda r: r["age"])' in text
    assert "Keep it short." in text  # reasoning, open on paper
    assert "effort high" in text and "$0.00041" in text
    assert pypdf.PdfReader(io.BytesIO(data)).metadata.title == "Sorting in Python"


def test_math_is_printed_as_images_not_source() -> None:
    page = to_print_page(MATH, tz=UTC)
    assert len(page.images) == 7 and all(i.name.startswith("grokdesk-math:") for i in page.images)
    data = pdf_bytes(page)
    _pages, text = pdf_text(data)
    assert sum(len(p.images) for p in pypdf.PdfReader(io.BytesIO(data)).pages) >= 7
    assert "The roots are" in text and "It costs $5 and $10, not math." in text
    assert "\\frac{-b" not in text and "\\pm" not in text
    assert r"\(\notacommand{x}\)" in text


def test_hostile_output_is_printed_as_text() -> None:
    _pages, text = pdf_text(pdf_bytes(to_print_page(HOSTILE, include_reasoning=True, tz=UTC)))
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text


def _writer() -> tuple[QPdfWriter, QBuffer]:
    buffer = QBuffer(QByteArray())
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(18, 16, 18, 12), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    return writer, buffer


def _straddling(document: QTextDocument) -> list[tuple[int, int]]:
    """(first, last page) of each code block that is cut by a page break."""
    layout = document.documentLayout()
    height = document.pageSize().height()
    cut: list[tuple[int, int]] = []
    block = document.begin()
    while block.isValid():
        if not block.blockFormat().nonBreakableLines():
            block = block.next()
            continue
        last = block
        while last.next().isValid() and last.next().blockFormat().nonBreakableLines():
            last = last.next()
        top = int(layout.blockBoundingRect(block).top() // height)
        bottom = int((layout.blockBoundingRect(last).bottom() - 1) // height)
        if top != bottom:
            cut.append((top, bottom))
        block = last.next()
    return cut


CODE_HEAVY = conversation("Code", message(0, "assistant", "".join(
    f"Step {n}: some words about it.\n\n```python\n" + f"value_{n} = compute({n})\n" * (18 + n)
    + "```\n\n" for n in range(14)), model="grok-3-mini"))


def test_code_blocks_are_not_cut_by_page_breaks() -> None:
    writer, _buffer = _writer()
    page = to_print_page(CODE_HEAVY, tz=UTC)
    plain = build_document(page, writer)
    plain.setPageSize(lay_out(build_document(page, writer), writer))
    assert _straddling(plain), "the test needs blocks that Qt alone would cut"
    document = build_document(page, writer)
    lay_out(document, writer)
    assert _straddling(document) == []
    assert keep_together(document) == 0  # nothing left to move


def _orphaned_headings(document: QTextDocument) -> int:
    """Headings that end a page (what follows them starts on the next one)."""
    layout = document.documentLayout()
    height = document.pageSize().height()
    orphans = 0
    block = document.begin()
    while block.isValid() and block.next().isValid():
        if block.blockFormat().headingLevel() > 0:
            here = layout.blockBoundingRect(block).top() // height
            orphans += layout.blockBoundingRect(block.next()).top() // height > here
        block = block.next()
    return orphans


def _chat(lines: int) -> ConversationRecord:
    answer = "\n\n".join(f"Paragraph {n} of the answer." for n in range(lines))
    return conversation("Chat", *(message(n, "user" if n % 2 == 0 else "assistant",
                                          answer if n % 2 else "A question?")
                                  for n in range(24)))


def test_a_role_line_never_ends_a_page() -> None:
    writer, _buffer = _writer()
    orphaned = None
    for lines in range(1, 12):  # some length leaves a role line at the foot of a page
        page = to_print_page(_chat(lines), tz=UTC)
        plain = build_document(page, writer)
        plain.setPageSize(lay_out(build_document(page, writer), writer))
        if _orphaned_headings(plain):
            orphaned = page
            break
    assert orphaned is not None, "the test needs a page that Qt alone ends with a role line"
    document = build_document(orphaned, writer)
    lay_out(document, writer)
    assert _orphaned_headings(document) == 0


def test_a_code_block_longer_than_a_page_is_printed_whole() -> None:
    long_code = "```\n" + "".join(f"line {n:04d}\n" for n in range(400)) + "```"
    record = conversation("Long", message(0, "assistant", f"Before\n\n{long_code}\n\nAfter"))
    pages, text = pdf_text(pdf_bytes(to_print_page(record, tz=UTC)))
    assert pages > 2
    assert all(f"line {n:04d}" in text for n in range(400))
    assert "Before" in text and "After" in text


def test_a_history_exports_pdfs_to_a_file_and_a_folder(tmp_path: Path) -> None:
    history = History(open_database(tmp_path / "history.sqlite3"))
    try:
        first = history.create_conversation("Primes", ConversationSettings(model="m"))
        history.add_message(first.id, "user", "Is 91 prime?")
        history.add_message(first.id, "assistant", "No: 91 = 7 × 13.", model="m")
        second = history.create_conversation("Other", ConversationSettings())
        history.add_message(second.id, "user", "hello there")
        options = ExportOptions(format="pdf", pdf=pdf_bytes, tz=UTC)
        export_conversations(history, [first.id], tmp_path / "primes.pdf", options)
        result = export_conversations(history, None, tmp_path / "all", options)
    finally:
        history.db.close()
    assert "No: 91 = 7 × 13." in pdf_text((tmp_path / "primes.pdf").read_bytes())[1]
    assert sorted(result.files) == sorted(p.name for p in (tmp_path / "all").iterdir())
    assert all(name.endswith(".pdf") for name in result.files)


def test_a_pdf_export_without_a_writer_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="writer"):
        ExportOptions(format="pdf").render(PLAIN)


_CLI = """
import json, sys
from grokdesk.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "qt": sorted(m for m in sys.modules if m.startswith("PySide6"))}))
"""


def _cli(tmp_path: Path, *argv: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["GROKDESK_DATA_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", _CLI, *argv], capture_output=True,
                            text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def _one_conversation(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    history = History(open_database(tmp_path / "data" / "history.sqlite3"))
    conversation_ = history.create_conversation("CLI", ConversationSettings(model="m"))
    history.add_message(conversation_.id, "user", "What is 6 × 7?")
    history.add_message(conversation_.id, "assistant", r"It is \(6 \times 7 = 42\): forty-two.")
    history.db.close()


def test_the_command_line_writes_a_pdf_with_no_display(tmp_path: Path) -> None:
    _one_conversation(tmp_path)
    target = tmp_path / "out.pdf"
    report = _cli(tmp_path, "export", "1", "--out", str(target))
    assert report["code"] == 0
    assert "PySide6.QtWidgets" not in report["qt"]  # type: ignore[operator]
    assert "forty-two" in pdf_text(target.read_bytes())[1]


def test_the_command_line_imports_no_qt_for_html(tmp_path: Path) -> None:
    _one_conversation(tmp_path)
    target = tmp_path / "out.html"
    report = _cli(tmp_path, "export", "1", "--out", str(target))
    assert report == {"code": 0, "qt": []}
    assert "forty-two" in target.read_text(encoding="utf-8")


def test_the_print_page_speaks_qts_html() -> None:
    page = to_print_page(PLAIN, include_reasoning=True, tz=UTC)
    assert '<table border="1" cellspacing="0" cellpadding="4">' in page.html
    assert '<td class="right" align="right">36</td>' in page.html
    assert "<details" not in page.html and '<p class="reasoning-head">' in page.html
    assert "p.pre { white-space: pre-wrap; }" in page.stylesheet
    assert "code-lang" not in page.html  # a label would be left behind when a block moves


def test_the_print_document_loads_no_file_the_html_names(tmp_path: Path) -> None:
    picture = tmp_path / "secret.png"
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0xFF0000)
    assert image.save(str(picture))
    sheet = tmp_path / "secret.css"
    sheet.write_text("p { color: red }", encoding="utf-8")
    markup = (f'<html><head><link rel="stylesheet" href="{sheet.as_uri()}"></head><body>'
              f'<p>x</p><img src="{picture.as_uri()}" width="8" height="8"></body></html>')
    url = QUrl(picture.as_uri())
    image_kind = int(QTextDocument.ResourceType.ImageResource.value)
    plain = QTextDocument()
    plain.setHtml(markup)
    assert not plain.resource(image_kind, url).isNull()  # the positive control: it reads it
    writer, _buffer = _writer()
    printed = build_document(PrintPage("t", markup, "", ()), writer)
    lay_out(printed, writer)
    assert printed.resource(image_kind, url).isNull()
    sheet_kind = int(QTextDocument.ResourceType.StyleSheetResource.value)
    assert not printed.resource(sheet_kind, QUrl(sheet.as_uri()))
