"""The window as the user left it: geometry, splitter, sidebar, reasoning and zoom."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QGuiApplication

if TYPE_CHECKING:
    from grokdesk.ui.window.frame import WindowFrame

SIDEBAR_WIDTH = 270
FIRST_SIZE = (1200, 780)
"""The first run's size, shrunk to the screen when it is smaller."""


def restore(window: WindowFrame) -> None:
    """Put the window back as it was, or at a sensible first size."""
    state = window.ui_state
    geometry = state.geometry
    if geometry is None or not window.restoreGeometry(geometry):
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        width, height = FIRST_SIZE
        if available is not None:
            width, height = min(width, available.width()), min(height, available.height())
        window.resize(width, height)
    splitter = state.splitter
    if splitter is None or not window.splitter.restoreState(splitter):
        window.splitter.setSizes([SIDEBAR_WIDTH, max(400, window.width() - SIDEBAR_WIDTH)])
    if state.window_state is not None:
        window.restoreState(state.window_state)
    window.actions_.show_sidebar.setChecked(state.sidebar_visible)
    window.sidebar.setVisible(state.sidebar_visible)
    shown = state.show_reasoning(window.settings.ui.show_reasoning)
    window.actions_.show_reasoning.setChecked(shown)
    window.transcript.set_show_reasoning(shown)


def save(window: WindowFrame) -> None:
    """Remember geometry, splitter, sidebar, reasoning toggle and zoom."""
    state = window.ui_state
    state.geometry = window.saveGeometry()
    state.window_state = window.saveState()
    if window.sidebar.isVisible():
        state.splitter = QByteArray(window.splitter.saveState())
    state.sidebar_visible = window.actions_.show_sidebar.isChecked()
    state.set_show_reasoning(window.actions_.show_reasoning.isChecked())
    state.zoom_steps = window.view.zoom_steps
    state.sync()
