"""Export and import from the window: progress, cancel, the import report, the sidebar menu."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from grokdesk.export import ExportOptions, export_conversations
from grokdesk.storage.models import ConversationSettings
from grokdesk.storage.repository import History
from tests.ui.conftest import MakeWindow


def many_conversations(history: History) -> None:
    for n in range(30):
        conversation = history.create_conversation(f"Talk {n}",
                                                   ConversationSettings(provider="aimlapi"))
        history.add_message(conversation.id, "user", f"question {n}")
        history.add_message(conversation.id, "assistant", f"answer {n}")


def test_progress_is_reported_and_the_import_report_is_shown(make_window: MakeWindow,
                                                              tmp_path: Path) -> None:
    harness = make_window(prepare=many_conversations)
    window = harness.window
    progress: list[tuple[int, int]] = []
    notes: list[str] = []
    window.transfer_flow.transfers.progressed.connect(
        lambda done, total: progress.append((done, total)))
    window.transfer_flow.transfers.finished.connect(lambda _ok, text: notes.append(text))
    backup = tmp_path / "all.json"

    async def scenario() -> None:
        window.transfer_flow.export_to(backup, None)
        await harness.until(lambda: notes, what="the export")
        window.transfer_flow.import_from([backup, tmp_path / "missing.json"])
        await harness.until(lambda: len(notes) == 2, what="the import")
        await harness.until(lambda: _visible_boxes("Import finished"), what="the report")

    harness.run(scenario())
    assert (0, 30) in progress and (30, 30) in progress
    report = _visible_boxes("Import finished")[0]
    details = report.detailedText()
    assert "missing.json" in details and "all.json" in details
    assert "30" in report.text() or "30" in details
    report.close()


def test_cancel_rolls_the_import_back(make_window: MakeWindow, tmp_path: Path) -> None:
    harness = make_window()
    window = harness.window
    source = harness.history
    with source.batch():
        many_conversations(source)
    backup = tmp_path / "backup.json"
    export_conversations(source, None, backup, ExportOptions(format="json"))
    for conversation in source.list_conversations():
        source.delete_conversation(conversation.id)
    notes: list[tuple[bool, str]] = []
    window.transfer_flow.transfers.finished.connect(lambda ok, text: notes.append((ok, text)))
    # Direct: the worker itself presses Cancel after the first conversation, so the
    # test does not race the queued progress signal.
    window.transfer_flow.transfers.progressed.connect(
        lambda done, _total: done >= 1 and window.transfer_flow.transfers.cancel(),
        Qt.ConnectionType.DirectConnection)

    async def scenario() -> None:
        window.transfer_flow.import_from([backup])
        await harness.until(lambda: notes, what="the import to end")

    harness.run(scenario())
    assert notes[0][0] is False and "cancel" in notes[0][1].lower()
    assert source.count_conversations() == 0
    assert len(json.loads(backup.read_text(encoding="utf-8"))["conversations"]) == 30


def test_the_sidebar_menu_exports_one_conversation(make_window: MakeWindow) -> None:
    harness = make_window(prepare=many_conversations)
    window = harness.window
    rect = window.sidebar.view.visualRect(window.sidebar.model.index(2))
    window.sidebar._context_menu(rect.center())
    menus = [m for m in window.sidebar.findChildren(QMenu) if m.isVisible()]
    export = next(a for a in menus[-1].actions() if a.text() == "Export…")
    export.trigger()
    dialogs = [d for d in window.findChildren(QFileDialog) if d.isVisible()]
    assert dialogs and dialogs[0].windowTitle() == "Export conversation"
    assert dialogs[0].selectedFiles()[0].endswith("Talk 27.md")
    dialogs[0].reject()
    menus[-1].close()


def _visible_boxes(title: str) -> list[QMessageBox]:
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible() and w.windowTitle() == title]
