"""HTML and PDF from the window: the File menu's Export as PDF… and Print…, the export
dialog's formats, and files that hold the answer (PDFs read back with pypdf)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdf
import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QDialog, QFileDialog

from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from tests.export.page_checks import check_page
from tests.ui.conftest import AppHarness, MakeWindow

ANSWER = r"The area is \(\pi r^2\), and in code:" + "\n\n```python\narea = pi * r ** 2\n```"


def one_math_answer(history: History) -> None:
    conversation = history.create_conversation("Circles", ConversationSettings(model="m"))
    history.add_message(conversation.id, "user", "Area of a circle?")
    history.add_message(conversation.id, "assistant", ANSWER, model="m")


def _opened(harness: AppHarness) -> int:
    window = harness.window

    async def scenario() -> None:
        await harness.until(lambda: window.chat.current is not None, what="the conversation")

    harness.run(scenario())
    assert window.chat.current is not None
    return window.chat.current.id


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def _visible(window: object, kind: type[QDialog]) -> list[QDialog]:
    return [d for d in window.findChildren(kind) if d.isVisible()]  # type: ignore[attr-defined]


def test_the_file_menu_has_export_as_pdf_and_print(make_window: MakeWindow) -> None:
    actions = make_window(prepare=one_math_answer).window.actions_
    file_menu = dict(actions.menus())["&File"]
    assert actions.export_pdf in file_menu and actions.print_ in file_menu
    assert actions.print_.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Print)


def test_export_as_pdf_asks_for_a_pdf_and_writes_one(make_window: MakeWindow,
                                                     tmp_path: Path) -> None:
    harness = make_window(prepare=one_math_answer)
    window = harness.window
    conversation_id = _opened(harness)
    window.actions_.export_pdf.trigger()
    dialogs = _visible(window, QFileDialog)
    assert len(dialogs) == 1 and dialogs[0].windowTitle() == "Export as PDF"
    assert dialogs[0].selectedFiles()[0].endswith("Circles.pdf")
    dialogs[0].reject()
    notes: list[tuple[bool, str]] = []
    window.transfer_flow.transfers.finished.connect(lambda ok, text: notes.append((ok, text)))
    target = tmp_path / "circles.pdf"

    async def scenario() -> None:
        window.transfer_flow.export_to(target, [conversation_id])
        await harness.until(lambda: notes, what="the PDF export")

    harness.run(scenario())
    assert notes == [(True, f"Exported 1 conversation to {target}")]
    text = _pdf_text(target)
    assert "Thearea is" .replace(" ", "") in text and "area=pi*r**2" in text
    assert "\\pi" not in text


def test_the_export_dialog_offers_html_and_pdf_and_html_is_a_standalone_page(
        make_window: MakeWindow, tmp_path: Path) -> None:
    harness = make_window(prepare=one_math_answer)
    window = harness.window
    conversation_id = _opened(harness)
    window.actions_.export_conversation.trigger()
    dialog = _visible(window, QFileDialog)[0]
    assert "HTML page (*.html)" in dialog.nameFilters() and "PDF (*.pdf)" in dialog.nameFilters()
    dialog.reject()
    notes: list[str] = []
    window.transfer_flow.transfers.finished.connect(lambda _ok, text: notes.append(text))
    target = tmp_path / "circles.html"

    async def scenario() -> None:
        window.transfer_flow.export_to(target, [conversation_id])
        await harness.until(lambda: notes, what="the HTML export")

    harness.run(scenario())
    page = check_page(target.read_text(encoding="utf-8"))
    assert page.problems == [] and page.math == [r"\(\pi r^2\)"]
    assert "area = pi * r ** 2" in page.text


def test_print_prints_the_conversation_through_the_print_dialog(make_window: MakeWindow,
                                                                tmp_path: Path) -> None:
    harness = make_window(prepare=one_math_answer)
    window = harness.window
    _opened(harness)
    window.actions_.print_.trigger()
    dialogs = _visible(window, QPrintDialog)
    assert len(dialogs) == 1 and dialogs[0].isModal()
    dialog = dialogs[0]
    assert isinstance(dialog, QPrintDialog)
    target = tmp_path / "printed.pdf"
    # What choosing "Print to File (PDF)" gives the printer; the dialog's own widgets
    # are bypassed (done() rather than accept()) so no real printer is needed.
    dialog.printer().setOutputFileName(str(target))
    notes: list[tuple[bool, str]] = []
    window.transfer_flow.transfers.finished.connect(lambda ok, text: notes.append((ok, text)))

    async def scenario() -> None:
        dialog.done(QDialog.DialogCode.Accepted)
        await harness.until(lambda: notes, what="the print")

    harness.run(scenario())
    assert notes == [(True, "Printed 1 page")]
    assert window.status.currentMessage() == "Printed 1 page"
    text = _pdf_text(target)
    assert "Areaofacircle?" in text and "area=pi*r**2" in text


def test_print_with_nothing_open_says_so(make_window: MakeWindow) -> None:
    window = make_window().window
    window.actions_.print_.trigger()
    assert _visible(window, QPrintDialog) == []
    assert window.status.currentMessage() == "Nothing to print yet: this chat has no messages"


def test_a_printer_that_cannot_be_written_to_is_reported(make_window: MakeWindow,
                                                          tmp_path: Path) -> None:
    harness = make_window(prepare=one_math_answer)
    window = harness.window
    _opened(harness)
    window.actions_.print_.trigger()
    dialog = _visible(window, QPrintDialog)[0]
    assert isinstance(dialog, QPrintDialog)
    dialog.printer().setOutputFileName(str(tmp_path / "no such folder" / "printed.pdf"))
    notes: list[tuple[bool, str]] = []
    window.transfer_flow.transfers.finished.connect(lambda ok, text: notes.append((ok, text)))

    async def scenario() -> None:
        dialog.done(QDialog.DialogCode.Accepted)
        await harness.until(lambda: notes, what="the print to fail")

    harness.run(scenario())
    assert notes[0][0] is False
    assert "could not be written to" in notes[0][1] and "check the printer" in notes[0][1]


def test_choosing_a_format_in_the_export_dialog_changes_the_files_suffix(
        make_window: MakeWindow) -> None:
    harness = make_window(prepare=one_math_answer)
    window = harness.window
    _opened(harness)
    window.actions_.export_conversation.trigger()
    dialog = _visible(window, QFileDialog)[0]
    assert isinstance(dialog, QFileDialog)
    assert dialog.selectedFiles()[0].endswith("Circles.md")
    dialog.selectNameFilter("PDF (*.pdf)")
    assert dialog.selectedFiles()[0].endswith("Circles.pdf")
    dialog.selectNameFilter("HTML page (*.html)")
    assert dialog.selectedFiles()[0].endswith("Circles.html")
    dialog.reject()


@pytest.mark.parametrize(("name_filter", "suffix"), [("HTML pages in a zip (*.zip)", ".html"),
                                                   ("PDF files in a zip (*.zip)", ".pdf")])
def test_export_all_offers_every_format_and_writes_pages_of_the_chosen_one_in_a_zip(
        make_window: MakeWindow, tmp_path: Path, name_filter: str, suffix: str) -> None:
    def two_conversations(history: History) -> None:
        one_math_answer(history)
        other = history.create_conversation("Squares", ConversationSettings(model="m"))
        history.add_message(other.id, "user", "Area of a square?")
        history.add_message(other.id, "assistant", "The side, **squared**.", model="m")

    harness = make_window(prepare=two_conversations)
    window = harness.window
    _opened(harness)
    notes: list[tuple[bool, str]] = []
    window.transfer_flow.transfers.finished.connect(lambda ok, text: notes.append((ok, text)))
    window.actions_.export_all.trigger()
    dialog = _visible(window, QFileDialog)[0]
    assert isinstance(dialog, QFileDialog)
    assert dialog.nameFilters() == ["Markdown files in a zip (*.zip)",
                                    "HTML pages in a zip (*.zip)",
                                    "PDF files in a zip (*.zip)", "JSON (*.json)"]
    dialog.selectNameFilter(name_filter)
    target = tmp_path / "everything.zip"
    dialog.selectFile(str(target))

    async def scenario() -> None:
        dialog.accept()
        await harness.until(lambda: notes, what="the export of every conversation")

    harness.run(scenario())
    assert notes == [(True, f"Exported 2 conversations to {target}")]
    with zipfile.ZipFile(target) as archive:
        files = {name: archive.read(name) for name in sorted(archive.namelist())}
    assert [Path(name).suffix for name in files] == [suffix, suffix]
    if suffix == ".html":
        pages = [data.decode("utf-8") for data in files.values()]
        assert all(check_page(page).problems == [] for page in pages)
        assert any("<strong>squared</strong>" in page for page in pages)
    else:
        texts = ["".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
                 for data in files.values()]
        assert any("squared" in text for text in texts)
