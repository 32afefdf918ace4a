"""The window's part of the key-privacy session: errors that quote the key back, retries,
exports and debug logs, then a search of every file written and every text on screen."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit, QTextEdit

from tests.security.test_key_never_leaks import found_in, hostile_replies, written_files
from tests.ui.conftest import MakeWindow

KEY = "7d2b9c4e1f6a48d3b5e0c9a2f7d1e4b8"


def _screen_texts(widget: object) -> list[str]:
    """Every text a person could read in the window (labels, buttons, fields, documents)."""
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    texts: list[str] = [widget.windowTitle()]
    for child in widget.findChildren(QWidget):
        if isinstance(child, QLabel | QAbstractButton | QLineEdit):
            texts.append(child.text())
        elif isinstance(child, QTextEdit | QPlainTextEdit):
            texts.append(child.toPlainText())
        texts.append(child.toolTip())
    return texts


def test_the_window_never_shows_or_writes_the_key(make_window: MakeWindow, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    harness = make_window(key=KEY)
    window = harness.window
    exports = tmp_path / "exports"
    exports.mkdir()
    notes: list[str] = []
    window.transfer_flow.transfers.finished.connect(lambda _ok, text: notes.append(text))
    seen_on_screen: list[str] = []

    async def scenario() -> None:
        for name, replies in hostile_replies(KEY):
            harness.fake.queue(*replies)
            harness.send(f"Question for the {name} case")
            await harness.idle()
            seen_on_screen.extend(_screen_texts(window))
            seen_on_screen.append(window.statusBar().currentMessage())
        window.controller.regenerate(window.current_id)  # type: ignore[arg-type]
        await harness.idle()
        window.transfer_flow.export_to(exports / "one.md", [window.current_id])  # type: ignore[list-item]
        window.transfer_flow.export_to(exports / "all.json", None)
        window.transfer_flow.export_to(exports / "all.zip", None)
        await harness.until(lambda: len(notes) == 3, what="the exports")

    harness.run(scenario(), timeout=60)
    assert harness.fake.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert len(harness.fake.chat_requests) >= len(hostile_replies(KEY)) + 1
    statuses = {m.status for m in harness.history.messages(window.current_id)}  # type: ignore[arg-type]
    assert {"complete", "error", "interrupted"} <= statuses
    harness.close()

    leaks = {f"screen {i}": found_in(text, KEY) for i, text in enumerate(seen_on_screen)}
    leaks |= {f"log {i}": found_in(record.getMessage(), KEY)
              for i, record in enumerate(caplog.records)}
    for name, data in written_files(tmp_path):
        leaks[name] = found_in(data, KEY)
    assert any(name.endswith("history.sqlite3") for name in leaks)
    assert any("all.zip:" in name for name in leaks), "zip members were searched"
    assert {name: forms for name, forms in leaks.items() if forms} == {}
