"""The window's remembered state is written when it changes, not when it is restored:
QSettings rewrites its file and flushes it to the disk after any ``setValue``, and a
restore that wrote the values back did that during the first paint of every start."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from grokdesk.ui.ui_state import UIState
from tests.ui.conftest import MakeWindow

STORED = "[view]\nshow_reasoning=false\nsidebar=false\nzoom_steps=2\n"
LONG_AGO = 1_000_000_000


def _stored_state(path: Path) -> None:
    path.write_text(STORED)
    os.utime(path, (LONG_AGO, LONG_AGO))


def test_a_restored_window_leaves_its_state_file_alone(make_window: MakeWindow,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "ui-state.ini"
    _stored_state(path)
    harness = make_window()
    harness.run(asyncio.sleep(0.2))  # QSettings writes from the event loop
    window = harness.window
    assert not window.actions_.show_reasoning.isChecked()
    assert not window.sidebar.isVisibleTo(window)
    assert window.view.zoom_steps == 2
    assert path.stat().st_mtime == LONG_AGO
    assert path.read_text() == STORED


def test_a_change_is_written(tmp_path: Path) -> None:
    path = tmp_path / "ui-state.ini"
    _stored_state(path)
    state = UIState(path)
    state.zoom_steps = 2
    state.set_show_reasoning(False)
    state.sidebar_visible = False
    state.sync()
    assert path.stat().st_mtime == LONG_AGO, "nothing changed"
    state.zoom_steps = 3
    state.set_show_reasoning(True)
    state.sidebar_visible = True
    state.sync()
    again = UIState(path)
    assert (again.zoom_steps, again.show_reasoning(False), again.sidebar_visible) == (3, True, True)


def test_a_first_start_writes_what_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "ui-state.ini"
    state = UIState(path)
    state.zoom_steps = 0
    state.set_show_reasoning(True)
    state.sidebar_visible = True
    state.sync()
    text = path.read_text()
    assert "zoom_steps=0" in text and "show_reasoning=true" in text and "sidebar=true" in text
